"""Lab day3-streaming-fault-tolerance: a stream that dies mid-batch and restarts without losing or doubling input.

The Structured Streaming half of the lab (the DStream half, a receiver with a write-ahead log whose driver is
killed and recovered, is day3_dstream_recovery.py).

Structured Streaming: sensor readings arrive as JSON files (written by the job itself); the query
cleans them with a Python UDF and writes Parquet through the file sink, which is exactly-once: a batch's files
only count once the batch is recorded in <output>/_spark_metadata.

  step "crash"    files 1-4. Batch 3 (file 4) hits a planted failure inside a task, after other tasks of the
                  batch may already have written their files: the query dies mid-batch, the checkpoint has
                  offsets/3 but no commits/3.
  step "restart"  the same query, same checkpoint, files 5-6 added: Spark re-runs batch 3 with the same input,
                  then the rest. The output (read through the sink's log) must hold every reading exactly once.

  step "availability" (its own root) the driver itself is lost: on YARN, the first ApplicationMaster attempt halts
                  its JVM (Runtime.halt: no shutdown hook, no unregister, what YARN sees when the node under the AM
                  goes) right after batch 2 is committed and file 4 has arrived. With spark.yarn.maxAppAttempts 2
                  YARN starts attempt 2, which runs this same script: the query resumes from its checkpoint, the rest
                  of the files arrive, and the sink must hold every reading exactly once. The attempts are read from
                  the ResourceManager (/ws/v1/cluster/apps/{id}/appattempts). Without YARN (local[*]) nothing is
                  killed: one attempt, the same counts.

Run: spark-submit --py-files labkit.py day3_streaming_fault_tolerance.py --out DIR --root DIR --phase crash|restart|availability
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from typing import Any, Dict, List, Optional

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import labkit

SENSORS = 5
FILES = 6
PER_FILE = 200
CRASH_BATCH = 3
KILL_AFTER_FILE = 3  # availability: attempt 1's AM halts once batches 0-2 are committed and file 4 has arrived
POISON_ID = 4 * 10_000 + 150  # a reading in file 4: the planted failure (crash phase only)
SCHEMA = T.StructType([T.StructField("reading_id", T.LongType()), T.StructField("sensor", T.StringType()), T.StructField("value", T.LongType())])


def file_readings(i: int) -> List[Dict[str, Any]]:
    return [{"reading_id": i * 10_000 + j, "sensor": f"s{(i * 10_000 + j) % SENSORS}", "value": (j * 37) % 100} for j in range(PER_FILE)]


def expected_totals() -> Dict[str, int]:
    out: Dict[str, int] = {}
    for i in range(1, FILES + 1):
        for r in file_readings(i):
            out[r["sensor"]] = out.get(r["sensor"], 0) + r["value"]
    return dict(sorted(out.items()))


def list_names(spark: SparkSession, uri: str, recursive: bool = False) -> List[str]:
    return [f.path for f in labkit.list_files(spark, uri, recursive)]


# ------------------------------------------------------------------------------------ Structured Streaming


def clean(events: DataFrame, crash: bool) -> DataFrame:
    """Validate each reading in Python (a UDF: runs in a Python worker next to the task)."""
    poison = POISON_ID if crash else None

    @F.udf(T.LongType())
    def validated(reading_id, value):
        if reading_id == poison:
            raise RuntimeError(f"planted crash: the process handling reading {reading_id} died")
        return max(0, min(100, value))

    return events.select("reading_id", "sensor", validated("reading_id", "value").alias("value"))


def checkpoint_logs(spark: SparkSession, ckpt: str) -> Dict[str, List[int]]:
    out = {}
    for log in ("offsets", "commits"):
        out[log] = sorted(int(n.split("/")[-1]) for n in list_names(spark, f"{ckpt}/{log}") if n.split("/")[-1].isdigit())
    return out


def structured_run(spark: SparkSession, root: str, phase: str, timeout_s: int) -> Dict[str, Any]:
    source, ckpt, output = f"{root}/input", f"{root}/checkpoint", f"{root}/output"
    jvm = spark._jvm
    conf = spark._jsc.hadoopConfiguration()
    jvm.org.apache.hadoop.fs.Path(source).getFileSystem(conf).mkdirs(jvm.org.apache.hadoop.fs.Path(source))
    files = range(1, CRASH_BATCH + 2) if phase == "crash" else range(1, FILES + 1)
    attempt = labkit.app_attempt(spark)
    kill_after = KILL_AFTER_FILE if phase == "availability" and attempt == 1 else None
    events = spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 1).json(source)
    query = clean(events, phase == "crash").writeStream.format("parquet").option("path", output).option("checkpointLocation", ckpt).start()
    failure = None
    deadline = time.monotonic() + timeout_s
    try:
        for i in files:
            target = f"{source}/readings-{i:02d}.json"
            if not jvm.org.apache.hadoop.fs.Path(target).getFileSystem(conf).exists(jvm.org.apache.hadoop.fs.Path(target)):
                labkit.write_text(spark, target, "\n".join(json.dumps(r) for r in file_readings(i)) + "\n")
            if kill_after is not None and i == kill_after + 1:
                # Batch kill_after - 1 is committed and this file is being read: the AM goes, mid-batch.
                time.sleep(1.0)
                print(f"availability: attempt {attempt} halts its ApplicationMaster after {kill_after} files", flush=True)
                spark._jvm.java.lang.Runtime.getRuntime().halt(137)
            query.processAllAvailable()
            if time.monotonic() > deadline:
                raise TimeoutError(f"streaming did not finish within {timeout_s}s")
    except Exception as err:  # noqa: BLE001 - the crash phase expects its planted failure
        if phase != "crash" or "planted crash" not in str(err):
            raise
        failure = str(err).split("\n")[0][:300]
    finally:
        query.stop()

    logs = checkpoint_logs(spark, ckpt)
    out: Dict[str, Any] = {"attempt": attempt, "checkpoint": logs, "uncommitted_batches": sorted(set(logs["offsets"]) - set(logs["commits"]))}
    if phase == "crash":
        out["crashed"] = failure is not None
        out["failure"] = failure
        return out
    df = spark.read.parquet(output)  # reads only the files listed in output/_spark_metadata
    rows = df.agg(F.count(F.lit(1)).alias("n"), F.countDistinct("reading_id").alias("d")).first()
    totals = {r["sensor"]: int(r["t"]) for r in df.groupBy("sensor").agg(F.sum("value").alias("t")).collect()}
    on_disk = [n for n in list_names(spark, output) if n.endswith(".parquet")]
    in_log = {r[0].split("/")[-1] for r in df.select(F.input_file_name()).distinct().collect()}
    out.update(
        {
            "readings_expected": FILES * PER_FILE,
            "readings": int(rows["n"]),
            "distinct_readings": int(rows["d"]),
            "duplicates": int(rows["n"]) - int(rows["d"]),
            "lost": FILES * PER_FILE - int(rows["d"]),
            "totals": dict(sorted(totals.items())),
            "expected_totals": expected_totals(),
            "totals_match": dict(sorted(totals.items())) == expected_totals(),
            "files_on_disk": len(on_disk),
            "files_in_sink_log": len(in_log),
            # files of the failed attempt of batch 3: on disk, but not in the log, so no reader sees them
            "orphan_files": len([n for n in on_disk if n.split("/")[-1] not in in_log]),
            "uncommitted_count": len(out["uncommitted_batches"]),
        }
    )
    return out


def yarn_attempts(spark: SparkSession) -> Optional[Dict[str, Any]]:
    """The application's attempts as the ResourceManager lists them (its REST API, from yarn-site's webapp address,
    which Spark ships to the driver); None where there is no ResourceManager (local[*])."""
    sc = spark.sparkContext
    if not sc.master.startswith("yarn"):
        return None
    conf = sc._jsc.hadoopConfiguration()
    address = conf.get("yarn.resourcemanager.webapp.address")
    if not address:
        return None
    url = f"http://{address}/ws/v1/cluster/apps/{sc.applicationId}/appattempts"
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        doc = json.loads(resp.read().decode("utf-8"))
    attempts = (doc.get("appAttempts") or {}).get("appAttempt") or []
    return {
        "count": len(attempts),
        "ids": [a.get("id") for a in attempts],
        "containers": [a.get("containerId") for a in attempts],
        "source": url,
    }


def transform(spark: SparkSession, root: str, phase: str, timeout_s: int) -> Dict[str, Any]:
    root = root.rstrip("/")
    result: Dict[str, Any] = {"phase": phase, "params": {"files": FILES, "per_file": PER_FILE, "crash_batch": CRASH_BATCH}}
    result["structured"] = structured_run(spark, root, phase, timeout_s)
    if phase == "availability":
        attempts = yarn_attempts(spark)
        result["availability"] = {
            "attempt": labkit.app_attempt(spark),
            "max_app_attempts": spark.sparkContext.getConf().get("spark.yarn.maxAppAttempts", None),
            "yarn_attempts": attempts,
            "attempts": attempts["count"] if attempts else None,
        }
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--root", required=True, help="input, checkpoints and output (shared by both steps)")
        p.add_argument("--phase", choices=["crash", "restart", "availability"], required=True)
        p.add_argument("--timeout", type=int, default=240)

    labkit.run_step(
        "day3-streaming-fault-tolerance",
        extra,
        lambda spark, args: transform(spark, args.root, args.phase, args.timeout),
        argv,
    )


if __name__ == "__main__":
    main()
