"""Lab day3-shuffle-avoidance: four ways to not shuffle, each measured in shuffle bytes.

A shuffle writes every row it moves to local disk, sends it over the network and reads it back: on EMR it is
usually the most expensive thing a job does. Each technique runs a "shuffling" and an "avoiding" variant of
the same computation, and the job records, from the jobs' own stage metrics, how many bytes each variant wrote
to shuffle files, plus the exchanges in the physical plan and the answer (which must be the same).

  broadcast         join a big fact table to a small dimension: sort-merge join (both sides shuffled by the
                    key) vs broadcast hash join (the dimension is copied to every task, the fact table stays put)
  bucketing         the same join on two tables written with bucketBy(8, key) + sortBy: Spark knows both sides
                    are already hash-partitioned by the key, so the join needs no exchange (a per-task Sort stays:
                    since Spark 3.0 a bucketed scan reports no ordering)
  reduce_by_key     RDD sum per key: groupByKey ships every value across the network, reduceByKey combines
                    values inside each map task first and ships one partial sum per key and task
  preserve_partitioner  an RDD already hash-partitioned by key: mapValues keeps the partitioner, so the
                    following reduceByKey is a narrow dependency; map() may change the key, Spark forgets the
                    partitioning and shuffles again

Run: spark-submit --py-files labkit.py day3_shuffle_avoidance.py --out DIR
"""

from __future__ import annotations

from operator import add
from typing import Any, Callable, Dict

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

BUCKETS = 8

# ------------------------------------------------------------------------------------------- transforms


def build_sales(spark: SparkSession, rows: int, products: int) -> DataFrame:
    return spark.range(0, rows, 1, numPartitions=4).select(
        F.col("id").alias("sale_id"),
        ((F.col("id") * 2654435761) % products).alias("product_id"),
        ((F.col("id") * 7919) % 1000).alias("amount"),
    )


def build_products(spark: SparkSession, products: int) -> DataFrame:
    return spark.range(0, products, 1, numPartitions=2).select(
        F.col("id").alias("product_id"),
        F.concat(F.lit("cat-"), (F.col("id") % 12).cast("string")).alias("category"),
    )


def revenue_by_category(sales: DataFrame, products: DataFrame) -> DataFrame:
    return sales.join(products, "product_id").groupBy("category").agg(F.sum("amount").alias("revenue"))


def measure(spark: SparkSession, label: str, action: Callable[[], Any], df: DataFrame = None) -> Dict[str, Any]:
    """Run action once inside a recorded job group: shuffle bytes, stages, the answer, the plan's exchanges."""
    with labkit.record_jobs(spark, label, f"day3 shuffle avoidance: {label}") as rec:
        value = action()
    s = rec.summary()
    out = {
        "shuffle_write_bytes": s["shuffle_write_bytes"],
        "shuffle_read_bytes": s["shuffle_read_bytes"],
        "stages_run": s["stages_run"],
        "tasks": s["tasks"],
        "seconds": s["seconds"],
        "answer": sorted([list(map(str, r)) for r in value]),
    }
    if df is not None:
        out["exchanges"] = len(labkit.shuffle_exchanges(df))
        out["join_nodes"] = labkit.join_nodes(df)
    return out


def pair(shuffling: Dict[str, Any], avoiding: Dict[str, Any]) -> Dict[str, Any]:
    sw, aw = shuffling["shuffle_write_bytes"] or 0, avoiding["shuffle_write_bytes"] or 0
    same = shuffling.pop("answer") == avoiding.pop("answer")
    return {
        "shuffling": shuffling,
        "avoiding": avoiding,
        "results_equal": same,
        # +1 byte: the avoiding side may write nothing at all
        "shuffle_ratio": round(sw / (aw + 1), 1),
        "bytes_saved": sw - aw,
    }


def transform(spark: SparkSession, rows: int, products: int, pairs_rows: int, keys: int) -> Dict[str, Any]:
    sales, dims = build_sales(spark, rows, products), build_products(spark, products)
    result: Dict[str, Any] = {"params": {"rows": rows, "products": products, "pairs_rows": pairs_rows, "keys": keys, "buckets": BUCKETS}}

    # 1. broadcast vs sort-merge join (the hints force each strategy whatever the threshold says)
    smj = revenue_by_category(sales, dims.hint("merge"))
    bhj = revenue_by_category(sales, dims.hint("broadcast"))
    result["broadcast"] = pair(measure(spark, "sort-merge-join", smj.collect, smj), measure(spark, "broadcast-join", bhj.collect, bhj))

    # 2. pre-bucketed inputs: written once (that write shuffles, once), then joined any number of times for free
    with labkit.sql_conf(spark, {"spark.sql.autoBroadcastJoinThreshold": -1}):
        sales.write.mode("overwrite").bucketBy(BUCKETS, "product_id").sortBy("product_id").saveAsTable("sales_bucketed")
        dims.write.mode("overwrite").bucketBy(BUCKETS, "product_id").sortBy("product_id").saveAsTable("products_bucketed")
        sales.write.mode("overwrite").saveAsTable("sales_plain")
        dims.write.mode("overwrite").saveAsTable("products_plain")
        plain = revenue_by_category(spark.table("sales_plain"), spark.table("products_plain"))
        bucketed = revenue_by_category(spark.table("sales_bucketed"), spark.table("products_bucketed"))
        result["bucketing"] = pair(measure(spark, "plain-tables-join", plain.collect, plain), measure(spark, "bucketed-tables-join", bucketed.collect, bucketed))

    # 3. reduceByKey vs groupByKey on (key, value) pairs
    sc = spark.sparkContext
    # Values scattered by a multiplicative hash: a repeating pattern would compress to nothing in the shuffle
    # files and hide the difference.
    pairs = sc.parallelize(range(pairs_rows), 4).map(lambda i: (i % keys, (i * 2654435761) % 4294967291 % 100000))
    result["reduce_by_key"] = pair(
        measure(spark, "groupByKey", lambda: pairs.groupByKey().mapValues(sum).collect()),
        measure(spark, "reduceByKey", lambda: pairs.reduceByKey(add).collect()),
    )

    # 4. keep the partitioner: partition once by key (cached), then transform the values and aggregate
    partitioned = pairs.partitionBy(BUCKETS).cache()
    partitioned.count()  # materialise: the shuffle of partitionBy is paid here, once, by both variants
    result["preserve_partitioner"] = pair(
        measure(spark, "map-then-reduceByKey", lambda: partitioned.map(lambda kv: (kv[0], kv[1] * 2)).reduceByKey(add).collect()),
        measure(spark, "mapValues-then-reduceByKey", lambda: partitioned.mapValues(lambda v: v * 2).reduceByKey(add).collect()),
    )
    result["preserve_partitioner"]["partitioner_kept"] = {
        "mapValues": partitioned.mapValues(lambda v: v).partitioner is not None,
        "map": partitioned.map(lambda kv: kv).partitioner is not None,
    }
    partitioned.unpersist()

    techniques = ["broadcast", "bucketing", "reduce_by_key", "preserve_partitioner"]
    result["all_results_equal"] = all(result[t]["results_equal"] for t in techniques)
    result["ratios"] = {t: result[t]["shuffle_ratio"] for t in techniques}
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=400_000, help="rows of the sales table")
        p.add_argument("--products", type=int, default=5_000, help="rows of the products table")
        p.add_argument("--pairs", type=int, default=200_000, help="(key, value) pairs for the RDD techniques")
        p.add_argument("--keys", type=int, default=50, help="distinct keys of the pairs")

    labkit.run_step(
        "day3-shuffle-avoidance",
        extra,
        lambda spark, args: transform(spark, args.rows, args.products, args.pairs, args.keys),
        argv,
    )


if __name__ == "__main__":
    main()
