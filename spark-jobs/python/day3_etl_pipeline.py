"""Lab day3-etl-pipeline: raw CSV/JSON -> cleaned, typed, deduplicated -> date-partitioned Parquet, idempotently.

The job first lands a deterministic "raw" drop, as an upstream system would deliver it:

  raw/orders/*.csv      order lines as text: padded numbers, two timestamp formats, exact duplicate lines
                        (at-least-once delivery), later versions of some orders (updates), and broken lines
                        (an amount of "n/a", an unparseable timestamp)
  raw/customers/*.json  customers with their country in inconsistent case and spacing

and then runs the pipeline (transform = extract -> clean -> dedupe -> enrich -> load):

  clean     trim, cast amount to DECIMAL(12,2), parse either timestamp format; rows that fail go to a
            quarantine folder instead of silently becoming nulls
  dedupe    one row per order_id: the latest version by updated_at (exact duplicates collapse too)
  enrich    broadcast join with customers for a normalised country
  load      Parquet partitioned by order_date, written with spark.sql.sources.partitionOverwriteMode=dynamic:
            an overwrite replaces only the partitions present in the data being written

Then it proves the pipeline is idempotent and incremental:
  rerun       the same raw drop again: the table must be identical (same rows, same checksum, no duplicates)
  append      what a naive re-run with mode("append") would have done (into a scratch table): duplicates
  correction  a re-delivery of two days: only those two partitions are rewritten, the other files stay untouched

Run: spark-submit --py-files labkit.py day3_etl_pipeline.py --out DIR --root DIR_OR_URI
"""

from __future__ import annotations

import time
from typing import Any, Dict

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

import labkit

DAYS = 10
FIRST_DAY = "2024-03-01"
CUSTOMERS = 500
COUNTRIES = ["de", "DE ", " fr", "Fr", "us", "US", " es ", "it"]

# ------------------------------------------------------------------------------------------ raw landing


def raw_orders(spark: SparkSession, orders: int, bad: int, correction: bool = False) -> DataFrame:
    """Order lines as strings, exactly as a CSV export would carry them (deterministic from the ids).

    correction=True re-delivers days 0 and 1 only, with every amount raised by 1.00 and a later updated_at.
    """
    ids = spark.range(0, orders, 1, numPartitions=4)
    base = ids.select(
        F.col("id").alias("order_id"),
        (F.col("id") % CUSTOMERS).alias("customer_id"),
        (F.col("id") % DAYS).alias("day"),
        ((F.col("id") * 7919) % 100000).alias("cents"),
        F.lit(1).alias("version"),
    )
    if correction:
        base = base.where(F.col("day") < 2).withColumn("cents", F.col("cents") + 100).withColumn("version", F.lit(3))
    else:
        dupes = base.where(F.col("order_id") % 10 == 0)  # delivered twice, byte for byte
        updates = base.where(F.col("order_id") % 25 == 0).withColumn("cents", F.col("cents") + 555).withColumn("version", F.lit(2))
        base = base.unionByName(dupes).unionByName(updates)

    ts = F.expr(f"date_add(DATE'{FIRST_DAY}', CAST(day AS INT))").cast("timestamp") + F.expr("make_interval(0,0,0,0, CAST(order_id % 24 AS INT), CAST(order_id % 60 AS INT), 0)")
    updated = ts + F.expr("make_interval(0,0,0,0, version, 0, 0)")
    lines = base.select(
        F.col("order_id").cast("string").alias("order_id"),
        F.concat(F.lit(" "), F.col("customer_id").cast("string")).alias("customer_id"),
        F.format_string(" %.2f ", F.col("cents") / 100).alias("amount"),
        # Two exporters, two formats: every third line uses slashes.
        F.when(F.col("order_id") % 3 == 0, F.date_format(ts, "yyyy/MM/dd HH:mm")).otherwise(F.date_format(ts, "yyyy-MM-dd'T'HH:mm:ss")).alias("order_ts"),
        F.date_format(updated, "yyyy-MM-dd'T'HH:mm:ss").alias("updated_at"),
    )
    if correction or bad == 0:
        return lines
    broken = spark.range(orders, orders + bad, 1, numPartitions=1).select(
        F.col("id").cast("string").alias("order_id"),
        F.lit(" 7").alias("customer_id"),
        F.when(F.col("id") % 3 == 0, F.lit("n/a")).otherwise(F.lit("12.00")).alias("amount"),
        F.when(F.col("id") % 3 == 0, F.lit("2024-03-02T10:00:00")).otherwise(F.lit("yesterday")).alias("order_ts"),
        F.lit("2024-03-02T10:00:00").alias("updated_at"),
    )
    return lines.unionByName(broken)


def raw_customers(spark: SparkSession) -> DataFrame:
    return spark.range(0, CUSTOMERS, 1, numPartitions=1).select(
        F.col("id").alias("customer_id"),
        F.concat(F.lit("customer-"), F.col("id").cast("string")).alias("name"),
        F.element_at(F.array(*[F.lit(c) for c in COUNTRIES]), (F.col("id") % len(COUNTRIES) + 1).cast("int")).alias("country"),
    )


def land_raw(spark: SparkSession, root: str, orders: int, bad: int) -> None:
    raw_orders(spark, orders, bad).write.mode("overwrite").option("header", True).csv(f"{root}/raw/orders")
    raw_customers(spark).write.mode("overwrite").json(f"{root}/raw/customers")
    raw_orders(spark, orders, 0, correction=True).write.mode("overwrite").option("header", True).csv(f"{root}/raw/orders-correction")


# ------------------------------------------------------------------------------------------- transforms


def extract_orders(spark: SparkSession, path: str) -> DataFrame:
    # Everything as string on purpose: typing is the clean step's job, where a failure can be caught per row.
    return spark.read.option("header", True).option("inferSchema", False).csv(path)


def clean(raw: DataFrame) -> DataFrame:
    """Typed columns plus `_error` (null when the row is good)."""
    amount = F.expr("try_cast(trim(amount) AS DECIMAL(12,2))")
    order_ts = F.coalesce(
        F.to_timestamp(F.trim("order_ts"), "yyyy-MM-dd'T'HH:mm:ss"),
        F.to_timestamp(F.trim("order_ts"), "yyyy/MM/dd HH:mm"),
    )
    typed = raw.select(
        F.col("order_id").cast("long").alias("order_id"),
        F.trim("customer_id").cast("long").alias("customer_id"),
        amount.alias("amount"),
        order_ts.alias("order_ts"),
        F.to_timestamp(F.trim("updated_at"), "yyyy-MM-dd'T'HH:mm:ss").alias("updated_at"),
        F.col("amount").alias("_raw_amount"),
        F.col("order_ts").alias("_raw_order_ts"),
    )
    error = (
        F.when(F.col("order_id").isNull(), F.lit("bad order_id"))
        .when(F.col("amount").isNull(), F.lit("bad amount"))
        .when(F.col("order_ts").isNull(), F.lit("bad order_ts"))
        .when(F.col("updated_at").isNull(), F.lit("bad updated_at"))
    )
    return typed.withColumn("_error", error)


def dedupe(good: DataFrame) -> DataFrame:
    """Latest version of each order wins; exact duplicates have the same updated_at and collapse to one."""
    latest = Window.partitionBy("order_id").orderBy(F.col("updated_at").desc())
    return good.withColumn("_rn", F.row_number().over(latest)).where("_rn = 1").drop("_rn")


def enrich(orders: DataFrame, customers: DataFrame) -> DataFrame:
    dim = customers.select(
        F.col("customer_id").cast("long").alias("customer_id"),
        F.upper(F.trim("country")).alias("country"),
    )
    return (
        orders.join(F.broadcast(dim), "customer_id", "left")
        .withColumn("order_date", F.to_date("order_ts"))
        .select("order_id", "customer_id", "country", "amount", "order_ts", "updated_at", "order_date")
    )


def pipeline(spark: SparkSession, orders_path: str, customers_path: str) -> Dict[str, DataFrame]:
    raw = extract_orders(spark, orders_path)
    typed = clean(raw).cache()  # read twice: good rows onward, bad rows to quarantine
    good = typed.where(F.col("_error").isNull()).drop("_error", "_raw_amount", "_raw_order_ts")
    rejects = typed.where(F.col("_error").isNotNull())
    curated = enrich(dedupe(good), spark.read.json(customers_path))
    return {"raw": raw, "typed": typed, "good": good, "rejects": rejects, "curated": curated}


def load(stages: Dict[str, DataFrame], table: str, quarantine: str, mode: str = "overwrite") -> None:
    stages["rejects"].write.mode("overwrite").json(quarantine)
    # One task per date before the write: each partition directory gets one file instead of one per task.
    stages["curated"].repartition("order_date").write.mode(mode).partitionBy("order_date").parquet(table)


# ------------------------------------------------------------------------------------- table inspection


def table_state(spark: SparkSession, table: str) -> Dict[str, Any]:
    """What a reader of the table sees: rows, duplicates, a content checksum, and the files per partition."""
    df = spark.read.parquet(table)
    row = df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.countDistinct("order_id").alias("distinct_orders"),
        # Order-independent checksum of the content: equal iff the same rows are there (with overwhelming odds).
        F.sum(F.xxhash64("order_id", "customer_id", "country", "amount", "order_ts", "updated_at").cast("decimal(38,0)")).alias("checksum"),
        F.sum("amount").alias("amount_total"),
    ).first()
    files: Dict[str, list] = {}
    for d in labkit.list_dir(spark, table):
        if d.is_dir and d.name.startswith("order_date="):
            files[d.name] = sorted(f.name for f in labkit.list_dir(spark, d.uri) if f.name.startswith("part-"))
    return {
        "rows": int(row["rows"]),
        "distinct_orders": int(row["distinct_orders"]),
        "duplicates": int(row["rows"]) - int(row["distinct_orders"]),
        "checksum": str(row["checksum"]),
        "amount_total": str(row["amount_total"]),
        "partitions": len(files),
        "files": files,
    }


def transform(spark: SparkSession, root: str, orders: int, bad: int) -> Dict[str, Any]:
    root = root.rstrip("/")
    table, quarantine = f"{root}/curated/orders", f"{root}/quarantine/orders"
    land_raw(spark, root, orders, bad)

    start = time.perf_counter()
    stages = pipeline(spark, f"{root}/raw/orders", f"{root}/raw/customers")
    with labkit.record_jobs(spark, "etl-load", "day3 etl: clean, dedupe, enrich, load"):
        load(stages, table, quarantine)
    first_s = time.perf_counter() - start
    # Rows per outcome of the clean step, in one pass over the cached typed rows: null = valid.
    by_error = {r["_error"]: int(r["n"]) for r in stages["typed"].groupBy("_error").agg(F.count(F.lit(1)).alias("n")).collect()}
    rejected_by_reason = {k: v for k, v in by_error.items() if k is not None}
    stages["typed"].unpersist()
    first = table_state(spark, table)
    counts = {
        "raw_rows": sum(by_error.values()),
        "rejected_rows": sum(rejected_by_reason.values()),
        "valid_rows": by_error.get(None, 0),
        "deduplicated_rows": first["rows"],
    }

    # Re-run the very same drop: dynamic partition overwrite replaces the same partitions with the same rows.
    start = time.perf_counter()
    rerun_stages = pipeline(spark, f"{root}/raw/orders", f"{root}/raw/customers")
    rerun_stages["curated"].cache()  # the naive demo below writes the same result twice more
    load(rerun_stages, table, quarantine)
    rerun_s = time.perf_counter() - start
    second = table_state(spark, table)

    # The naive alternative, in a scratch table: the same re-run with mode("append"), after a first load.
    scratch = f"{root}/scratch/orders-append"
    rerun_stages["curated"].repartition("order_date").write.mode("overwrite").partitionBy("order_date").parquet(scratch)
    rerun_stages["curated"].repartition("order_date").write.mode("append").partitionBy("order_date").parquet(scratch)
    rerun_stages["curated"].unpersist()
    rerun_stages["typed"].unpersist()
    appended = table_state(spark, scratch)

    # A re-delivery of days 0 and 1: only their partitions may change.
    corr = pipeline(spark, f"{root}/raw/orders-correction", f"{root}/raw/customers")
    load(corr, table, f"{root}/quarantine/orders-correction")
    corr["typed"].unpersist()
    corrected = table_state(spark, table)
    changed = sorted(p for p in corrected["files"] if corrected["files"][p] != second["files"].get(p))
    untouched = [p for p in corrected["files"] if corrected["files"][p] == second["files"].get(p)]

    return {
        "params": {"orders": orders, "bad_lines": bad, "days": DAYS, "root": root},
        "settings": {"partitionOverwriteMode": spark.conf.get("spark.sql.sources.partitionOverwriteMode")},
        "counts": counts,
        "rejected_by_reason": rejected_by_reason,
        "first_run": {k: v for k, v in first.items() if k != "files"},
        "first_run_s": round(first_s, 2),
        "rerun": {k: v for k, v in second.items() if k != "files"},
        "rerun_s": round(rerun_s, 2),
        "rerun_identical": first["checksum"] == second["checksum"] and first["rows"] == second["rows"],
        "naive_append": {k: v for k, v in appended.items() if k != "files"},
        "correction": {
            "rows": corrected["rows"],
            "duplicates": corrected["duplicates"],
            "partitions_rewritten": changed,
            "partitions_rewritten_count": len(changed),
            "partitions_untouched_count": len(untouched),
            "amount_increase": str(float(corrected["amount_total"]) - float(second["amount_total"])),
        },
        "partition_files": first["files"],
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--root", required=True, help="where raw/, curated/, quarantine/ live (local dir or s3://)")
        p.add_argument("--orders", type=int, default=20_000)
        p.add_argument("--bad", type=int, default=150, help="broken lines in the raw drop")

    labkit.run_step(
        "day3-etl-pipeline",
        extra,
        lambda spark, args: transform(spark, args.root, args.orders, args.bad),
        argv,
    )


if __name__ == "__main__":
    main()
