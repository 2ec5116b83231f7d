"""Lab day2-partitioning: repartition vs coalesce, partitionBy on write, bucketing, a custom Partitioner.

Four parts, on generated sales rows:

  repartition vs coalesce
      repartition(n) always shuffles (Exchange RoundRobinPartitioning) and can raise or lower the count;
      coalesce(n) merges neighbouring partitions without a shuffle (a narrow Coalesce node) and can only
      lower it: coalesce(16) on 8 partitions stays 8.
  partitionBy on write
      write.partitionBy("country") creates one directory per value (country=DE/...); a reader that
      filters on country opens only the matching directories (PartitionFilters in the scan).
  bucketing
      two tables written with bucketBy(8, "customer_id") + saveAsTable: the join of the two on the
      bucket column needs no Exchange at all, because both sides are already hash-partitioned the
      way the join needs. The same join of plain tables shuffles both sides.
  custom Partitioner (RDD)
      rdd.partitionBy(n, func) places each key in the partition func(key) % n returns: here one
      partition per sales region, so every partition holds the countries of one region only.

Run: spark-submit --py-files labkit.py day2_partitioning.py --out DIR [--rows N]
"""

from __future__ import annotations

from typing import Any, Dict, List

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

COUNTRIES = ["DE", "FR", "IT", "ES", "US", "CA", "MX", "BR", "JP", "IN", "AU", "CN"]
# The custom partitioner's design: one partition per region.
REGIONS = {"emea": ["DE", "FR", "IT", "ES"], "americas": ["US", "CA", "MX", "BR"], "apac": ["JP", "IN", "AU", "CN"]}
REGION_INDEX = {country: i for i, countries in enumerate(REGIONS.values()) for country in countries}
BUCKETS = 8

# ------------------------------------------------------------------------------------------- transforms


def build_sales(spark: SparkSession, rows: int, partitions: int) -> DataFrame:
    """Sales rows: customer, country (12 values), amount."""
    countries = F.array(*[F.lit(c) for c in COUNTRIES])
    return spark.range(0, rows, 1, numPartitions=partitions).select(
        F.col("id").alias("sale_id"),
        ((F.col("id") * F.lit(2654435761)) % 50_000).alias("customer_id"),
        F.element_at(countries, (F.col("id") % len(COUNTRIES) + 1).cast("int")).alias("country"),
        ((F.col("id") * F.lit(7919)) % 10000).alias("amount_cents"),
    )


def build_customers(spark: SparkSession) -> DataFrame:
    return spark.range(0, 50_000, 1, numPartitions=2).select(
        F.col("id").alias("customer_id"), F.concat(F.lit("tier-"), (F.col("id") % 3).cast("string")).alias("tier")
    )


def region_partitioner(country: str) -> int:
    """The custom partitioner: the region's index. PySpark calls it for every key and takes the result
    modulo the number of partitions; a portable_hash-style default would scatter a region's countries."""
    return REGION_INDEX[country]


def join_tiers(sales: DataFrame, customers: DataFrame) -> DataFrame:
    return sales.join(customers, "customer_id").groupBy("tier").agg(F.sum("amount_cents").alias("cents"))


# --------------------------------------------------------------------------------------------- helpers


def list_files(spark, directory: str) -> List[str]:
    """Data files under a directory (relative paths), through Hadoop FS so it works on S3 too."""
    fs, path = labkit.hadoop_fs(spark, directory)
    root = str(fs.makeQualified(path).toString()).rstrip("/") + "/"
    rel = [f.uri[len(root):] if f.uri.startswith(root) else f.uri for f in labkit.list_files(spark, directory, missing_ok=False) if not f.name.startswith(("_", "."))]
    return sorted(rel)


def scan_info(df: DataFrame) -> Dict[str, Any]:
    """The FileSourceScanExec of a query: its partition filters and the files/partitions it read."""
    for node in labkit.scan_nodes(df):
        metrics = {}
        for name in ("numFiles", "numPartitions", "numOutputRows"):
            opt = node.metrics().get(name)
            if opt.isDefined():
                metrics[name] = int(opt.get().value())
        return {"partition_filters": str(node.partitionFilters().toString()), **metrics}
    return {}


def has_exchange(df: DataFrame) -> bool:
    return any(n in ("Exchange", "ShuffleExchange") or n.startswith("Exchange") for n in labkit.plan_nodes(df))


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, rows: int, out: str) -> Dict[str, Any]:
    sales = build_sales(spark, rows, 8)
    result: Dict[str, Any] = {"params": {"rows": rows, "input_partitions": 8, "buckets": BUCKETS}}

    # 1. repartition vs coalesce
    variants = {
        "repartition_4": sales.repartition(4),
        "coalesce_4": sales.coalesce(4),
        "repartition_16": sales.repartition(16),
        "coalesce_16": sales.coalesce(16),
        "repartition_12_by_country": sales.repartition(len(COUNTRIES), "country"),
    }
    rc = {}
    for name, df in variants.items():
        count = df.count()
        rc[name] = {
            "partitions": df.rdd.getNumPartitions(),
            "shuffle": has_exchange(df.select("sale_id")),
            "rows": count,
            "physical_plan": str(df._jdf.queryExecution().executedPlan().toString()).strip(),
        }
    # 12 countries hashed into 12 partitions: hash partitioning does not give every key its own
    # partition; collisions leave some partitions empty and others with two or three countries.
    sizes = (
        sales.repartition(len(COUNTRIES), "country")
        .groupBy(F.spark_partition_id().alias("p"))
        .agg(F.countDistinct("country").alias("countries"))
        .collect()
    )
    rc["repartition_12_by_country"]["non_empty_partitions"] = len(sizes)
    rc["repartition_12_by_country"]["max_countries_in_a_partition"] = max(r["countries"] for r in sizes)
    result["repartition_vs_coalesce"] = rc

    # 2. partitionBy on write, then a pruned read
    layout_dir = out.rstrip("/") + "/sales_by_country"
    sales.write.mode("overwrite").partitionBy("country").parquet(layout_dir)
    files = list_files(spark, layout_dir)
    dirs = sorted({f.split("/", 1)[0] for f in files if "=" in f})
    # the same write after repartition("country"): each country's rows sit in one task, one file per directory
    compact_dir = out.rstrip("/") + "/sales_by_country_compact"
    sales.repartition("country").write.mode("overwrite").partitionBy("country").parquet(compact_dir)
    compact_files = list_files(spark, compact_dir)
    pruned = spark.read.parquet(layout_dir).filter(F.col("country") == "DE").agg(F.sum("amount_cents").alias("c"))
    pruned_cents = pruned.collect()[0]["c"]
    full = spark.read.parquet(layout_dir).agg(F.count(F.lit(1)).alias("n"))
    full.collect()
    result["partition_by"] = {
        "directories": dirs,
        "directory_count": len(dirs),
        "files": len(files),
        "files_per_directory": round(len(files) / max(1, len(dirs)), 2),
        "files_after_repartition_by_country": len(compact_files),
        "pruned_read": scan_info(pruned),
        "full_read": scan_info(full),
        "pruned_matches_source": pruned_cents
        == sales.filter(F.col("country") == "DE").agg(F.sum("amount_cents")).collect()[0][0],
    }

    # 3. bucketing
    customers = build_customers(spark)
    spark.sql("DROP TABLE IF EXISTS sales_bucketed")
    spark.sql("DROP TABLE IF EXISTS customers_bucketed")
    # repartition by the bucket column first: each task then holds exactly one bucket and writes one
    # file per bucket (without it, every task would write a file for every bucket: 8 x 8 small files).
    (sales.repartition(BUCKETS, "customer_id").write.bucketBy(BUCKETS, "customer_id").sortBy("customer_id")
     .mode("overwrite").saveAsTable("sales_bucketed"))
    (customers.repartition(BUCKETS, "customer_id").write.bucketBy(BUCKETS, "customer_id").sortBy("customer_id")
     .mode("overwrite").saveAsTable("customers_bucketed"))
    bucket_files = list_files(spark, str(spark.sql("DESCRIBE FORMATTED sales_bucketed").filter("col_name = 'Location'").collect()[0]["data_type"]))
    bucketed_q = join_tiers(spark.table("sales_bucketed"), spark.table("customers_bucketed"))
    plain_q = join_tiers(sales, customers)
    with labkit.record_jobs(spark, "bucketed-join", "day2 partitioning: join of two bucketed tables") as rec_b:
        bucketed_rows = sorted((r["tier"], int(r["cents"])) for r in bucketed_q.collect())
    with labkit.record_jobs(spark, "plain-join", "day2 partitioning: join of two plain DataFrames") as rec_p:
        plain_rows = sorted((r["tier"], int(r["cents"])) for r in plain_q.collect())

    def join_exchanges(df):
        # shuffles below the join (the groupBy above it always shuffles its small result)
        return [e for e in labkit.shuffle_exchanges(df) if "customer_id" in e["partitioning"]]

    bucket_spec = [r.asDict() for r in spark.sql("DESCRIBE FORMATTED sales_bucketed").collect()
                   if r["col_name"] in ("Num Buckets", "Bucket Columns", "Sort Columns", "Provider", "Type")]
    result["bucketing"] = {
        "table_spec": {r["col_name"]: r["data_type"] for r in bucket_spec},
        "bucket_files": len(bucket_files),
        "bucketed_join_exchanges": len(join_exchanges(bucketed_q)),
        "plain_join_exchanges": len(join_exchanges(plain_q)),
        "bucketed_join_node": (labkit.join_nodes(bucketed_q) or [None])[0],
        "bucketed_plan": labkit.plan_text(bucketed_q),
        "plain_plan": labkit.plan_text(plain_q),
        "bucketed_shuffle_write_bytes": rec_b.summary()["shuffle_write_bytes"],
        "plain_shuffle_write_bytes": rec_p.summary()["shuffle_write_bytes"],
        "results_agree": bucketed_rows == plain_rows,
    }

    # 4. custom partitioner on a pair RDD
    pairs = sales.select("country", "amount_cents").rdd.map(lambda r: (r[0], r[1]))
    by_region = pairs.partitionBy(len(REGIONS), region_partitioner)
    placed = by_region.mapPartitionsWithIndex(lambda i, it: [(i, sorted({k for k, _ in it}))]).collect()
    expected = {i: sorted(cs) for i, cs in enumerate(REGIONS.values())}
    default = pairs.partitionBy(len(REGIONS))  # PySpark's default: portable_hash(key) % n
    default_placed = default.mapPartitionsWithIndex(lambda i, it: [(i, sorted({k for k, _ in it}))]).collect()
    result["custom_partitioner"] = {
        "partitions": by_region.getNumPartitions(),
        "regions": {name: i for i, name in enumerate(REGIONS)},
        "placement": {str(i): keys for i, keys in placed},
        "as_designed": all(keys == expected[i] for i, keys in placed),
        "default_hash_placement": {str(i): keys for i, keys in default_placed},
    }
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=600_000, help="generated sales rows")

    labkit.run_step(
        "day2-partitioning: repartition, partitionBy, bucketing, custom partitioner",
        extra,
        lambda spark, args: transform(spark, args.rows, args.out),
        argv,
    )


if __name__ == "__main__":
    main()
