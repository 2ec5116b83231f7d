# Exercise day2-dataframe-tuning (`labs exercise day2-dataframe-tuning`): write tuned_query with DataFrame
# operations the optimizer can push into the Parquet scan. Find the TODO below.
"""Lab day2-dataframe-tuning: optimising DataFrame transformations.

One report - revenue and distinct customers per category, for shipped orders - computed from a wide
Parquet table (20 columns) twice:

  naive  the way code often starts out:
           - orderBy(order_id) "to make it tidy": a global sort nobody needs (a sampling job + a shuffle)
           - .rdd.filter(lambda r: ...) / .map(lambda r: ...): every row, with all 20 columns, is
             converted to a Python Row; the filter is invisible to Spark, so nothing is pushed down and
             no column is pruned
           - two separate actions on the same uncached RDD: the conversion and filter run twice
           - results gathered with collect() and combined in a Python loop on the driver
  tuned  the same report written for the optimizer:
           - filter first, as a Column expression (pushed into the Parquet reader)
           - select only the three columns needed (the reader skips the other 17 column chunks)
           - one groupBy with both aggregates: one pass, partial aggregation before the shuffle
           - no sort, no Python, one small collect()

It records bytes read from storage (stage inputBytes from the Spark UI's REST API), stages and tasks, and
the median time of interleaved runs, and checks that both produce the same numbers.

Run: spark-submit --py-files labkit.py day2_dataframe_tuning.py --out DIR [--rows N] [--runs N]
"""

from __future__ import annotations

import json
import operator
import urllib.request
from typing import Any, Dict, List, Optional, Tuple

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

PAYLOAD_COLUMNS = 15
STATUSES = ["new", "paid", "shipped", "returned"]

# ------------------------------------------------------------------------------------------- transforms


def build_orders(spark: SparkSession, rows: int) -> DataFrame:
    """A wide orders table: 5 columns the report needs or filters on, 15 it does not (random doubles:
    they do not compress, like real measurements)."""
    statuses = F.array(*[F.lit(s) for s in STATUSES])
    base = spark.range(0, rows, 1, numPartitions=4).select(
        F.col("id").alias("order_id"),
        ((F.col("id") * F.lit(2654435761)) % 20_000).alias("customer_id"),
        F.concat(F.lit("cat-"), (F.col("id") % 12).cast("string")).alias("category"),
        F.element_at(statuses, ((F.col("id") * 7) % 4 + 1).cast("int")).alias("status"),
        ((F.col("id") * F.lit(7919)) % 10_000).alias("amount_cents"),
    )
    return base.select("*", *[F.rand(seed=i).alias(f"metric_{i:02d}") for i in range(PAYLOAD_COLUMNS)])


def naive_report(orders: DataFrame) -> Dict[str, Tuple[int, int]]:
    """Anti-patterns on purpose (see the module docstring). Returns category -> (revenue, customers)."""
    tidy = orders.orderBy("order_id")  # global sort: a sampling job and a full shuffle, for nothing
    shipped = tidy.rdd.filter(lambda r: r["status"] == "shipped")  # all 20 columns become Python Rows
    revenue = shipped.map(lambda r: (r["category"], r["amount_cents"])).reduceByKey(operator.add).collect()
    # A second action on the same uncached lineage: the Python conversion and the filter of every row run
    # again. (The sort's shuffle files still exist, so Spark skips its map stage: the Jobs tab shows it
    # as skipped. That is the only reuse you get without cache().)
    pairs = shipped.map(lambda r: (r["category"], r["customer_id"])).distinct().collect()
    customers: Dict[str, int] = {}
    for category, _ in pairs:  # a Python loop on the driver over every distinct pair
        customers[category] = customers.get(category, 0) + 1
    return {c: (int(v), customers[c]) for c, v in revenue}


def tuned_query(orders: DataFrame) -> DataFrame:
    # TODO 1: revenue and distinct customers per category of the shipped orders, as DataFrame operations (filter,
    # select, groupBy/agg) so that Catalyst pushes the status filter into the scan and reads only 3 of the 20
    # columns. The placeholder filters Python Row objects: the right answer, every column read.
    shipped = orders.rdd.filter(lambda r: r["status"] == "shipped").map(lambda r: (r["category"], r["amount_cents"], r["customer_id"]))
    return (
        shipped.toDF("category string, amount_cents long, customer_id long")
        .groupBy("category")
        .agg(F.sum("amount_cents").alias("revenue"), F.countDistinct("customer_id").alias("customers"))
    )


def tuned_report(orders: DataFrame) -> Dict[str, Tuple[int, int]]:
    return {r["category"]: (int(r["revenue"]), int(r["customers"])) for r in tuned_query(orders).collect()}


# --------------------------------------------------------------------------------------------- metrics


def stage_input_bytes(spark, stage_ids: List[int]) -> Optional[int]:
    """Bytes the stages read from storage (the Stages tab's 'Input' column), from the UI's REST API."""
    sc = spark.sparkContext
    if not sc.uiWebUrl:
        return None
    total = 0
    try:
        for sid in stage_ids:
            url = f"{sc.uiWebUrl.rstrip('/')}/api/v1/applications/{sc.applicationId}/stages/{sid}"
            with urllib.request.urlopen(url, timeout=15) as resp:  # noqa: S310 - our own driver's UI
                attempts = json.load(resp)
            total += max(int(a.get("inputBytes", 0)) for a in attempts) if attempts else 0
    except Exception:  # noqa: BLE001 - optional: on YARN the UI may not be reachable this way
        return None
    return total


def recorded(spark, label: str, fn) -> Tuple[Dict[str, Tuple[int, int]], Dict[str, Any]]:
    with labkit.record_jobs(spark, label, f"day2 dataframe tuning: {label}") as rec:
        answer = fn()
    s = rec.summary()
    ran = [st["stage_id"] for st in s["stage_list"] if st["status"] != "skipped"]
    return answer, {
        "jobs": s["jobs"],
        "stages_run": s["stages_run"],
        "tasks": s["tasks"],
        "input_bytes": stage_input_bytes(spark, ran),
        "input_records": labkit.sum_or_none(st.get("input_records") for st in s["stage_list"] if st["status"] != "skipped"),
        "shuffle_write_bytes": s["shuffle_write_bytes"],
        "seconds": s["seconds"],
    }


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, rows: int, runs: int, data_dir: str) -> Dict[str, Any]:
    build_orders(spark, rows).write.mode("overwrite").parquet(data_dir)
    orders = spark.read.parquet(data_dir)

    naive_answer, naive_rec = recorded(spark, "naive", lambda: naive_report(spark.read.parquet(data_dir)))
    tuned_answer, tuned_rec = recorded(spark, "tuned", lambda: tuned_report(spark.read.parquet(data_dir)))
    timings = labkit.compare_medians(
        {
            "naive": lambda: naive_report(spark.read.parquet(data_dir)),
            "tuned": lambda: tuned_report(spark.read.parquet(data_dir)),
        },
        runs=runs,
        warmup=0,  # the recorded runs were the warm-up
    )
    tq = tuned_query(orders)
    tq.collect()
    scan = {}
    for node in labkit.scan_nodes(tq):
        meta = node.metadata()
        scan = {k: str(meta.get(k).get()) for k in ("PushedFilters", "ReadSchema") if meta.get(k).isDefined()}
    nb, tb = naive_rec["input_bytes"], tuned_rec["input_bytes"]
    return {
        "params": {"rows": rows, "runs": runs, "columns": 5 + PAYLOAD_COLUMNS},
        "results_agree": naive_answer == tuned_answer,
        "report": {c: {"revenue_cents": r, "customers": n} for c, (r, n) in sorted(tuned_answer.items())},
        "naive": {**naive_rec, **timings["naive"].as_dict()},
        "tuned": {**tuned_rec, **timings["tuned"].as_dict(), "scan": scan, "plan": labkit.plan_text(tq)},
        "ratios": {
            "time_naive_over_tuned": round(timings["naive"].median / timings["tuned"].median, 2),
            "bytes_naive_over_tuned": round(nb / tb, 1) if nb and tb else None,
        },
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=200_000, help="generated orders")
        p.add_argument("--runs", type=int, default=2, help="timed runs per variant (after the recorded warm-up)")

    labkit.run_step(
        "day2-dataframe-tuning: naive vs tuned DataFrame code",
        extra,
        lambda spark, args: transform(spark, args.rows, args.runs, args.out.rstrip("/") + "/orders"),
        argv,
    )


if __name__ == "__main__":
    main()
