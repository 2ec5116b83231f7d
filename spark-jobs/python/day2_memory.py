"""Lab day2-memory: Spark's unified memory model, spills, GC, off-heap memory, one setting at a time.

Every step runs the same workload as its own Spark application (memory settings are fixed when the executor JVM
starts, so they are spark-submit settings in lab.yaml, never code). The lab's shared conf is the `base` step; each
other step changes exactly ONE setting on top of it and compares itself with base's result.json:

  base      1 GB heap, spark.memory.fraction 0.6 (default), no off-heap, the JVM's default GC settings
  fraction  spark.memory.fraction 0.1: a sixth of the unified memory
  offheap   spark.memory.offHeap.enabled + spark.memory.offHeap.size: a pool outside the heap
  gc        one GC flag in the executor JVM's options (a small fixed young generation)

The workload:
  cache   a DataFrame persisted MEMORY_ONLY: how much of it fits in storage memory
  sort    rows with a 48-character payload sorted globally and written to the no-op sink: every reduce task sorts
          its partition in execution memory and spills to disk when it does not fit

Everything measured is the executors' own account, read from the driver's status store (the data behind the UI's
Executors and Stages tabs and REST /api/v1/applications/<id>/executors and /stages; read in-process, so it is the
same in YARN cluster mode, where the UI sits behind the ResourceManager's proxy): the non-driver executors when
there are any (YARN), else the driver entry (local mode, where the driver JVM is the executor). Nothing is read back
from the configuration.

Run: spark-submit --conf ... --py-files labkit.py day2_memory.py --out DIR --label NAME
     [--compare-with URI_OF_BASE_RESULT_JSON] [--rows N]
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

MIB = 2**20
# executor metrics (ExecutorMetricType) kept from the executors' peaks; the GC ones are cumulative counters
PEAK_KEYS = ("JVMHeapMemory", "JVMOffHeapMemory", "OnHeapExecutionMemory", "OffHeapExecutionMemory",
             "OnHeapStorageMemory", "OffHeapStorageMemory", "MinorGCCount", "MinorGCTime", "MajorGCCount", "MajorGCTime")

# ------------------------------------------------------------------------------------------- transforms


def build_rows(spark: SparkSession, rows: int, partitions: int = 4, hashes: int = 3) -> DataFrame:
    """Rows with a scattered sort key and a payload of 16 hex digits per hash: 3 hashes (48 characters) make ~100
    bytes per row in Tungsten's format."""
    return spark.range(0, rows, 1, numPartitions=partitions).select(
        ((F.col("id") * F.lit(2654435761)) % F.lit(1_000_000_007)).alias("sort_key"),
        F.col("id"),
        # hex digits of 64-bit hashes: as incompressible as a SHA-256 (the cache and the spill files do not shrink
        # them) and cheaper to compute; every step builds these rows twice
        F.concat(*[F.lpad(F.hex(F.xxhash64(F.col("id"), F.lit(seed))), 16, "0") for seed in range(1, hashes + 1)]).alias("payload"),
    )


def sort_job(df: DataFrame) -> None:
    """A global sort written to the no-op sink: the full sort runs, nothing is stored."""
    df.orderBy("sort_key").write.format("noop").mode("overwrite").save()


# ------------------------------------------------------------------------- the executors' own account


def _opt(option):
    return option.get() if option.isDefined() else None


def executors(spark) -> Dict[str, Any]:
    """The executors where tasks ran (REST /executors): the non-driver ones on a cluster, the driver entry in local
    mode. Memory pools as each executor's memory manager reports them; peaks from its metrics (polled every
    spark.executor.metrics.pollingInterval); GC counters summed over executors, pools and peaks their maximum."""
    every = labkit.scala_list(labkit.status_store(spark.sparkContext).executorList(False))
    workers = [e for e in every if e.id() != "driver"] or [e for e in every if e.id() == "driver"]
    rows = []
    for e in workers:
        mm = _opt(e.memoryMetrics())
        peak = _opt(e.peakMemoryMetrics())
        rows.append({
            "id": str(e.id()),
            "total_cores": int(e.totalCores()),
            "total_tasks": int(e.totalTasks()),
            "total_gc_time_ms": int(e.totalGCTime()),  # the Executors tab's 'GC Time'
            "total_duration_ms": int(e.totalDuration()),
            "max_memory": int(e.maxMemory()),  # Executors tab 'Storage Memory' total: unified on-heap + off-heap
            "total_onheap_storage_memory": int(mm.totalOnHeapStorageMemory()) if mm else None,
            "total_offheap_storage_memory": int(mm.totalOffHeapStorageMemory()) if mm else None,
            "peak": {k: int(peak.getMetricValue(k)) for k in PEAK_KEYS} if peak else {},
        })
    peak_of = lambda k: max((r["peak"].get(k, 0) for r in rows), default=0)  # noqa: E731
    sum_of = lambda k: sum(r["peak"].get(k, 0) for r in rows)  # noqa: E731
    return {
        "where": "driver (local mode: the driver JVM runs the tasks)" if workers and workers[0].id() == "driver"
        else f"{len(rows)} executor(s) on the cluster",
        "ids": [r["id"] for r in rows],
        "list": rows,
        "unified_onheap_mb": round(max((r["total_onheap_storage_memory"] or 0 for r in rows), default=0) / MIB, 1),
        "unified_offheap_mb": round(max((r["total_offheap_storage_memory"] or 0 for r in rows), default=0) / MIB, 1),
        "peak_onheap_execution_bytes": peak_of("OnHeapExecutionMemory"),
        "peak_offheap_execution_bytes": peak_of("OffHeapExecutionMemory"),
        "peak_jvm_heap_bytes": peak_of("JVMHeapMemory"),
        "minor_gc_count": sum_of("MinorGCCount"),
        "minor_gc_time_ms": sum_of("MinorGCTime"),
        "major_gc_count": sum_of("MajorGCCount"),
        "major_gc_time_ms": sum_of("MajorGCTime"),
        "total_gc_time_ms": sum(r["total_gc_time_ms"] for r in rows),
    }


def stage_metrics(spark, stage_ids: List[int]) -> Dict[str, Any]:
    """Per stage, the sums of its tasks' metrics (REST /stages/<id>): spill (the Stages tab's 'Spill (Memory)', the
    deserialized size when spilled, and 'Spill (Disk)', its serialized size on disk), peak execution memory (the
    largest task's sort buffers) and jvmGcTime."""
    store = labkit.status_store(spark.sparkContext)
    per_stage = []
    for sid in stage_ids:
        try:
            a = store.lastStageAttempt(int(sid))
        except Exception:  # noqa: BLE001 - a skipped stage has no attempt data
            continue
        per_stage.append({"stage_id": sid, "name": str(a.name()).split(" at ")[0], "tasks": int(a.numTasks()),
                          "memory_bytes_spilled": int(a.memoryBytesSpilled()),
                          "disk_bytes_spilled": int(a.diskBytesSpilled()),
                          "peak_execution_memory": int(a.peakExecutionMemory()),
                          "jvm_gc_time_ms": int(a.jvmGcTime()),
                          "executor_run_time_ms": int(a.executorRunTime())})
    total = lambda k: sum(s[k] for s in per_stage)  # noqa: E731
    return {"memory_bytes_spilled": total("memory_bytes_spilled"), "disk_bytes_spilled": total("disk_bytes_spilled"),
            "max_stage_peak_execution_memory": max((s["peak_execution_memory"] for s in per_stage), default=0),
            "jvm_gc_time_ms": total("jvm_gc_time_ms"), "executor_run_time_ms": total("executor_run_time_ms"),
            "stages": per_stage}


# The cached rows carry 12 hashes (192 characters: ~180 MB cached in all, in 8 partitions of ~23 MB): more than every
# executor's storage memory together at fraction 0.05 (~30 MB each holds one partition, wherever the tasks land; the
# sort's 1M rows cache in ~51 MB, which two YARN executors' ~60 MB can hold whole when the tasks split 2 + 2), and
# well inside one base executor's ~430 MB.
CACHE_HASHES = 12
CACHE_PARTITIONS = 8


def cache_fit(spark, rows: int) -> Dict[str, Any]:
    """A MEMORY_ONLY cache: what does not fit in storage memory is not kept (and recomputed when needed). The
    storage status (REST /storage/rdd) is the block managers' report of the partitions they hold."""
    cached = build_rows(spark, rows, CACHE_PARTITIONS, CACHE_HASHES).persist(StorageLevel.MEMORY_ONLY)
    cached.count()
    infos = [i for i in spark.sparkContext._jsc.sc().getRDDStorageInfo() if i.numPartitions() > 0]
    info = max(infos, key=lambda i: i.memSize(), default=None)
    out = {"cached_partitions": int(info.numCachedPartitions()) if info else 0,
           "partitions": int(info.numPartitions()) if info else None,
           "memory_bytes": int(info.memSize()) if info else 0}
    out["fully_cached"] = info is not None and out["cached_partitions"] == out["partitions"]
    cached.unpersist(blocking=True)
    return out


def read_json(spark, uri: str) -> Optional[Dict[str, Any]]:
    """Another step's result.json, through Hadoop FS (a local path here, hdfs:// or s3:// on a cluster)."""
    text = labkit.read_text(spark, uri)
    return None if text is None else json.loads(text)


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return round(a / b, 3) if a is not None and b else None


def compare(me: Dict[str, Any], base: Dict[str, Any]) -> Dict[str, Any]:
    """This step against base: every value measured in both applications."""
    mx, bx = me["executor"], base["executor"]
    return {
        "other_label": base.get("label"),
        "spill_bytes": me["spill_bytes"], "base_spill_bytes": base["spill_bytes"],
        "spills_more": me["spill_bytes"] > base["spill_bytes"],
        "fully_cached": me["storage"]["fully_cached"], "base_fully_cached": base["storage"]["fully_cached"],
        "cached_partitions": me["storage"]["cached_partitions"],
        "base_cached_partitions": base["storage"]["cached_partitions"],
        "unified_onheap_ratio": ratio(mx["unified_onheap_mb"], bx["unified_onheap_mb"]),
        "peak_onheap_execution_ratio": ratio(mx["peak_onheap_execution_bytes"], bx["peak_onheap_execution_bytes"]),
        "peak_offheap_execution_bytes": mx["peak_offheap_execution_bytes"],
        "base_peak_offheap_execution_bytes": bx["peak_offheap_execution_bytes"],
        "minor_gc_count": mx["minor_gc_count"], "base_minor_gc_count": bx["minor_gc_count"],
        "minor_gc_count_ratio": ratio(mx["minor_gc_count"], bx["minor_gc_count"]),
        # reported, not asserted: GC time and wall time move with the load of a shared machine
        "gc_time_ms": mx["total_gc_time_ms"], "base_gc_time_ms": bx["total_gc_time_ms"],
        "sort_seconds": me["sort"]["seconds"], "base_sort_seconds": base["sort"]["seconds"],
    }


def settings(spark) -> Dict[str, Any]:
    """The settings this application started with: recorded to read next to the measurements, never checked."""
    conf = spark.sparkContext.getConf()
    keys = ("spark.driver.memory", "spark.executor.memory", "spark.memory.fraction", "spark.memory.offHeap.enabled",
            "spark.memory.offHeap.size", "spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")
    return {k: conf.get(k, None) for k in keys} | {"spark.master": spark.sparkContext.master}


def transform(spark: SparkSession, label: str, rows: int, compare_with: Optional[str]) -> Dict[str, Any]:
    result: Dict[str, Any] = {"label": label, "params": {"rows": rows}, "settings": settings(spark)}
    result["storage"] = cache_fit(spark, rows)

    t0 = time.perf_counter()
    with labkit.record_jobs(spark, f"sort-{label}", f"day2 memory: global sort ({label})") as rec:
        sort_job(build_rows(spark, rows))
    seconds = time.perf_counter() - t0
    summary = rec.summary()
    ran = [st["stage_id"] for st in summary["stage_list"] if st["status"] != "skipped"]
    stages = stage_metrics(spark, ran)
    result["sort"] = {"seconds": round(seconds, 2), "tasks_per_stage": summary["tasks_per_stage"], **stages}
    result["spill_bytes"] = stages["disk_bytes_spilled"]
    result["spill_memory_bytes"] = stages["memory_bytes_spilled"]
    result["spilled"] = stages["disk_bytes_spilled"] > 0
    result["executor"] = executors(spark)

    if compare_with:
        base = read_json(spark, compare_with)
        if base is not None:
            result["compare"] = compare(result, base)
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--label", required=True, help="name of this memory setup (base, fraction, offheap, gc)")
        p.add_argument("--rows", type=int, default=1_000_000, help="rows to cache, and to sort")
        p.add_argument("--compare-with", default=None, help="base's result.json")

    labkit.run_step(
        "day2-memory: memory model, spills, GC, off-heap",
        extra,
        lambda spark, args: transform(spark, args.label, args.rows, args.compare_with),
        argv,
    )


if __name__ == "__main__":
    main()
