"""Lab day2-memory: Spark's unified memory model, spills, GC, off-heap memory.

The same workload runs in two steps with different memory settings (lab.yaml step conf; heap sizes must
be set when the JVM starts, so they are spark-submit settings, never code):

  small  a 512 MB driver JVM (in local mode the executor IS the driver JVM), spark.memory.fraction 0.1:
         about 20 MB of unified (execution + storage) memory
  tuned  a larger heap, the default fraction 0.6, more shuffle partitions (smaller sorts per task), G1
         flags, and 512 MB of off-heap memory for Tungsten (spark.memory.offHeap.*)

The workload:
  cache   a 1M-row DataFrame persisted MEMORY_ONLY: what fraction of it fits in storage memory
  sort    2M rows with a 48-character payload sorted globally and written to the no-op sink: every
          reduce task sorts its partition in execution memory and spills to disk when it does not fit

Recorded: the memory settings and the unified-memory arithmetic, spill bytes (memory and disk) per stage
and in total (the Stages tab's Spill columns, from the UI's REST API), GC time and the collectors in use,
the executor's memory pools (on-heap/off-heap storage) and peak memory metrics. The tuned step also reads
the small step's result.json and compares.

Run: spark-submit --conf spark.driver.memory=... --py-files labkit.py day2_memory.py --out DIR --label NAME
     [--compare-with URI_OF_OTHER_RESULT_JSON] [--rows N]
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

RESERVED_MB = 300  # Spark's reserved system memory (UnifiedMemoryManager.RESERVED_SYSTEM_MEMORY_BYTES)

# ------------------------------------------------------------------------------------------- transforms


def build_rows(spark: SparkSession, rows: int) -> DataFrame:
    """Rows with a scattered sort key and a 48-character payload: ~100 bytes each in Tungsten's format."""
    return spark.range(0, rows, 1, numPartitions=4).select(
        ((F.col("id") * F.lit(2654435761)) % F.lit(1_000_000_007)).alias("sort_key"),
        F.col("id"),
        F.sha2(F.col("id").cast("string"), 256).substr(1, 48).alias("payload"),
    )


def sort_job(df: DataFrame) -> None:
    """A global sort written to the no-op sink: the full sort runs, nothing is stored."""
    df.orderBy("sort_key").write.format("noop").mode("overwrite").save()


# ------------------------------------------------------------------------------------------ REST reads


def rest(spark, path: str) -> Optional[Any]:
    sc = spark.sparkContext
    if not sc.uiWebUrl:
        return None
    url = f"{sc.uiWebUrl.rstrip('/')}/api/v1/applications/{sc.applicationId}/{path}"
    try:
        with urllib.request.urlopen(url, timeout=15) as resp:  # noqa: S310 - our own driver's UI
            return json.load(resp)
    except Exception:  # noqa: BLE001 - the UI may be unreachable (YARN proxy on EMR): record None
        return None


def stage_spill(spark, stage_ids: List[int]) -> Dict[str, Any]:
    """memoryBytesSpilled / diskBytesSpilled per stage (the Stages tab's 'Spill (Memory)' and 'Spill (Disk)').
    Memory spill is the size of the data in its deserialized in-memory form when it was spilled, disk
    spill its serialized size on disk."""
    per_stage, mem, disk, peak = [], 0, 0, 0
    for sid in stage_ids:
        attempts = rest(spark, f"stages/{sid}")
        if attempts is None:
            return {"available": False}
        a = max(attempts, key=lambda x: x.get("attemptId", 0))
        m, d = int(a.get("memoryBytesSpilled", 0)), int(a.get("diskBytesSpilled", 0))
        mem, disk = mem + m, disk + d
        peak = max(peak, int(a.get("peakExecutionMemory", 0)))
        per_stage.append({"stage_id": sid, "name": a.get("name"), "tasks": a.get("numTasks"),
                          "memory_bytes_spilled": m, "disk_bytes_spilled": d,
                          "peak_execution_memory": int(a.get("peakExecutionMemory", 0))})
    return {"available": True, "memory_bytes_spilled": mem, "disk_bytes_spilled": disk,
            "max_stage_peak_execution_memory": peak, "stages": per_stage}


def executor_memory(spark) -> Dict[str, Any]:
    """The Executors tab: GC time and memory pools of the (only, in local mode) executor, 'driver'."""
    labkit.wait_for_listeners(spark.sparkContext, 10)
    data = rest(spark, "executors")
    if not data:
        return {"available": False}
    ex = next((e for e in data if e.get("id") == "driver"), data[0])
    mm = ex.get("memoryMetrics") or {}
    peak = ex.get("peakMemoryMetrics") or {}
    keep = ("JVMHeapMemory", "JVMOffHeapMemory", "OnHeapExecutionMemory", "OffHeapExecutionMemory",
            "OnHeapStorageMemory", "OffHeapStorageMemory", "MinorGCTime", "MajorGCTime", "MinorGCCount", "MajorGCCount")
    return {
        "available": True,
        "total_gc_time_ms": int(ex.get("totalGCTime", 0)),
        "total_duration_ms": int(ex.get("totalDuration", 0)),
        "max_memory": int(ex.get("maxMemory", 0)),  # unified memory (on-heap + off-heap) the UI shows
        "memory_used": int(ex.get("memoryUsed", 0)),
        "total_onheap_storage_memory": int(mm.get("totalOnHeapStorageMemory", 0)),
        "total_offheap_storage_memory": int(mm.get("totalOffHeapStorageMemory", 0)),
        "peak_memory_metrics": {k: peak.get(k) for k in keep if k in peak},
    }


def jvm_facts(spark) -> Dict[str, Any]:
    """The JVM the executor runs in: max heap, garbage collectors and their counts/times so far."""
    jvm = spark._jvm
    mx = jvm.java.lang.management.ManagementFactory
    collectors = []
    for bean in mx.getGarbageCollectorMXBeans():
        collectors.append({"name": str(bean.getName()), "count": int(bean.getCollectionCount()),
                           "time_ms": int(bean.getCollectionTime())})
    args = [str(a) for a in mx.getRuntimeMXBean().getInputArguments()]
    return {
        "max_heap_bytes": int(jvm.java.lang.Runtime.getRuntime().maxMemory()),
        "collectors": collectors,
        "gc_time_ms": sum(c["time_ms"] for c in collectors),
        "gc_flags": [a for a in args if a.startswith("-XX:") or a.startswith("-Xm")],
    }


def read_json(spark, uri: str) -> Optional[Dict[str, Any]]:
    """Another step's result.json, through Hadoop FS (a local path here, s3:// on EMR)."""
    text = labkit.read_text(spark, uri)
    return None if text is None else json.loads(text)


# ---------------------------------------------------------------------------------------------- transform


def settings(spark) -> Dict[str, Any]:
    conf = spark.sparkContext.getConf()
    get = lambda k, d=None: conf.get(k, d)  # noqa: E731
    return {
        "spark.driver.memory": get("spark.driver.memory", "1g"),
        "spark.executor.memory": get("spark.executor.memory", "1g"),
        "spark.memory.fraction": float(get("spark.memory.fraction", "0.6")),
        "spark.memory.storageFraction": float(get("spark.memory.storageFraction", "0.5")),
        "spark.memory.offHeap.enabled": get("spark.memory.offHeap.enabled", "false") == "true",
        "spark.memory.offHeap.size": get("spark.memory.offHeap.size", "0"),
        "spark.sql.shuffle.partitions": int(spark.conf.get("spark.sql.shuffle.partitions")),
        "spark.driver.extraJavaOptions": get("spark.driver.extraJavaOptions", ""),
    }


def transform(spark: SparkSession, label: str, rows: int, compare_with: Optional[str]) -> Dict[str, Any]:
    s = settings(spark)
    jvm_start = jvm_facts(spark)
    heap_mb = jvm_start["max_heap_bytes"] / 2**20
    unified_mb = (heap_mb - RESERVED_MB) * s["spark.memory.fraction"]
    result: Dict[str, Any] = {
        "label": label,
        "params": {"rows": rows},
        "settings": s,
        "unified_memory": {
            "heap_mb": round(heap_mb, 1),
            "reserved_mb": RESERVED_MB,
            "unified_mb": round(unified_mb, 1),  # (heap - 300 MB) x spark.memory.fraction
            "storage_protected_mb": round(unified_mb * s["spark.memory.storageFraction"], 1),
            "user_memory_mb": round((heap_mb - RESERVED_MB) * (1 - s["spark.memory.fraction"]), 1),
        },
    }

    # storage: how much of a 1M-row DataFrame fits in storage memory (MEMORY_ONLY: what does not fit is
    # simply not cached, and recomputed when needed)
    cached = build_rows(spark, rows // 2).persist(StorageLevel.MEMORY_ONLY)
    cached.count()
    labkit.wait_for_listeners(spark.sparkContext, 10)
    rdds = rest(spark, "storage/rdd") or []
    entry = rdds[0] if rdds else {}
    result["storage"] = {
        "cached_partitions": entry.get("numCachedPartitions"),
        "partitions": entry.get("numPartitions"),
        "memory_bytes": entry.get("memoryUsed"),
        "fully_cached": bool(entry) and entry.get("numCachedPartitions") == entry.get("numPartitions"),
    }
    cached.unpersist(blocking=True)

    # execution: the big sort
    t0 = time.perf_counter()
    with labkit.record_jobs(spark, f"sort-{label}", f"day2 memory: global sort ({label})") as rec:
        sort_job(build_rows(spark, rows))
    seconds = time.perf_counter() - t0
    summary = rec.summary()
    ran = [st["stage_id"] for st in summary["stage_list"] if st["status"] != "skipped"]
    spill = stage_spill(spark, ran)
    ex = executor_memory(spark)
    jvm_end = jvm_facts(spark)
    result["sort"] = {
        "seconds": round(seconds, 2),
        "tasks_per_stage": summary["tasks_per_stage"],
        "shuffle_write_bytes": summary["shuffle_write_bytes"],
        **spill,
    }
    result["spilled"] = bool(spill.get("disk_bytes_spilled", 0) > 0)
    result["spill_bytes"] = spill.get("disk_bytes_spilled")
    result["spill_memory_bytes"] = spill.get("memory_bytes_spilled")
    result["executor"] = ex
    result["gc"] = {
        "total_gc_time_ms": ex.get("total_gc_time_ms"),  # Executors tab 'GC Time'
        "jvm_gc_time_ms": jvm_end["gc_time_ms"],
        "collectors": [c["name"] for c in jvm_end["collectors"]],
        "collector_stats": jvm_end["collectors"],
        "flags": jvm_end["gc_flags"],
        "gc_share_of_task_time": round(ex["total_gc_time_ms"] / ex["total_duration_ms"], 3)
        if ex.get("available") and ex.get("total_duration_ms") else None,
    }
    result["off_heap"] = {
        "enabled": s["spark.memory.offHeap.enabled"],
        "size": s["spark.memory.offHeap.size"],
        "pool_bytes": ex.get("total_offheap_storage_memory"),
        "peak_offheap_execution_bytes": (ex.get("peak_memory_metrics") or {}).get("OffHeapExecutionMemory"),
    }

    if compare_with:
        other = read_json(spark, compare_with)
        if other is not None:
            o_spill, m_spill = other.get("spill_bytes") or 0, result["spill_bytes"] or 0
            result["compare"] = {
                "other_label": other.get("label"),
                "other_spill_bytes": o_spill,
                "spill_bytes": m_spill,
                "spills_less": m_spill < o_spill,
                "spill_reduction_bytes": o_spill - m_spill,
                "other_sort_seconds": (other.get("sort") or {}).get("seconds"),
                "sort_seconds": result["sort"]["seconds"],
                "other_gc_time_ms": (other.get("gc") or {}).get("total_gc_time_ms"),
                "gc_time_ms": result["gc"]["total_gc_time_ms"],
                "other_fully_cached": (other.get("storage") or {}).get("fully_cached"),
            }
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--label", required=True, help="name of this memory setup (small, tuned)")
        p.add_argument("--rows", type=int, default=2_000_000, help="rows to sort")
        p.add_argument("--compare-with", default=None, help="result.json of the run to compare with")

    labkit.run_step(
        "day2-memory: memory model, spills, GC, off-heap",
        extra,
        lambda spark, args: transform(spark, args.label, args.rows, args.compare_with),
        argv,
    )


if __name__ == "__main__":
    main()
