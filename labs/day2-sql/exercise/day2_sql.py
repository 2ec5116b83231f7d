# Exercise day2-sql (`labs exercise day2-sql`): rewrite the "optimised" query's WHERE clause so Spark prunes
# partitions and pushes the amount filter into Parquet. Find the TODO below.
"""Lab day2-sql: SQL on DataFrames (temp views), reading the plans of SQL queries, and optimising them.

The job writes a small "events" table as Parquet partitioned by day (30 directories, one file each),
registers it and a customers DataFrame as temporary views, and runs the same question - revenue per
customer segment on one day, for large orders - written three ways:

  udf        the filters go through Python UDFs: Spark cannot look inside a UDF, so it cannot prune
             partitions or push the filter into the Parquet reader; every file is read, every row is
             shipped to a Python worker (BatchEvalPython) and filtered there.
  cast       the day is compared as a string (CAST(event_date AS STRING) = '...'): still prunable, since
             any deterministic expression over partition columns can be evaluated per directory, but
             the data filter on amount is written so that it cannot be pushed (amount + 0 > ...).
  optimised  plain predicates: `event_date = DATE '...'` becomes a PartitionFilter (only one directory
             is listed and read) and `amount > ...` a PushedFilter (Parquet skips row groups whose
             min/max statistics rule them out).

For each: the EXPLAIN FORMATTED text, the scan's PartitionFilters/PushedFilters, the files and rows the
scan read (SQL metrics of FileSourceScanExec), and the answer. A fourth query joins the two views to
show SQL over DataFrames end to end.

Run: spark-submit --py-files labkit.py day2_sql.py --out DIR [--rows N] [--days N]
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, StringType

import labkit

START = dt.date(2024, 1, 1)
DAY = "2024-01-15"
MIN_AMOUNT = 900

QUERIES = {
    "udf": f"""
        SELECT c.segment, SUM(e.amount) AS revenue, COUNT(*) AS orders
        FROM events e JOIN customers c ON e.customer_id = c.customer_id
        WHERE day_of(e.event_date) = '{DAY}' AND is_large(e.amount)
        GROUP BY c.segment""",
    "cast": f"""
        SELECT c.segment, SUM(e.amount) AS revenue, COUNT(*) AS orders
        FROM events e JOIN customers c ON e.customer_id = c.customer_id
        WHERE CAST(e.event_date AS STRING) = '{DAY}' AND e.amount + 0 > {MIN_AMOUNT}
        GROUP BY c.segment""",
    # TODO 1: the same two filters, written so the optimizer can see them: one on the partition column that
    # Spark turns into a PartitionFilter, one on amount that Parquet receives as a PushedFilter. The placeholder
    # is the UDF version: right answer, every file read.
    "optimised": f"""
        SELECT c.segment, SUM(e.amount) AS revenue, COUNT(*) AS orders
        FROM events e JOIN customers c ON e.customer_id = c.customer_id
        WHERE day_of(e.event_date) = '{DAY}' AND is_large(e.amount)
        GROUP BY c.segment""",
}

# ------------------------------------------------------------------------------------------- transforms


def build_events(spark: SparkSession, rows: int, days: int) -> DataFrame:
    """Orders over `days` days. Inside each day the rows are sorted by amount, so Parquet's row-group
    min/max statistics are tight and a pushed-down `amount > x` can skip whole row groups."""
    return spark.range(0, rows, 1, numPartitions=4).select(
        F.col("id").alias("event_id"),
        ((F.col("id") * F.lit(2654435761)) % 5000).alias("customer_id"),
        ((F.col("id") * F.lit(7919)) % 1000).alias("amount"),
        F.date_add(F.lit(START), (F.col("id") % days).cast("int")).alias("event_date"),
    )


def build_customers(spark: SparkSession) -> DataFrame:
    return spark.range(0, 5000, 1, numPartitions=1).select(
        F.col("id").alias("customer_id"),
        F.element_at(F.array(F.lit("consumer"), F.lit("smb"), F.lit("enterprise")), (F.col("id") % 3 + 1).cast("int")).alias(
            "segment"
        ),
    )


def register(spark: SparkSession, events_path: str) -> None:
    """SQL over DataFrames: a temp view is just a name for a DataFrame's plan, visible to spark.sql()."""
    spark.read.parquet(events_path).createOrReplaceTempView("events")
    build_customers(spark).createOrReplaceTempView("customers")
    # Python UDFs registered for SQL: opaque functions to the optimizer.
    spark.udf.register("day_of", lambda d: d.isoformat() if d is not None else None, StringType())
    spark.udf.register("is_large", lambda a: a is not None and a > MIN_AMOUNT, BooleanType())


# --------------------------------------------------------------------------------------------- helpers


def scans(df: DataFrame) -> List[Dict[str, Any]]:
    """Each Parquet scan of the executed query: pushed and partition filters, and what it read."""
    out = []
    for node in labkit.scan_nodes(df):
        meta = node.metadata()  # what explain() prints: PushedFilters, PartitionFilters, Location...
        metrics = {}
        for name in ("numFiles", "numPartitions", "numOutputRows", "filesSize"):
            opt = node.metrics().get(name)
            if opt.isDefined():
                metrics[name] = int(opt.get().value())
        out.append(
            {
                "table": str(node.tableIdentifier().toString()) if node.tableIdentifier().isDefined() else "events",
                "partition_filters": str(meta.get("PartitionFilters").get()) if meta.get("PartitionFilters").isDefined() else "[]",
                "pushed_filters": str(meta.get("PushedFilters").get()) if meta.get("PushedFilters").isDefined() else "[]",
                "data_filters": str(meta.get("DataFilters").get()) if meta.get("DataFilters").isDefined() else "[]",
                "files_read": metrics.get("numFiles"),
                "partitions_read": metrics.get("numPartitions"),
                "rows_output": metrics.get("numOutputRows"),
                "bytes_listed": metrics.get("filesSize"),
            }
        )
    return out


def run_query(spark: SparkSession, name: str, sql: str) -> Dict[str, Any]:
    df = spark.sql(sql)
    with labkit.record_jobs(spark, f"sql-{name}", f"day2 sql: {name}") as rec:
        rows = sorted((r["segment"], int(r["revenue"]), int(r["orders"])) for r in df.collect())
    ts = labkit.median_seconds(lambda: spark.sql(sql).collect(), runs=2, warmup=0)
    scan = scans(df)[0]
    nodes = labkit.plan_nodes(df)
    return {
        "sql": " ".join(sql.split()),
        "explain_formatted": "\n".join(r[0] for r in spark.sql("EXPLAIN FORMATTED " + sql).collect()),
        "scan": scan,
        "has_partition_filters": scan["partition_filters"] not in ("[]", ""),
        "pushes_amount_filter": f"GreaterThan(amount,{MIN_AMOUNT})" in scan["pushed_filters"],
        "python_udf_in_plan": "BatchEvalPython" in nodes or "ArrowEvalPython" in nodes,
        "plan_nodes": nodes,
        "seconds": rec.summary()["seconds"],
        **{f"timing_{k}": v for k, v in ts.as_dict().items() if k in ("median_s", "samples_s")},
        "_rows": rows,
    }


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, rows: int, days: int, events_path: str) -> Dict[str, Any]:
    events = build_events(spark, rows, days)
    # one file per day directory; sorted by amount inside it (see build_events)
    # Small row groups (64 KB instead of 128 MB) so each day's file has several, with tight min/max
    # statistics: what a large file has naturally, scaled down to the lab's data.
    # Sorting by (event_date, amount): a partitionBy write sorts each task's rows by the partition column
    # unless they already are, and that sort would undo a sort by amount alone.
    (events.repartition("event_date").sortWithinPartitions("event_date", "amount")
     .write.mode("overwrite").option("parquet.block.size", 64 * 1024)
     .partitionBy("event_date").parquet(events_path))
    register(spark, events_path)

    queries = {name: run_query(spark, name, sql) for name, sql in QUERIES.items()}
    answers = {name: q.pop("_rows") for name, q in queries.items()}
    opt, udf = queries["optimised"], queries["udf"]
    result: Dict[str, Any] = {
        "params": {"rows": rows, "days": days, "day": DAY, "min_amount": MIN_AMOUNT},
        "views": sorted(t.name for t in spark.catalog.listTables() if t.isTemporary),
        "answer": [{"segment": s, "revenue": r, "orders": o} for s, r, o in answers["optimised"]],
        "results_agree": answers["udf"] == answers["cast"] == answers["optimised"],
        "queries": queries,
        "files_read": {name: q["scan"]["files_read"] for name, q in queries.items()},
        "rows_scanned": {name: q["scan"]["rows_output"] for name, q in queries.items()},
        "rows_ratio_cast_over_optimised": round(
            queries["cast"]["scan"]["rows_output"] / max(1, opt["scan"]["rows_output"]), 1
        ),
        "files_ratio_udf_over_optimised": round(udf["scan"]["files_read"] / max(1, opt["scan"]["files_read"]), 1),
    }
    # Where the optimised query's filters went, in one line each (what the README asks the student to find)
    result["optimised_partition_filters"] = opt["scan"]["partition_filters"]
    result["optimised_pushed_filters"] = opt["scan"]["pushed_filters"]
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=600_000, help="generated events")
        p.add_argument("--days", type=int, default=30, help="days = partition directories")

    labkit.run_step(
        "day2-sql: SQL on DataFrames and its plans",
        extra,
        lambda spark, args: transform(spark, args.rows, args.days, args.out.rstrip("/") + "/events"),
        argv,
    )


if __name__ == "__main__":
    main()
