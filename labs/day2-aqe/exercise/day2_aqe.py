# Exercise day2-aqe (`labs exercise day2-aqe`): fix the skewed join with AQE's skew-join handling.
# Find the TODO below; `labs start day2-aqe` runs this file and grades it.
"""Lab day2-aqe: Adaptive Query Execution - coalescing, skew-join splitting, runtime join switching.

AQE re-plans a query while it runs: every shuffle becomes a "query stage"; when a stage has finished,
Spark knows the real size of every shuffle partition and re-optimises the rest of the plan with them.
This job shows its three main rules on generated data:

  skew      a sort-merge join whose fact side has one hot key (half the rows), then an aggregate.
            Without AQE every shuffle is read by spark.sql.shuffle.partitions (200) tasks, most of them
            nearly empty, and one task sorts and joins the whole hot key while the other cores idle.
            With AQE the tiny partitions are coalesced into a few (AQEShuffleRead "coalesced") and the
            hot partition is split into several tasks (SortMergeJoin(skew=true), AQEShuffleRead "skewed").
  switch    a join whose small side is only small after a selective filter: the static estimate is
            too big to broadcast, so the initial plan is a SortMergeJoin; AQE sees the real size of the
            filtered side after its shuffle and switches to a BroadcastHashJoin.

The skewed query (join + aggregate) is timed with AQE off and on (interleaved runs, medians).

Run: spark-submit --py-files labkit.py day2_aqe.py --out DIR [--fact-rows N] [--dim-rows N] [--runs N]
"""

from __future__ import annotations

from typing import Any, Dict, List

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

HOT_KEY = 0

# AQE's skew rule only fires for partitions bigger than skewedPartitionThresholdInBytes (256 MB by
# default, sized for production data) AND `factor` times the median partition. The lab's data is small,
# so the threshold and the target split size are scaled down with it; the rule itself is the same.
SKEW_CONF = {
    # TODO 1: the AQE settings that make Spark split the hot partition of the join into several tasks. With
    # Spark's defaults a partition counts as skewed only above 256 MB, far above this lab's data: scale the
    # skew rule's thresholds (and the size AQE splits to) down to the data. Which settings? See the README.
    # Keep the skew query a sort-merge join: with broadcasting allowed AQE would (rightly) broadcast the
    # dimension and there would be no skewed shuffle partition left to split.
    "spark.sql.autoBroadcastJoinThreshold": -1,
    "spark.sql.adaptive.autoBroadcastJoinThreshold": -1,
}

# ------------------------------------------------------------------------------------------- transforms


def build_facts(spark: SparkSession, rows: int, partitions: int, dim_rows: int) -> DataFrame:
    """Events with a skewed key: every second row belongs to HOT_KEY, the rest is spread over all keys
    by a multiplicative hash (so nothing arrives grouped)."""
    return spark.range(0, rows, 1, numPartitions=partitions).select(
        F.col("id").alias("event_id"),
        F.when(F.col("id") % 2 == 0, F.lit(HOT_KEY))
        .otherwise((F.col("id") * F.lit(2654435761)) % dim_rows)
        .alias("key"),
        ((F.col("id") * F.lit(7919)) % 1000).alias("amount"),
    )


def build_dim(spark: SparkSession, rows: int) -> DataFrame:
    """One row per key with a region (20 regions) and a tier (1000 tiers).

    key is a permutation of the row id (7919 is prime), not the id itself: region and tier are functions of
    the id, and if the key were the id too the optimizer would infer that a filter on tier also holds for
    the fact rows joined to it and push it to the fact side (InferFiltersFromConstraints), shrinking that
    side instead of the one this lab wants to shrink."""
    return spark.range(0, rows, 1, numPartitions=2).select(
        ((F.col("id") * F.lit(7919)) % rows).alias("key"),
        F.concat(F.lit("region-"), F.lpad((F.col("id") % 20).cast("string"), 2, "0")).alias("region"),
        (F.col("id") % 1000).alias("tier"),
    )


def skew_query(facts: DataFrame, dim: DataFrame) -> DataFrame:
    """Join on the skewed key, then a small aggregate: the whole join runs, 20 rows come back."""
    return (
        facts.join(dim, "key")
        .groupBy("region")
        .agg(F.sum("amount").alias("amount"), F.count(F.lit(1)).alias("events"))
    )


def switch_query(facts: DataFrame, dim: DataFrame) -> DataFrame:
    """The dimension filtered down to 0.1 % of its keys. Without statistics (no ANALYZE, no CBO) the
    optimizer assumes a filter keeps the whole input, so it plans a sort-merge join."""
    selected = dim.filter(F.col("tier") == 1)
    # Three fact columns reach the join, so the fact side's estimate (16 MB) is above the 10 MB threshold
    # too: with a single column it would be estimated at 8 MB and Spark would broadcast the FACTS instead.
    return (
        facts.join(selected, "key")
        .groupBy("region")
        .agg(F.count(F.lit(1)).alias("events"), F.sum("amount").alias("amount"), F.max("event_id").alias("last_event"))
    )


# -------------------------------------------------------------------------------------- plan reading


def aqe_reads(df: DataFrame) -> List[Dict[str, Any]]:
    """Every AQEShuffleRead in the final plan: how AQE re-partitioned the shuffle it reads, with its SQL
    metrics (the numbers the SQL tab shows on that node)."""
    reads = []
    for node in labkit.scan_nodes(df, "AQEShuffleReadExec"):
        metrics = {}
        for name in ("numPartitions", "numCoalescedPartitions", "numSkewedPartitions", "numSkewedSplits"):
            opt = node.metrics().get(name)
            if opt.isDefined():
                metrics[name] = int(opt.get().value())
        reads.append(
            {
                "description": str(node.simpleString(100)),
                "coalesced": bool(node.hasCoalescedPartition()),
                "skewed": bool(node.hasSkewedPartition()),
                "partitions": int(node.partitionSpecs().size()),
                **metrics,
            }
        )
    return reads


def initial_join_nodes(df: DataFrame) -> List[str]:
    """Join operators of the plan AQE started from (before any re-optimisation)."""
    plan = df._jdf.queryExecution().executedPlan()
    if labkit.class_name(plan) != "AdaptiveSparkPlanExec":
        return labkit.join_nodes(df)
    jvm = df.sparkSession._jvm
    return [str(n.nodeName()) for n in labkit.walk_nodes(jvm, plan.initialPlan()) if str(n.nodeName()) in labkit.JOIN_NODE_NAMES]


def skew_join_flags(df: DataFrame) -> List[bool]:
    """SortMergeJoinExec.isSkewJoin for each sort-merge join of the final plan."""
    return [
        bool(n.isSkewJoin()) for n in labkit.scan_nodes(df, "SortMergeJoinExec")
    ]


def estimated_bytes(df: DataFrame) -> int:
    """The optimizer's static size estimate: what it compares with spark.sql.autoBroadcastJoinThreshold."""
    return int(str(df._jdf.queryExecution().optimizedPlan().stats().sizeInBytes()))


def _rows(rows, *cols) -> List[List[Any]]:
    return sorted([r[c] for c in cols] for r in rows)


# ---------------------------------------------------------------------------------------------- transform


def recorded(spark, label: str, build, aqe: bool, extra: Dict[str, Any]) -> Dict[str, Any]:
    """One recorded run of a query with AQE on or off: final plan facts, stages and tasks, answer."""
    conf = {"spark.sql.adaptive.enabled": aqe, **extra}
    with labkit.sql_conf(spark, conf):
        df = build()
        with labkit.record_jobs(spark, f"{label}-{'aqe' if aqe else 'noaqe'}", f"day2 aqe: {label}, AQE {'on' if aqe else 'off'}") as rec:
            rows = df.collect()
        jobs = rec.summary()
        return {
            "adaptive": labkit.is_adaptive(df),
            "join_nodes": labkit.join_nodes(df),
            "initial_join_nodes": initial_join_nodes(df),
            "skew_join": any(skew_join_flags(df)),
            "aqe_shuffle_reads": aqe_reads(df),
            "result_partitions": labkit.result_partitions(df),
            "stages_run": jobs["stages_run"],
            "tasks": jobs["tasks"],
            "tasks_per_stage": jobs["tasks_per_stage"],
            "max_tasks_in_a_stage": max(jobs["tasks_per_stage"] or [0]),
            "seconds": jobs["seconds"],
            "plan": labkit.plan_text(df),
            "_rows": rows,
        }


def transform(
    spark: SparkSession, fact_rows: int, dim_rows: int, switch_dim_rows: int, partitions: int, runs: int
) -> Dict[str, Any]:
    facts = build_facts(spark, fact_rows, partitions, dim_rows)
    dim = build_dim(spark, dim_rows)
    result: Dict[str, Any] = {
        "params": {"fact_rows": fact_rows, "dim_rows": dim_rows, "switch_dim_rows": switch_dim_rows, "partitions": partitions, "runs": runs},
        "settings": {
            "shuffle_partitions": int(spark.conf.get("spark.sql.shuffle.partitions")),
            "adaptive_enabled_default": spark.conf.get("spark.sql.adaptive.enabled"),
            "skew_conf": {k: str(v) for k, v in SKEW_CONF.items()},
        },
    }

    # 2. skew join (recorded once each way; these runs are also the warm-up of the timing below)
    sk_off = recorded(spark, "skew", lambda: skew_query(facts, dim), False, SKEW_CONF)
    sk_on = recorded(spark, "skew", lambda: skew_query(facts, dim), True, SKEW_CONF)
    reads = sk_on["aqe_shuffle_reads"]
    result["skew"] = {
        "results_agree": _rows(sk_off.pop("_rows"), "region", "amount", "events")
        == _rows(sk_on.pop("_rows"), "region", "amount", "events"),
        "skew_join_with_aqe": sk_on["skew_join"],
        "skew_join_without_aqe": sk_off["skew_join"],
        "skewed_partitions": sum(r.get("numSkewedPartitions", 0) for r in reads),
        "skewed_splits": sum(r.get("numSkewedSplits", 0) for r in reads),
        "coalesced_with_aqe": any(r["coalesced"] for r in reads),
        # post-shuffle partitions: spark.sql.shuffle.partitions per shuffle without AQE, what AQE made of them
        "post_shuffle_partitions_without_aqe": [int(spark.conf.get("spark.sql.shuffle.partitions"))] * len(reads),
        "post_shuffle_partitions_with_aqe": [r["partitions"] for r in reads],
        "tasks_without_aqe": sk_off["tasks"],
        "tasks_with_aqe": sk_on["tasks"],
        "without_aqe": sk_off,
        "with_aqe": sk_on,
    }

    def timed(aqe: bool):
        def run():
            with labkit.sql_conf(spark, {"spark.sql.adaptive.enabled": aqe, **SKEW_CONF}):
                skew_query(facts, dim).collect()

        return run

    timings = labkit.compare_medians({"aqe_off": timed(False), "aqe_on": timed(True)}, runs=runs, warmup=0)
    result["timings"] = {name: t.as_dict() for name, t in timings.items()}
    result["timings"]["ratio_off_over_on"] = round(timings["aqe_off"].median / timings["aqe_on"].median, 2)

    # 3. runtime join switch (default thresholds: 10 MB). Without AQE the query runs its initial plan,
    # so one run with AQE shows both: the plan it started from and the plan that ran.
    big_dim = build_dim(spark, switch_dim_rows)
    sw_on = recorded(spark, "switch", lambda: switch_query(facts, big_dim), True, {})
    sw_on.pop("_rows")
    result["switch"] = {
        "dim_estimated_bytes": estimated_bytes(big_dim.filter(F.col("tier") == 1)),
        "facts_estimated_bytes": estimated_bytes(facts),
        "broadcast_threshold": spark.conf.get("spark.sql.autoBroadcastJoinThreshold"),
        "initial_join": (sw_on["initial_join_nodes"] or [None])[0],
        "final_join": (sw_on["join_nodes"] or [None])[0],
        "with_aqe": sw_on,
    }
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--fact-rows", type=int, default=1_000_000, help="rows of the skewed fact table")
        p.add_argument("--dim-rows", type=int, default=100_000, help="rows (keys) of the dimension table")
        p.add_argument("--switch-dim-rows", type=int, default=1_000_000, help="rows of the dimension the switch query filters")
        p.add_argument("--partitions", type=int, default=4, help="partitions of the fact table")
        p.add_argument("--runs", type=int, default=3, help="timed runs per setting (after the recorded warm-up)")

    labkit.run_step(
        "day2-aqe: adaptive query execution",
        extra,
        lambda spark, args: transform(spark, args.fact_rows, args.dim_rows, args.switch_dim_rows, args.partitions, args.runs),
        argv,
    )


if __name__ == "__main__":
    main()
