"""Lab day1-architecture: Spark's execution model - jobs, stages and tasks.

One action = one or more jobs; a job = stages separated by shuffles; a stage = one task per partition of
the RDD it computes. This job runs four actions on generated data and records what the scheduler did:

  narrow  select / filter / withColumn only          -> 1 job, 1 stage, one task per input partition
  wide    groupBy, repartition, join, groupBy        -> 1 job, 1 + (number of shuffles) stages
  rerun   the same `wide` DataFrame collected again  -> its shuffle files still exist: map stages skipped
  rdd     the same model in the RDD API (reduceByKey)

For each it writes the plan's prediction (shuffles, expected stages, partitions per stage) next to what
really ran (jobs, stages, skipped stages, tasks per stage), so the lab's checks can compare the two.

Run: spark-submit --py-files labkit.py day1_architecture.py --out DIR [--rows N] [--partitions N] ...
"""

from __future__ import annotations

import operator
from typing import Any, Dict, List

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

KEYS = 100  # distinct keys: the per-key aggregate stays tiny, the fact side stays big


# ------------------------------------------------------------------------------------------- transforms


def build_narrow(spark: SparkSession, rows: int, partitions: int) -> DataFrame:
    """Only narrow transformations: each output partition is computed from exactly one input partition,
    so Spark pipelines them all into a single stage (one generated loop per task, no data movement)."""
    return (
        spark.range(0, rows, 1, numPartitions=partitions)
        .select(
            F.col("id"),
            (F.col("id") % KEYS).alias("key"),
            ((F.col("id") * 7919) % 1000).alias("amount"),
        )
        .filter(F.col("amount") >= 100)
        .withColumn("amount_eur", F.col("amount") * F.lit(0.92))
    )


def build_wide(narrow: DataFrame, repartition_to: int, by_key: bool = False) -> DataFrame:
    """Wide transformations: each needs rows from many input partitions, i.e. a shuffle (an Exchange in
    the plan), and every shuffle ends a stage. With AQE and broadcast joins off (lab.yaml) the plan has:
      1. groupBy(key)      Exchange hashpartitioning(key, spark.sql.shuffle.partitions)
      2. repartition(n)    Exchange RoundRobinPartitioning(n)
      3. join on key       Exchange hashpartitioning(key, ...) on the repartitioned side only: round robin
                           does not put equal keys in the same partition, while the groupBy output already
                           is hash-partitioned by key, so that side needs no second shuffle
      4. groupBy(bucket)   Exchange hashpartitioning(bucket, ...)
    With by_key, step 2 is repartition(n, "key"): Exchange hashpartitioning(key, n). When n equals
    spark.sql.shuffle.partitions that already satisfies the join and shuffle 3 disappears (the exercise in
    the README); with any other n the join shuffles again.
    The result is 10 rows, cheap to collect: per bucket the row count and the sum of each row's share of
    its key's total, which is 10.0 (10 keys per bucket, each key's shares add up to 1).
    """
    per_key = narrow.groupBy("key").agg(F.sum("amount").alias("key_total"))
    spread = narrow.repartition(repartition_to, "key") if by_key else narrow.repartition(repartition_to)
    joined = spread.join(per_key, "key")
    return joined.groupBy((F.col("key") % 10).alias("bucket")).agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.col("amount") / F.col("key_total")).alias("share_sum"),
    )


def rdd_shuffles(lineage: str) -> int:
    """Shuffle dependencies in RDD.toDebugString(): each one is printed as a '+-(n)' line, one indent deeper."""
    return sum(1 for line in lineage.splitlines() if line.lstrip(" |").startswith("+-("))


# -------------------------------------------------------------------------------------- recording


def predicted_vs_ran(record: labkit.JobRecord, shuffles: int, expected_tasks: List[int]) -> Dict[str, Any]:
    """The check-facing numbers of one action: what the plan implies, what ran, and whether they agree.

    A job has one stage per shuffle (the map side that writes it) plus the result stage, so stages =
    1 + shuffles. Each stage runs one task per partition of the RDD it computes: a map stage the
    partitions feeding its shuffle, the result stage the partitions of the final RDD. The stages are not
    labelled with the shuffle they write, so the counts are compared as sorted lists.
    """
    summary = record.summary()
    ran = sorted(summary["tasks_per_stage"])
    expected_tasks = sorted(expected_tasks)
    head = {
        "shuffles": shuffles,
        "expected_stages": 1 + shuffles,
        "jobs": summary["jobs"],
        "stages": summary["stages"],
        "stages_run": summary["stages_run"],
        "stages_skipped": summary["stages_skipped"],
        "stages_match_plan": summary["stages"] == 1 + shuffles,
        "tasks": summary["tasks"],
        "expected_tasks_per_stage": expected_tasks,
        "tasks_per_stage_sorted": ran,
        "tasks_match_partitions": ran == expected_tasks,
    }
    return {**head, **{k: v for k, v in summary.items() if k not in head}}


def dataframe_action(record: labkit.JobRecord, df: DataFrame) -> Dict[str, Any]:
    """Prediction from df's executed plan (call after the action ran on df or an identical plan)."""
    exchanges = labkit.shuffle_exchanges(df)
    final_partitions = labkit.result_partitions(df)
    expected_tasks = [e["input_partitions"] for e in exchanges] + [final_partitions]
    section = predicted_vs_ran(record, len(exchanges), expected_tasks)
    section["result_partitions"] = final_partitions  # = tasks of the last (result) stage
    section["exchanges"] = exchanges
    section["plan"] = labkit.plan_text(df)
    return section


def components(spark: SparkSession) -> Dict[str, Any]:
    """Where this application runs: the driver, the executors, the settings that shape stages and tasks."""
    sc = spark.sparkContext
    # One entry per block manager: the driver's and every executor's. In local mode the driver is also the
    # only executor, so there is exactly one.
    executors = [
        f"{e.host()}:{e.port()}" for e in sc._jsc.sc().statusTracker().getExecutorInfos()
    ]
    return {
        "master": sc.master,
        "driver_host": sc.getConf().get("spark.driver.host", None),
        "block_managers": len(executors),
        "block_manager_addresses": executors,
        "default_parallelism": sc.defaultParallelism,
        "shuffle_partitions": int(spark.conf.get("spark.sql.shuffle.partitions")),
        "adaptive_enabled": spark.conf.get("spark.sql.adaptive.enabled") == "true",
        "auto_broadcast_join_threshold": spark.conf.get("spark.sql.autoBroadcastJoinThreshold"),
    }


# ---------------------------------------------------------------------------------------------- transform


def transform(
    spark: SparkSession,
    rows: int,
    partitions: int,
    repartition_to: int,
    rdd_rows: int,
    repartition_by_key: bool = False,
) -> Dict[str, Any]:
    """Run the four actions and return the lab's result (without the standard run fields)."""
    sc = spark.sparkContext
    result: Dict[str, Any] = {
        "params": {
            "rows": rows,
            "partitions": partitions,
            "repartition_to": repartition_to,
            "repartition_by_key": repartition_by_key,
            "rdd_rows": rdd_rows,
        },
        "components": None,  # filled in at the end, when (on a cluster) the executors have registered
    }

    # 1. narrow: a write to the "noop" sink executes the whole plan and discards the rows.
    narrow = build_narrow(spark, rows, partitions)
    with labkit.record_jobs(spark, "narrow", "day1 narrow: select/filter/withColumn -> noop") as rec:
        narrow.write.format("noop").mode("overwrite").save()
    result["narrow"] = dataframe_action(rec, narrow)

    # 2. wide: collect() runs on wide's own executed plan, so the plan we read is the one that ran.
    wide = build_wide(narrow, repartition_to, repartition_by_key)
    with labkit.record_jobs(spark, "wide", "day1 wide: groupBy + repartition + join + groupBy -> collect") as rec:
        rows_out = wide.collect()
    result["wide"] = dataframe_action(rec, wide)
    result["wide"]["result_rows"] = len(rows_out)
    result["wide"]["result"] = [
        {"bucket": r["bucket"], "rows": r["rows"], "share_sum": round(r["share_sum"], 6)}
        for r in sorted(rows_out, key=lambda r: r["bucket"])
    ]

    # 3. rerun: same DataFrame object -> same executed plan -> same shuffle ids. The map outputs are still
    #    registered, so the scheduler skips every map stage and runs only the result stage.
    with labkit.record_jobs(spark, "rerun", "day1 rerun: the same wide DataFrame collected again") as rec:
        wide.collect()
    rerun = rec.summary()
    shuffles = result["wide"]["shuffles"]
    result["rerun"] = {
        "jobs": rerun["jobs"],
        "stages": rerun["stages"],
        "stages_run": rerun["stages_run"],
        "stages_skipped": rerun["stages_skipped"],
        "expected_skipped": shuffles,
        "skipped_match_shuffles": rerun["stages_skipped"] == shuffles,
        "tasks": rerun["tasks"],
        "speedup_vs_wide": (
            round(result["wide"]["seconds"] / rerun["seconds"], 2) if rerun["seconds"] else None
        ),
        **{k: v for k, v in rerun.items() if k not in ("jobs", "stages", "stages_run", "stages_skipped", "tasks")},
    }

    # 4. the RDD API: the same rules, and toDebugString() shows each shuffle as an indented '+-' branch.
    reduce_partitions = max(2, partitions // 2)
    pairs = sc.parallelize(range(rdd_rows), partitions).map(lambda i: (i % KEYS, 1))
    counts = pairs.reduceByKey(operator.add, reduce_partitions)
    lineage = counts.toDebugString().decode("utf-8")
    with labkit.record_jobs(spark, "rdd", "day1 rdd: parallelize + map + reduceByKey -> collect") as rec:
        keys = len(counts.collect())
    rdd = predicted_vs_ran(rec, rdd_shuffles(lineage), [pairs.getNumPartitions(), counts.getNumPartitions()])
    rdd["result_rows"] = keys
    rdd["lineage"] = lineage.splitlines()
    result["rdd"] = rdd
    result["components"] = components(spark)
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=1_000_000, help="rows generated with spark.range")
        p.add_argument("--partitions", type=int, default=6, help="partitions of the generated data")
        p.add_argument("--repartition", type=int, default=5, help="partitions of the repartition() step")
        p.add_argument(
            "--repartition-by-key", action="store_true", help='repartition(n, "key") instead of round robin'
        )
        p.add_argument("--rdd-rows", type=int, default=200_000, help="elements of the RDD example")

    labkit.run_step(
        "day1-architecture: jobs, stages and tasks",
        extra,
        lambda spark, args: transform(spark, args.rows, args.partitions, args.repartition, args.rdd_rows, args.repartition_by_key),
        argv,
    )


if __name__ == "__main__":
    main()
