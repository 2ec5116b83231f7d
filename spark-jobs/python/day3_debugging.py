"""Lab day3-debugging: the exercise. A job with three planted problems, to be found in the Spark UI.

The job looks like an ordinary report over orders and customers, run as three actions (three Spark jobs):

  report     revenue per customer segment: orders JOIN customers, then an aggregate. Planted: a skewed key.
             Almost half of all orders belong to one customer, so after the shuffle one task of the join stage
             gets half the rows: a straggler, while the other tasks idle.
  export     all orders sorted by amount, written out (to the no-op sink). Planted: a spill. Everything is
             squeezed into one task, and the sorter is made to run out of memory early (the step sets
             spark.shuffle.spill.numElementsForceSpillThreshold, standing in for a too-small executor), so it
             spills sorted runs to disk and merges them back.
  per_customer  orders per customer. Planted: a needless shuffle. A repartition(64) before a groupBy that
             shuffles by customer_id anyway: one extra exchange that moves every row for nothing.

The job itself does not tell the student anything: the result.json it writes holds the measured evidence and
the answers (for `labs check day3-debugging --answer ...`), which the student is not supposed to read first.
The evidence comes from the Spark UI's own REST API (task time quantiles, spill bytes per stage), the same
numbers the Stages tab shows.

Run: spark-submit --py-files labkit.py day3_debugging.py --out DIR
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict, List, Optional

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

HOT_CUSTOMER = 42
CUSTOMERS = 10_000
SEGMENTS = ["consumer", "business", "public", "partner"]

# ------------------------------------------------------------------------------------------- transforms


def build_orders(spark: SparkSession, rows: int) -> DataFrame:
    """Orders; 45% of them belong to customer 42 (the planted skew), the rest spread over 10,000 customers."""
    scattered = (F.col("id") * F.lit(2654435761)) % CUSTOMERS
    return spark.range(0, rows, 1, numPartitions=4).select(
        F.col("id").alias("order_id"),
        F.when(F.col("id") % 20 < 9, F.lit(HOT_CUSTOMER)).otherwise(scattered).alias("customer_id"),
        ((F.col("id") * 7919) % 100000 / 100.0).alias("amount"),
        F.concat(F.lit("note "), F.col("id").cast("string")).alias("note"),
    )


def build_customers(spark: SparkSession) -> DataFrame:
    return spark.range(0, CUSTOMERS, 1, numPartitions=2).select(
        F.col("id").alias("customer_id"),
        F.element_at(F.array(*[F.lit(s) for s in SEGMENTS]), (F.col("id") % len(SEGMENTS) + 1).cast("int")).alias("segment"),
    )


def report(orders: DataFrame, customers: DataFrame) -> DataFrame:
    return orders.join(customers, "customer_id").groupBy("segment").agg(F.sum("amount").alias("revenue"), F.count(F.lit(1)).alias("orders"))


def export(orders: DataFrame) -> DataFrame:
    return orders.unionByName(orders).coalesce(1).sortWithinPartitions("amount")


def per_customer(orders: DataFrame) -> DataFrame:
    return orders.repartition(64).groupBy("customer_id").agg(F.count(F.lit(1)).alias("orders"))


# ------------------------------------------------------------------------------------------- evidence


def rest(spark: SparkSession, path: str) -> Optional[Any]:
    url = spark.sparkContext.uiWebUrl
    if not url:
        return None
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/api/v1/applications/{spark.sparkContext.applicationId}/{path}", timeout=20) as resp:  # noqa: S310
            return json.load(resp)
    except Exception:  # noqa: BLE001 - evidence is optional: on a cluster the UI may sit behind a proxy
        return None


def stage_evidence(spark: SparkSession, stage_ids: List[int]) -> List[Dict[str, Any]]:
    """Per stage: tasks, median and max task run time, spill bytes: what the Stages tab shows."""
    out = []
    for sid in stage_ids:
        attempts = rest(spark, f"stages/{sid}") or []
        if not attempts:
            out.append({"stage_id": sid})
            continue
        st = max(attempts, key=lambda a: a.get("attemptId", 0))
        q = rest(spark, f"stages/{sid}/{st.get('attemptId', 0)}/taskSummary?quantiles=0.5,1.0") or {}
        run = q.get("executorRunTime", [None, None])
        records = (q.get("shuffleReadMetrics") or {}).get("readRecords", [None, None])
        out.append(
            {
                "stage_id": sid,
                "name": st.get("name"),
                "status": str(st.get("status", "")).lower(),
                "tasks": st.get("numTasks"),
                "median_task_ms": run[0],
                "max_task_ms": run[1],
                "max_over_median": round(run[1] / max(run[0], 1), 1) if run[0] is not None else None,
                "memory_bytes_spilled": st.get("memoryBytesSpilled"),
                "disk_bytes_spilled": st.get("diskBytesSpilled"),
                "shuffle_write_bytes": st.get("shuffleWriteBytes"),
                "shuffle_read_bytes": st.get("shuffleReadBytes"),
                "shuffle_read_records": st.get("shuffleReadRecords"),
                "max_task_read_records": records[1],
            }
        )
    return out


def records_share(stage: Optional[Dict[str, Any]]) -> Optional[float]:
    if not stage or not stage.get("shuffle_read_records") or stage.get("max_task_read_records") is None:
        return None
    return round(stage["max_task_read_records"] / stage["shuffle_read_records"], 3)


def run_job(spark: SparkSession, label: str, description: str, action) -> Dict[str, Any]:
    with labkit.record_jobs(spark, label, description) as rec:
        action()
    s = rec.summary()
    ran = [st["stage_id"] for st in s["stage_list"] if st.get("status") != "skipped"]
    return {"job_ids": s["job_ids"], "seconds": s["seconds"], "stages": stage_evidence(spark, ran)}


def transform(spark: SparkSession, rows: int) -> Dict[str, Any]:
    orders, customers = build_orders(spark, rows), build_customers(spark)
    jobs = {
        "report": run_job(spark, "report", "revenue per segment", lambda: report(orders, customers).collect()),
        "export": run_job(spark, "export", "orders by amount", lambda: export(orders).write.format("noop").mode("overwrite").save()),
        "per_customer": run_job(
            spark, "per_customer", "orders per customer", lambda: per_customer(orders).write.format("noop").mode("overwrite").save()
        ),
    }
    # The answers, derived from what actually ran (not hard-coded), so they stay right if the job changes.
    top = orders.groupBy("customer_id").count().orderBy(F.desc("count")).first()
    report_stages = [s for s in jobs["report"]["stages"] if s.get("max_over_median") is not None]
    # The straggler: the stage whose slowest task kept the others waiting longest (max - median task time);
    # a ratio alone would flag tiny stages where 5 ms vs 50 ms means nothing.
    straggler = max(report_stages, key=lambda s: s["max_task_ms"] - s["median_task_ms"]) if report_stages else None
    spilled = [s["stage_id"] for j in jobs.values() for s in j["stages"] if (s.get("disk_bytes_spilled") or 0) > 0]
    # The needless exchange: the round-robin shuffle of per_customer, written by its first stage and read by
    # the 64-task stage after it. Either stage id is a right answer.
    pc = jobs["per_customer"]["stages"]
    needless = [s["stage_id"] for s in pc if s.get("tasks") == 64] + [s["stage_id"] for s in pc[:1]]
    return {
        "params": {"rows": rows, "customers": CUSTOMERS},
        "settings": {
            "adaptive_enabled": spark.conf.get("spark.sql.adaptive.enabled"),
            "shuffle_partitions": spark.conf.get("spark.sql.shuffle.partitions"),
            "force_spill_threshold": spark.sparkContext.getConf().get("spark.shuffle.spill.numElementsForceSpillThreshold", None),
        },
        "jobs": jobs,
        "evidence": {
            "hot_key_share": round(int(top["count"]) / rows, 3),
            # Measured on the executors, not planted: the share of the straggler stage's shuffled rows that its
            # biggest task read (the Stages tab's Shuffle Read Records, max vs total).
            "straggler_records_share": records_share(straggler),
            "straggler_max_over_median": straggler["max_over_median"] if straggler else None,
            "straggler_wait_ms": (straggler["max_task_ms"] - straggler["median_task_ms"]) if straggler else None,
            "spill_disk_bytes": sum((s.get("disk_bytes_spilled") or 0) for j in jobs.values() for s in j["stages"]),
            "per_customer_stages": len(pc),
        },
        # Spoilers: what `labs check day3-debugging --answer ...` compares with.
        "answers": {
            "key": str(top["customer_id"]),
            "stage": straggler["stage_id"] if straggler else None,
            "spill": sorted(set(spilled)),
            "shuffle": sorted(set(needless)),
        },
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=600_000)

    labkit.run_step(
        "day3-debugging: find the planted problems",
        extra,
        lambda spark, args: transform(spark, args.rows),
        argv,
    )


if __name__ == "__main__":
    main()
