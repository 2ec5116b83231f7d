"""Lab day3-exactly-once: a stateful stream, a crash in the middle of a batch, a restart, and exact totals.

The job keeps a running total and count per user with applyInPandasWithState (arbitrary state per key,
kept in the state store and checkpointed), and writes every micro-batch's updated totals through
foreachBatch into two sinks:

  idempotent  each batch overwrites its own directory, <sink>/idempotent/batch_id=<N>: writing batch N twice
              leaves exactly one copy of it
  naive       each batch appends to <sink>/naive: writing batch N twice leaves two copies

The job is its own producer: it writes JSON files of purchase events one at a time, each one micro-batch.

  step "crash"    files 1-4; in batch 3 (file 4), after both sinks wrote, the sink raises: the query dies
                  before Spark could record the batch as committed. The checkpoint now has offsets/3 but
                  no commits/3: exactly the state a killed driver leaves behind.
  step "restart"  the same query on the same checkpoint: Spark re-runs batch 3 with the SAME input (the
                  offsets it logged) from the state as of batch 2, then continues with files 5-6.

Exactly-once = replayable source + checkpointed offsets and state + an idempotent sink. The naive sink shows
what "at-least-once" looks like: batch 3 is there twice.

Run: spark-submit --py-files labkit.py day3_exactly_once.py --out DIR --root DIR --phase crash|restart
"""

from __future__ import annotations

import json
import time
from typing import Any, Dict, Iterator, List, Tuple

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.streaming.state import GroupState, GroupStateTimeout

import labkit

USERS = 8
FILES = 6
EVENTS_PER_FILE = 120
CRASH_BATCH = 3  # file 4
SCHEMA = T.StructType([T.StructField("event_id", T.LongType()), T.StructField("user", T.StringType()), T.StructField("amount", T.LongType())])
OUTPUT = T.StructType([T.StructField("user", T.StringType()), T.StructField("total", T.LongType()), T.StructField("purchases", T.LongType())])
STATE = T.StructType([T.StructField("total", T.LongType()), T.StructField("purchases", T.LongType())])


def file_events(i: int) -> List[Dict[str, Any]]:
    """The events of file i (1-based): deterministic, unique event ids."""
    out = []
    for j in range(EVENTS_PER_FILE):
        eid = i * 10_000 + j
        out.append({"event_id": eid, "user": f"user-{(eid * 7) % USERS}", "amount": (eid * 7919) % 100 + 1})
    return out


def expected_totals() -> Dict[str, List[int]]:
    totals: Dict[str, List[int]] = {}
    for i in range(1, FILES + 1):
        for e in file_events(i):
            t = totals.setdefault(e["user"], [0, 0])
            t[0] += e["amount"]
            t[1] += 1
    return dict(sorted(totals.items()))


# ------------------------------------------------------------------------------------------- transforms


def running_totals(key: Tuple[str], batches: Iterator[pd.DataFrame], state: GroupState) -> Iterator[pd.DataFrame]:
    """Per user: add this batch's purchases to the state and emit the new running total."""
    total, purchases = state.get if state.exists else (0, 0)
    for pdf in batches:
        total += int(pdf["amount"].sum())
        purchases += len(pdf)
    state.update((total, purchases))
    yield pd.DataFrame({"user": [key[0]], "total": [total], "purchases": [purchases]})


def stateful_query(events: DataFrame) -> DataFrame:
    return events.groupBy("user").applyInPandasWithState(
        running_totals, OUTPUT, STATE, outputMode="update", timeoutConf=GroupStateTimeout.NoTimeout
    )


class TwoSinks:
    """foreachBatch: the idempotent and the naive sink, and (in the crash phase) the planted failure."""

    def __init__(self, sink: str, crash_at: int) -> None:
        self.sink, self.crash_at = sink, crash_at
        self.batches: List[int] = []

    def __call__(self, df: DataFrame, batch_id: int) -> None:
        self.batches.append(batch_id)
        df = df.cache()
        # Keyed by batch id and overwritten: a replay of batch N replaces batch N, it cannot add a copy.
        df.write.mode("overwrite").parquet(f"{self.sink}/idempotent/batch_id={batch_id}")
        df.withColumn("batch_id", F.lit(batch_id)).write.mode("append").parquet(f"{self.sink}/naive")
        df.unpersist()
        if batch_id == self.crash_at:
            raise RuntimeError(f"planted crash: batch {batch_id} was written to the sinks but never committed")


def checkpoint_logs(spark: SparkSession, ckpt: str) -> Dict[str, List[int]]:
    """Batch ids in the checkpoint's offsets/ (planned) and commits/ (finished) logs."""
    return {log: sorted(int(s.name) for s in labkit.list_dir(spark, f"{ckpt}/{log}") if s.name.isdigit()) for log in ("offsets", "commits")}


def sink_state(spark: SparkSession, sink: str) -> Dict[str, Any]:
    idem = spark.read.parquet(f"{sink}/idempotent")
    naive = spark.read.parquet(f"{sink}/naive")
    latest = idem.groupBy("user").agg(F.max_by(F.struct("total", "purchases"), "batch_id").alias("t"))
    totals = {r["user"]: [int(r["t"]["total"]), int(r["t"]["purchases"])] for r in latest.collect()}
    dup = lambda df: df.groupBy("user", "batch_id").count().where("count > 1").agg(F.coalesce(F.sum(F.col("count") - 1), F.lit(0))).first()[0]  # noqa: E731
    return {
        "totals": dict(sorted(totals.items())),
        "idempotent_rows": idem.count(),
        "idempotent_duplicates": int(dup(idem)),
        "naive_rows": naive.count(),
        "naive_duplicates": int(dup(naive)),
        "naive_duplicated_batches": sorted(int(r["batch_id"]) for r in naive.groupBy("user", "batch_id").count().where("count > 1").select("batch_id").distinct().collect()),
    }


def transform(spark: SparkSession, root: str, phase: str, timeout_s: int) -> Dict[str, Any]:
    root = root.rstrip("/")
    source, ckpt, sink = f"{root}/input", f"{root}/checkpoint", f"{root}/sink"
    jvm = spark._jvm
    jvm.org.apache.hadoop.fs.Path(source).getFileSystem(spark._jsc.hadoopConfiguration()).mkdirs(jvm.org.apache.hadoop.fs.Path(source))
    crash_at = CRASH_BATCH if phase == "crash" else -1
    files = range(1, CRASH_BATCH + 2) if phase == "crash" else range(1, FILES + 1)
    sinks = TwoSinks(sink, crash_at)
    events = spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 1).json(source)
    before = checkpoint_logs(spark, ckpt)
    query = stateful_query(events).writeStream.outputMode("update").option("checkpointLocation", ckpt).foreachBatch(sinks).start()
    failure = None
    deadline = time.monotonic() + timeout_s
    try:
        for i in files:
            target = f"{source}/purchases-{i:02d}.json"
            if not jvm.org.apache.hadoop.fs.Path(target).getFileSystem(spark._jsc.hadoopConfiguration()).exists(jvm.org.apache.hadoop.fs.Path(target)):
                labkit.write_text(spark, target, "\n".join(json.dumps(e) for e in file_events(i)) + "\n")
            query.processAllAvailable()  # one file = one micro-batch
            if time.monotonic() > deadline:
                raise TimeoutError(f"streaming did not finish within {timeout_s}s")
    except Exception as err:  # noqa: BLE001 - the crash phase expects its planted failure
        if phase != "crash" or "planted crash" not in str(err):
            raise
        failure = str(err).split("\n")[0][:300]
    finally:
        query.stop()

    result: Dict[str, Any] = {
        "phase": phase,
        "batches_run": sinks.batches,
        "checkpoint_before": before,
        "checkpoint_after": checkpoint_logs(spark, ckpt),
    }
    after = result["checkpoint_after"]
    if phase == "crash":
        result["crashed"] = failure is not None
        result["failure"] = failure
        # planned (offsets) but not committed: the batch a restart must run again
        result["uncommitted_batches"] = sorted(set(after["offsets"]) - set(after["commits"]))
    else:
        state = sink_state(spark, sink)
        expected = expected_totals()
        result.update(
            {
                "replayed_batch": sinks.batches[0] if sinks.batches else None,
                "expected": expected,
                "sink": state,
                "totals_exact": state["totals"] == expected,
                "events_expected": FILES * EVENTS_PER_FILE,
                "events_counted": sum(v[1] for v in state["totals"].values()),
                "uncommitted_batches": sorted(set(after["offsets"]) - set(after["commits"])),
                "uncommitted_count": len(set(after["offsets"]) - set(after["commits"])),
            }
        )
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--root", required=True, help="input files, checkpoint and sinks (shared by both steps)")
        p.add_argument("--phase", choices=["crash", "restart"], required=True)
        p.add_argument("--timeout", type=int, default=300)

    labkit.run_step(
        "day3-exactly-once",
        extra,
        lambda spark, args: transform(spark, args.root, args.phase, args.timeout),
        argv,
    )


if __name__ == "__main__":
    main()
