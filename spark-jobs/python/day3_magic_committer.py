"""Lab day3-magic-committer: writing to S3 with the S3A magic committer vs the classic FileOutputCommitter.

The same DataFrame is written twice to S3 (s3a://), once per committer, in one application:

  magic    the lab's setting (cluster.committer: magic). Each task writes its files straight to their final key
           as multipart uploads that are NOT completed; the task commit saves the upload ids in a small
           .pendingset file; the job commit completes the uploads (one POST each). Nothing is renamed.
  classic  Hadoop's FileOutputCommitter (algorithm v1), the default outside the S3 world: tasks write under
           _temporary/, a task commit renames its attempt directory, the job commit renames everything into
           place. On S3 a "rename" is a COPY of every object plus a DELETE: the data is written twice more.

Why one application and not two: the commit protocol (spark.sql.sources.commitProtocolClass) is a SQL setting
read for every write, and S3A reads fs.s3a.committer.name from the write job's Hadoop configuration, which
includes the writer's options. So the classic write switches both for itself only, and the two writes see the
same JVM, the same data and the same emulator; the S3A counters around each write tell what it did.

Evidence recorded per committer (result.json):
  s3a.*     S3A's request counters of the driver JVM during the write: object_copy_requests, op_rename,
            files_copied, object_put_request, object_multipart_initiated, committer_* counters, ... The job commit
            runs in the driver in every deploy mode, so these always cover it (the classic committer's renames
            into the table); task commits run in the executors, which share the driver's JVM only on local[*]
  task_output  records and bytes the write tasks wrote (executor task metrics, the same in every deploy mode)
  success   the _SUCCESS file: 0 bytes for the classic committer; for an S3A committer a JSON manifest
            (name, committer, filenames, metrics, iostatistics) read back through the Hadoop FS API
  output    files listed under the target and rows read back (the output is complete)

Run: spark-submit --py-files labkit.py day3_magic_committer.py --out DIR --target s3a://bucket/prefix
"""

from __future__ import annotations

import json
from typing import Any, Dict

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

#: the settings that turn a write back into the classic, rename-based commit (used for the comparison write)
CLASSIC_SQL_CONF = {
    "spark.sql.sources.commitProtocolClass": "org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol",
    "spark.sql.parquet.output.committer.class": "org.apache.parquet.hadoop.ParquetOutputCommitter",
}
CLASSIC_WRITE_OPTIONS = {
    # S3ACommitterFactory (the factory for s3a://) returns the FileOutputCommitter for "file".
    "fs.s3a.committer.name": "file",
    "mapreduce.fileoutputcommitter.algorithm.version": "1",
}

#: the S3A counters the README discusses; all others are kept in the full dict too
KEY_COUNTERS = [
    "object_copy_requests",
    "files_copied",
    "files_copied_bytes",
    "op_rename",
    "object_put_request",
    "object_multipart_initiated",
    "multipart_upload_completed",
    "object_delete_request",
    "object_bulk_delete_request",
    "object_list_request",
    "committer_magic_files_created",
    "committer_commits_completed",
    "committer_bytes_committed",
]

# ------------------------------------------------------------------------------------------- transforms


def build_events(spark: SparkSession, rows: int, partitions: int) -> DataFrame:
    """The data written: `partitions` tasks, so `partitions` part files per write."""
    return spark.range(0, rows, 1, numPartitions=partitions).select(
        F.col("id").alias("event_id"),
        (F.col("id") % 1000).alias("user_id"),
        ((F.col("id") * 7919) % 100000 / 100.0).alias("amount"),
        F.concat(F.lit("event-"), (F.col("id") % 17).cast("string")).alias("kind"),
    )


def read_success(spark: SparkSession, target: str) -> Dict[str, Any]:
    """The _SUCCESS marker: its size, and the S3A committer's JSON manifest when it is one."""
    jvm = spark._jvm
    path = jvm.org.apache.hadoop.fs.Path(target.rstrip("/") + "/_SUCCESS")
    fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
    if not fs.exists(path):
        return {"exists": False, "bytes": 0, "is_json": False}
    size = int(fs.getFileStatus(path).getLen())
    info: Dict[str, Any] = {"exists": True, "bytes": size, "is_json": False}
    if size == 0:  # FileOutputCommitter: an empty marker, it says nothing about who wrote what
        return info
    stream = fs.open(path)
    try:
        # A returned Java byte[] arrives as Python bytes (a bytearray passed in would be copied, not filled).
        data = bytes(jvm.org.apache.commons.io.IOUtils.toByteArray(stream))
    finally:
        stream.close()
    try:
        doc = json.loads(data.decode("utf-8"))
    except ValueError:
        return info
    info.update(
        {
            "is_json": True,
            "name": doc.get("name"),
            "committer": doc.get("committer"),
            "description": doc.get("description"),
            "filenames": [str(f) for f in doc.get("filenames", [])],
            "files_committed": len(doc.get("filenames", [])),
            "hostname": doc.get("hostname"),
            "metrics": doc.get("metrics", {}),
            # the job commit's IOStatistics, aggregated with what the task commits saved in their .pendingset
            # files: written by the committer itself, so they include executors' numbers in any deploy mode
            "iostatistics": (doc.get("iostatistics") or {}).get("counters", {}),
        }
    )
    return info


def list_output(spark: SparkSession, target: str) -> Dict[str, Any]:
    """Everything under the target after the write: data files, and anything left behind (_temporary, __magic)."""
    _, root = labkit.hadoop_fs(spark, target)
    files = [f.path for f in labkit.list_files(spark, target, missing_ok=False)]
    prefix = str(root.toUri().getPath()).rstrip("/") + "/"
    rel = sorted(f[len(prefix):] if f.startswith(prefix) else f for f in files)
    parts = [f for f in rel if f.split("/")[-1].startswith("part-")]
    return {
        "files": rel,
        "part_files": len(parts),
        "leftovers": [f for f in rel if "_temporary" in f or "__magic" in f],
        "leftover_count": sum(1 for f in rel if "_temporary" in f or "__magic" in f),
    }


def write_with(spark: SparkSession, df: DataFrame, target: str, committer: str) -> Dict[str, Any]:
    """Write df to target with one committer; S3A counters around the write, then what landed."""
    sql_settings = CLASSIC_SQL_CONF if committer == "classic" else {}
    options = CLASSIC_WRITE_OPTIONS if committer == "classic" else {}
    before = labkit.fs_statistics(spark, target)
    with labkit.sql_conf(spark, sql_settings), labkit.record_jobs(spark, f"write-{committer}", f"day3 magic committer: {committer} write") as rec:
        df.write.mode("overwrite").options(**options).parquet(target)
        protocol = spark.conf.get("spark.sql.sources.commitProtocolClass")
    seconds = rec.seconds
    tasks = rec.summary()
    delta = labkit.fs_statistics_delta(before, labkit.fs_statistics(spark, target))
    counters = {k: delta.get(k, 0) for k in KEY_COUNTERS}
    output = list_output(spark, target)
    rows_back = spark.read.parquet(target).count()
    success = read_success(spark, target)
    return {
        "target": target,
        "commit_protocol": protocol,
        "committer_name": options.get("fs.s3a.committer.name") or spark.conf.get("spark.hadoop.fs.s3a.committer.name", "(cluster default)"),
        "write_s": round(seconds, 3),
        # what the write tasks produced, as the executors measured it (task metrics: the same in every deploy mode)
        "task_output": {"records": tasks["output_records"], "bytes": tasks["output_bytes"], "tasks": tasks["tasks"]},
        "copies": counters["object_copy_requests"],
        "renames": counters["op_rename"],
        "s3a": counters,
        "s3a_all": delta,
        "success": success,
        "output": output,
        "rows_read_back": rows_back,
        "manifest_lists_every_part": bool(success.get("filenames"))
        and sorted(f.split("/")[-1] for f in success["filenames"]) == sorted(f.split("/")[-1] for f in output["files"] if f.split("/")[-1].startswith("part-")),
    }


def transform(spark: SparkSession, target: str, rows: int, partitions: int) -> Dict[str, Any]:
    df = build_events(spark, rows, partitions)
    base = target.rstrip("/")
    # Warm-up write (untimed, not reported): loads the S3A and committer classes and opens the connection pool,
    # so neither measured write pays that.
    spark.range(10).write.mode("overwrite").parquet(base + "/warmup")
    magic = write_with(spark, df, base + "/magic", "magic")
    classic = write_with(spark, df, base + "/classic", "classic")
    return {
        "params": {"rows": rows, "partitions": partitions, "target": base},
        "settings": {
            "fs.s3a.committer.name": spark.conf.get("spark.hadoop.fs.s3a.committer.name", None),
            "fs.s3a.committer.magic.enabled": spark.conf.get("spark.hadoop.fs.s3a.committer.magic.enabled", None),
            "commit_protocol": spark.conf.get("spark.sql.sources.commitProtocolClass"),
            "parquet_committer": spark.conf.get("spark.sql.parquet.output.committer.class", None),
        },
        "magic": magic,
        "classic": classic,
        "rows_expected": rows,
        "magic_complete": magic["rows_read_back"] == rows and magic["output"]["part_files"] == partitions,
        "classic_complete": classic["rows_read_back"] == rows and classic["output"]["part_files"] == partitions,
        "copies_saved": classic["copies"] - magic["copies"],
        # Two independent witnesses of the same bytes: the committer's manifest (what it committed) and the
        # write tasks' metrics (what the executors wrote). Equal only if every task's output was committed.
        "magic_bytes_committed_match_tasks": bool(magic["task_output"]["bytes"])
        and magic["success"].get("iostatistics", {}).get("committer_bytes_committed") == magic["task_output"]["bytes"],
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--target", required=True, help="s3a:// prefix the two writes go under")
        p.add_argument("--rows", type=int, default=400_000)
        p.add_argument("--partitions", type=int, default=8, help="tasks, hence part files, per write")

    labkit.run_step(
        "day3-magic-committer: magic vs classic committer on S3",
        extra,
        lambda spark, args: transform(spark, args.target, args.rows, args.partitions),
        argv,
    )


if __name__ == "__main__":
    main()
