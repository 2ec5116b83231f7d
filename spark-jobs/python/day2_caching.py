"""Lab day2-caching: cache vs persist storage levels, unpersist, checkpoint and lineage truncation.

Four parts, on generated data:

  reuse       an expensive result (join + aggregate over 1M orders) feeds three follow-up queries. Two
              copies of the same pipeline: one is cached, one is not. Each round runs the three queries
              on both (interleaved); without the cache every query recomputes the join and aggregate.
  levels      the same result persisted with MEMORY_ONLY, MEMORY_AND_DISK, DISK_ONLY and
              MEMORY_AND_DISK_DESER; for each, what the Storage tab shows (the UI's REST API
              /applications/<app>/storage/rdd: memory and disk bytes, cached partitions); then unpersist()
              and confirm the block is gone.
  checkpoint  an iterative pipeline whose plan grows every iteration; checkpoint() (reliable: files in
              the checkpoint directory) and localCheckpoint() (executor block storage) replace the plan
              with a scan of the saved data, cutting the lineage.

Run: spark-submit --py-files labkit.py day2_caching.py --out DIR --checkpoint-dir DIR [--rows N] [--runs N]
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any, Dict, List, Optional

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

LEVELS = {
    "MEMORY_ONLY": StorageLevel.MEMORY_ONLY,
    "MEMORY_AND_DISK": StorageLevel.MEMORY_AND_DISK,
    "DISK_ONLY": StorageLevel.DISK_ONLY,
    "MEMORY_AND_DISK_DESER": StorageLevel.MEMORY_AND_DISK_DESER,
}

# ------------------------------------------------------------------------------------------- transforms


def customer_totals(spark: SparkSession, rows: int, customers: int, copy: str) -> DataFrame:
    """The expensive part: 1M orders joined to their customers and aggregated per customer.

    `copy` ends up as a constant column. Two copies are the same work but different plans, which matters:
    Spark finds cached data by comparing plans (CacheManager), so an uncached copy with the very same plan
    as a cached one would silently read the cache too."""
    orders = spark.range(0, rows, 1, numPartitions=4).select(
        ((F.col("id") * F.lit(2654435761)) % customers).alias("customer_id"),
        ((F.col("id") * F.lit(7919)) % 10000).alias("amount_cents"),
    )
    people = spark.range(0, customers, 1, numPartitions=2).select(
        F.col("id").alias("customer_id"),
        F.concat(F.lit("segment-"), (F.col("id") % 7).cast("string")).alias("segment"),
    )
    return (
        orders.join(people, "customer_id")
        .groupBy("customer_id", "segment")
        .agg(F.sum("amount_cents").alias("total_cents"), F.count(F.lit(1)).alias("orders"))
        .withColumn("copy", F.lit(copy))
    )


def reuse_queries(totals: DataFrame) -> List[Any]:
    """Three follow-up questions on the same result: each one is an action, i.e. a job."""
    big = totals.filter(F.col("total_cents") > 50_000).count()
    per_segment = sorted(
        (r["segment"], int(r["n"]), int(r["cents"]))
        for r in totals.groupBy("segment").agg(F.count(F.lit(1)).alias("n"), F.sum("total_cents").alias("cents")).collect()
    )
    top = [(int(r["customer_id"]), int(r["total_cents"])) for r in totals.orderBy(F.desc("total_cents"), "customer_id").limit(5).collect()]
    return [big, per_segment, top]


def iterate(df: DataFrame, iterations: int) -> DataFrame:
    """An iterative algorithm in miniature: each round derives a new score from the previous one and
    joins a small lookup. The plan (and the RDD lineage under it) grows with every round; in a real
    iterative job (PageRank, ML) with hundreds of rounds planning time and a failure's recompute grow too."""
    lookup = df.sparkSession.range(0, 10).select(F.col("id").alias("bucket"), (F.col("id") * 0.1).alias("w"))
    for i in range(iterations):
        df = (
            df.join(lookup, "bucket")
            .select("key", "bucket", (F.col("score") * 0.9 + F.col("w") + F.lit(i)).alias("score"))
        )
    return df


# ------------------------------------------------------------------------------------------- storage


def rest_storage(spark) -> Optional[List[Dict[str, Any]]]:
    """The Storage tab's data: GET <ui>/api/v1/applications/<app>/storage/rdd (None if the UI does not answer)."""
    sc = spark.sparkContext
    url = sc.uiWebUrl
    if not url:
        return None
    try:
        api = f"{url.rstrip('/')}/api/v1/applications/{sc.applicationId}/storage/rdd"
        with urllib.request.urlopen(api, timeout=15) as resp:  # noqa: S310 - our own driver's UI
            return json.load(resp)
    except Exception:  # noqa: BLE001 - on YARN the UI may sit behind the RM proxy; fall back below
        return None


def jvm_storage(spark) -> List[Dict[str, Any]]:
    """The same numbers from the driver itself (SparkContext.getRDDStorageInfo), for where REST is not reachable."""
    out = []
    for info in spark.sparkContext._jsc.sc().getRDDStorageInfo():
        out.append(
            {
                "id": int(info.id()),
                "name": str(info.name()),
                "storageLevel": str(info.storageLevel().description()),
                "numCachedPartitions": int(info.numCachedPartitions()),
                "numPartitions": int(info.numPartitions()),
                "memoryUsed": int(info.memSize()),
                "diskUsed": int(info.diskSize()),
            }
        )
    return out


def storage_snapshot(spark) -> Dict[str, Any]:
    """What is cached right now. The UI's store is fed by listener events, so let them land first."""
    labkit.wait_for_listeners(spark.sparkContext, 10)
    rest = rest_storage(spark)
    if rest is not None:
        return {"source": "rest", "rdds": rest}
    return {"source": "jvm", "rdds": jvm_storage(spark)}


def level_run(spark, totals: DataFrame, name: str, level: StorageLevel) -> Dict[str, Any]:
    """persist(level) -> materialise -> read the Storage numbers -> unpersist -> read them again."""
    before = {r["id"] for r in storage_snapshot(spark)["rdds"]}
    totals.persist(level)
    rows = totals.count()  # persist is lazy: the first action fills the cache
    snap = storage_snapshot(spark)
    mine = [r for r in snap["rdds"] if r["id"] not in before]
    entry = mine[0] if mine else {}
    # read the cached data back, timed: memory vs disk
    read = labkit.median_seconds(lambda: totals.agg(F.sum("total_cents")).collect(), runs=3, warmup=1)
    totals.unpersist(blocking=True)
    after = storage_snapshot(spark)
    return {
        "level": name,
        "dataframe_storage_level": str(level),
        "rows": rows,
        "source": snap["source"],
        "ui_storage_level": entry.get("storageLevel"),
        "memory_bytes": entry.get("memoryUsed"),
        "disk_bytes": entry.get("diskUsed"),
        "cached_partitions": entry.get("numCachedPartitions"),
        "partitions": entry.get("numPartitions"),
        "read_median_s": round(read.median, 4),
        "gone_after_unpersist": all(r["id"] != entry.get("id") for r in after["rdds"]) if entry else False,
    }


def plan_size(df: DataFrame) -> Dict[str, int]:
    """How long the lineage is: operators of the analyzed logical plan (what Spark re-analyses and
    re-optimises for every new DataFrame built on top of this one) and of the physical plan (what a lost
    partition would be recomputed through)."""
    qe = df._jdf.queryExecution()
    return {
        "logical_plan_nodes": len(str(qe.analyzed().treeString()).strip().splitlines()),
        "physical_plan_nodes": len(str(qe.executedPlan().treeString()).strip().splitlines()),
    }


def checkpoint_files(spark, directory: str) -> int:
    return len(labkit.list_files(spark, directory))


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, rows: int, customers: int, runs: int, checkpoint_dir: str, iterations: int) -> Dict[str, Any]:
    result: Dict[str, Any] = {"params": {"rows": rows, "customers": customers, "runs": runs, "iterations": iterations}}

    # 1. reuse: cached vs uncached copy of the same pipeline, rounds interleaved
    cached = customer_totals(spark, rows, customers, "cached").cache()
    with labkit.record_jobs(spark, "fill-cache", "day2 caching: first action fills the cache") as fill:
        cached.count()
    uncached = customer_totals(spark, rows, customers, "uncached")
    # One recorded round of each; it is also the warm-up of the timed rounds below.
    with labkit.record_jobs(spark, "reuse-cached", "day2 caching: 3 queries on the cached result") as rec_c:
        answers = {"cached": reuse_queries(cached)}
    with labkit.record_jobs(spark, "reuse-uncached", "day2 caching: 3 queries recomputing the result") as rec_u:
        answers["uncached"] = reuse_queries(uncached)
    timings = labkit.compare_medians(
        {"uncached": lambda: reuse_queries(uncached), "cached": lambda: reuse_queries(cached)}, runs=runs, warmup=0
    )
    result["reuse"] = {
        "results_agree": answers["cached"] == answers["uncached"],
        "answers": {"customers_over_500": answers["cached"][0], "top5": answers["cached"][2]},
        "fill_cache_s": fill.summary()["seconds"],
        "uncached": {**timings["uncached"].as_dict(), "stages_run": rec_u.summary()["stages_run"], "tasks": rec_u.summary()["tasks"]},
        "cached": {**timings["cached"].as_dict(), "stages_run": rec_c.summary()["stages_run"], "tasks": rec_c.summary()["tasks"]},
        "ratio_uncached_over_cached": round(timings["uncached"].median / timings["cached"].median, 2),
        "cached_plan_uses_cache": "InMemoryTableScan" in labkit.plan_nodes(cached.groupBy("segment").count()),
    }
    cached.unpersist(blocking=True)

    # 2. storage levels (a fresh copy, so every level starts from nothing cached)
    totals = customer_totals(spark, rows, customers, "levels")
    levels = [level_run(spark, totals, name, level) for name, level in LEVELS.items()]
    result["levels"] = {lv["level"]: lv for lv in levels}
    result["storage_source"] = levels[0]["source"]
    result["all_gone_after_unpersist"] = all(lv["gone_after_unpersist"] for lv in levels)

    # 3. checkpoint: reliable and local
    spark.sparkContext.setCheckpointDir(checkpoint_dir)
    start = spark.range(0, 20_000, 1, numPartitions=2).select(
        F.col("id").alias("key"), (F.col("id") % 10).alias("bucket"), F.lit(1.0).alias("score")
    )
    grown = iterate(start, iterations)
    before = plan_size(grown)
    t0 = time.perf_counter()
    reliable = grown.checkpoint(eager=True)  # runs the job, writes the partitions to checkpoint_dir
    reliable_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    local = iterate(start, iterations).localCheckpoint(eager=True)  # kept in executor storage only
    local_s = time.perf_counter() - t0
    continued = iterate(reliable, 2)
    sum_of = lambda df: round(float(df.agg(F.sum("score")).collect()[0][0]), 3)  # noqa: E731
    result["checkpoint"] = {
        "checkpoint_dir": checkpoint_dir,
        "before": before,
        "after_reliable": plan_size(reliable),
        "after_local": plan_size(local),
        "continued_after_2_more_iterations": plan_size(continued),
        "reliable_plan": str(reliable._jdf.queryExecution().analyzed().treeString()).strip(),
        "local_plan": str(local._jdf.queryExecution().analyzed().treeString()).strip(),
        "reliable_files": checkpoint_files(spark, checkpoint_dir),
        "reliable_s": round(reliable_s, 3),
        "local_s": round(local_s, 3),
        "results_agree": sum_of(grown) == sum_of(reliable) == sum_of(local),
    }
    result["checkpoint"]["lineage_cut_factor"] = round(
        before["logical_plan_nodes"] / result["checkpoint"]["after_reliable"]["logical_plan_nodes"], 1
    )
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--checkpoint-dir", required=True, help="reliable checkpoint directory (HDFS or S3 on EMR)")
        p.add_argument("--rows", type=int, default=1_000_000, help="generated orders")
        p.add_argument("--customers", type=int, default=100_000, help="generated customers")
        p.add_argument("--iterations", type=int, default=12, help="rounds of the iterative pipeline")
        p.add_argument("--runs", type=int, default=3, help="timed rounds per variant (after a warm-up)")

    labkit.run_step(
        "day2-caching: cache, persist, checkpoint",
        extra,
        lambda spark, args: transform(spark, args.rows, args.customers, args.runs, args.checkpoint_dir, args.iterations),
        argv,
    )


if __name__ == "__main__":
    main()
