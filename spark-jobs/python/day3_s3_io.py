"""Lab day3-s3-io: S3 as source and sink, and the access patterns that make it fast or slow.

One generated table (sales: day, store, amount) is stored on S3 in three layouts:

  small        many small objects (--small-files parquet files), what a streaming job or an over-partitioned
               write leaves behind
  compact      the same rows compacted into --compact-files files (read the small layout, coalesce, write: the
               compaction job every data lake needs)
  by_day       partitioned by day: one key prefix per day (day=0/, day=1/, ...), so a query for one day only
               lists and reads that prefix

Then the same aggregation reads each layout (median of --runs interleaved runs after a warm-up). Around one run
of each the job records what the tasks read (executor task metrics: bytes and records, the same in every deploy
mode) and S3A's own request counters (the storage statistics of the driver JVM's S3A file system: every request
under local[*], where the executors share that JVM; only the driver's listing on a cluster): how many LIST,
HEAD and GET requests the read cost. On S3 every request is a round trip of a few to tens of
milliseconds and is billed, so the request count is the cost of a layout.

Run: spark-submit --py-files labkit.py day3_s3_io.py --out DIR --root s3a://bucket/prefix
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import labkit

DAYS = 8
SCHEMA = T.StructType(
    [
        T.StructField("sale_id", T.LongType(), False),
        T.StructField("day", T.IntegerType(), False),
        T.StructField("store", T.IntegerType(), False),
        T.StructField("amount_cents", T.LongType(), False),
    ]
)
#: the S3A request counters the README discusses
REQUEST_COUNTERS = [
    "store_io_request",  # every request S3A sent
    "object_list_request",
    "action_http_head_request",
    "action_http_get_request",
    "op_open",
    "op_list_status",
    "op_get_file_status",
    "stream_read_bytes",  # bytes read from S3 (column pruning and partition pruning shrink it)
]
#: S3A tuning settings the lab sets (spark.hadoop.* in lab.yaml) and the README explains
S3A_SETTINGS = [
    "fs.s3a.connection.maximum",
    "fs.s3a.threads.max",
    "fs.s3a.multipart.size",
    "fs.s3a.multipart.threshold",
    "fs.s3a.fast.upload.buffer",
    "fs.s3a.experimental.input.fadvise",
    "fs.s3a.readahead.range",
    "fs.s3a.committer.name",
]

# ------------------------------------------------------------------------------------------- transforms


def build_sales(spark: SparkSession, rows: int) -> DataFrame:
    return spark.range(0, rows, 1, numPartitions=4).select(
        F.col("id").alias("sale_id"),
        (F.col("id") % DAYS).cast("int").alias("day"),
        ((F.col("id") * 31) % 50).cast("int").alias("store"),
        ((F.col("id") * 7919) % 10000).alias("amount_cents"),
    )


def daily_totals(df: DataFrame) -> DataFrame:
    """The query every layout answers: revenue per day (8 rows back, so the action reads everything)."""
    return df.groupBy("day").agg(F.sum("amount_cents").alias("revenue"), F.count(F.lit(1)).alias("sales"))


def read_layout(spark: SparkSession, path: str) -> DataFrame:
    # The schema is given, so a read is listing + the scan itself: no footer-reading schema inference job.
    return spark.read.schema(SCHEMA).parquet(path)


def list_objects(spark: SparkSession, path: str) -> Dict[str, Any]:
    objects = [f for f in labkit.list_files(spark, path, missing_ok=False) if not f.name.startswith(("_", "."))]
    count, size, prefixes = len(objects), sum(f.size for f in objects), {f.parent for f in objects}
    return {"objects": count, "bytes": size, "avg_object_bytes": size // max(count, 1), "prefixes": len(prefixes)}


def requests_of(spark: SparkSession, root: str, label: str, action: Callable[[], Any]) -> Dict[str, Any]:
    """Run action once: what its tasks read (executor task metrics), the S3A requests this JVM sent, the answer.

    The two come from different places on purpose. Task metrics (bytes and records read) are measured by each
    task and sent to the driver with its end: the executors' reads wherever they run. S3A's request counters
    live in the S3A FileSystem instance of each JVM; read here, in the driver, they cover the executors' GETs
    only when the executors share this JVM (local[*]); on YARN they are the driver's own listing.
    """
    before = labkit.fs_statistics(spark, root)
    with labkit.record_jobs(spark, label, f"day3 s3 io: {label}") as rec:
        value = action()
    delta = labkit.fs_statistics_delta(before, labkit.fs_statistics(spark, root))
    io = rec.summary()
    return {
        "seconds": round(rec.seconds, 3),
        "task_input_bytes": io["input_bytes"],
        "task_input_records": io["input_records_read"],
        "tasks": io["tasks"],
        "requests": {k: delta.get(k, 0) for k in REQUEST_COUNTERS},
        "value": value,
    }


def rows_key(rows):
    return sorted((int(r["day"]), int(r["revenue"]), int(r["sales"])) for r in rows)


def transform(spark: SparkSession, root: str, rows: int, small_files: int, compact_files: int, runs: int) -> Dict[str, Any]:
    root = root.rstrip("/")
    paths = {"small": f"{root}/small", "compact": f"{root}/compact", "by_day": f"{root}/by_day"}
    sales = build_sales(spark, rows)

    # Sinks: the small layout as a careless writer produces it, then compaction and a day-partitioned copy.
    writes = {}
    start = time.perf_counter()
    sales.repartition(small_files).write.mode("overwrite").parquet(paths["small"])
    writes["small_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    read_layout(spark, paths["small"]).coalesce(compact_files).write.mode("overwrite").parquet(paths["compact"])
    writes["compaction_s"] = round(time.perf_counter() - start, 3)
    start = time.perf_counter()
    # One file per day prefix: repartition by the partition column first, so each task writes one prefix.
    read_layout(spark, paths["compact"]).repartition("day").write.mode("overwrite").partitionBy("day").parquet(paths["by_day"])
    writes["partitioned_s"] = round(time.perf_counter() - start, 3)

    layouts = {name: list_objects(spark, p) for name, p in paths.items()}

    queries: Dict[str, Callable[[], Any]] = {
        "small": lambda: daily_totals(read_layout(spark, paths["small"])).collect(),
        "compact": lambda: daily_totals(read_layout(spark, paths["compact"])).collect(),
        # Partition pruning: only the day=3/ prefix is listed and read.
        "by_day_one_day": lambda: daily_totals(read_layout(spark, paths["by_day"]).where(F.col("day") == 3)).collect(),
        "compact_one_day": lambda: daily_totals(read_layout(spark, paths["compact"]).where(F.col("day") == 3)).collect(),
    }
    # One recorded run each (also the warm-up): requests per read.
    recorded = {name: requests_of(spark, root, name, q) for name, q in queries.items()}
    answers = {name: rows_key(r.pop("value")) for name, r in recorded.items()}
    # Timed: the full scan on the two unpartitioned layouts, runs interleaved.
    timings = labkit.compare_medians({k: queries[k] for k in ("small", "compact")}, runs=runs, warmup=0)
    reads = {name: {**recorded[name], **(timings[name].as_dict() if name in timings else {})} for name in queries}

    req = {name: reads[name]["requests"]["store_io_request"] for name in reads}
    read_bytes = {name: reads[name]["task_input_bytes"] for name in reads}
    med = {name: timings[name].median for name in timings}
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    return {
        "params": {"rows": rows, "small_files": small_files, "compact_files": compact_files, "runs": runs, "root": root},
        "s3a_settings": {k: conf.get(k) for k in S3A_SETTINGS},
        "spark_settings": {
            "maxPartitionBytes": spark.conf.get("spark.sql.files.maxPartitionBytes"),
            "openCostInBytes": spark.conf.get("spark.sql.files.openCostInBytes"),
        },
        "writes": writes,
        "layouts": layouts,
        "reads": reads,
        "results_agree": answers["small"] == answers["compact"] and answers["by_day_one_day"] == answers["compact_one_day"],
        "one_day_rows": answers["by_day_one_day"],
        "ratios": {
            "small_over_compact_time": round(med["small"] / med["compact"], 2),
            "small_over_compact_requests": round(req["small"] / max(req["compact"], 1), 2),
            "compact_over_by_day_requests_one_day": round(req["compact_one_day"] / max(req["by_day_one_day"], 1), 2),
            "compact_over_by_day_bytes_one_day": round(read_bytes["compact_one_day"] / max(read_bytes["by_day_one_day"], 1), 2),
            "compact_over_by_day_records_one_day": round(
                reads["compact_one_day"]["task_input_records"] / max(reads["by_day_one_day"]["task_input_records"], 1), 2
            ),
            "objects_small_over_compact": round(layouts["small"]["objects"] / max(layouts["compact"]["objects"], 1), 1),
        },
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--root", required=True, help="s3a:// prefix for the three layouts")
        p.add_argument("--rows", type=int, default=100_000)
        p.add_argument("--small-files", type=int, default=32)
        p.add_argument("--compact-files", type=int, default=2)
        p.add_argument("--runs", type=int, default=3)

    labkit.run_step(
        "day3-s3-io: S3 access patterns",
        extra,
        lambda spark, args: transform(spark, args.root, args.rows, args.small_files, args.compact_files, args.runs),
        argv,
    )


if __name__ == "__main__":
    main()
