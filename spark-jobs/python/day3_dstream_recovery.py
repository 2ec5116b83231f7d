"""Lab day3-streaming-fault-tolerance, step "dstream": a receiver DStream whose driver is killed mid-stream, then
recovered with StreamingContext.getOrCreate from its checkpoint and its receiver write-ahead log.

The first run (YARN: ApplicationMaster attempt 1; local[*]: a child process with its own local[2] Spark) serves 3
chunks of 100 lines from a socket in its own driver; a socketTextStream receiver stores them as blocks, each written
to <checkpoint>/receivedData before it is reported (spark.streaming.receiver.writeAheadLog.enable). The output
operation writes each batch's record ids to a file named by the batch time, the idempotent kind of sink the
streaming guide asks for. The pace is set by the job, not by a clock: a chunk is sent only after the previous
data batch has been delivered, so the shape below is the same on a slow machine, it only takes longer.

  data batch 1  delivered completely (processed before the kill)
  data batch 2  releases the last chunk, writes its own output, then waits until the receiver's blocks of the last
                chunk are allocated to a queued batch and a checkpoint newer than that batch exists; then the driver
                is killed: the JVM halts (YARN, what a lost AM node looks like) or the parent SIGKILLs the child
                (local). Batch 2 is in flight (its output written, the batch not completed), the last chunk received
                but not processed.

The second run (YARN: attempt 2, started by YARN with spark.yarn.maxAppAttempts 2; local: the step's own driver)
calls StreamingContext.getOrCreate(checkpoint, setup): the context, its DStream graph and output function come
back from the checkpoint, the batches that were not completed are re-run, their blocks read back from the WAL. The
source died with the first driver, so every record the second run sees comes from the WAL.

Run: spark-submit --py-files labkit.py day3_dstream_recovery.py --out DIR --root DIR [--timeout S]
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any, Dict, List, Optional

import labkit

CHUNKS = 3
PER_CHUNK = 100
BATCH_SECONDS = 1
CHILD_FLAG = "--first-run-child"


def sent_lines(chunk: int) -> List[str]:
    return [f"{i},s{i % 5},{(i * 37) % 100}" for i in range(chunk * PER_CHUNK, (chunk + 1) * PER_CHUNK)]


def _live() -> Dict[str, Any]:
    """This process's streaming state. The output function reaches it through sys.modules at call time: the
    function is pickled into the checkpoint (by value, as it lives in __main__), and whatever it referenced
    directly would be copied into the checkpoint and restored as a stale copy in the second run."""
    return sys.modules["__main__"].__dict__.setdefault("_DSTREAM_LIVE", {})


class ChunkServer(threading.Thread):
    """The source: a TCP socket that sends chunk 0 when the receiver connects and each further chunk when the job
    releases it. Like any socket it cannot replay: what it sent is the receiver's to keep."""

    def __init__(self, bind_host: str) -> None:
        super().__init__(daemon=True)
        self.sock = socket.socket()
        self.sock.bind((bind_host, 0))
        self.sock.listen(1)
        self.port = self.sock.getsockname()[1]
        self.cond = threading.Condition()
        self.released = 1
        self.sent = 0

    def release_next(self) -> int:
        with self.cond:
            self.released = min(CHUNKS, self.released + 1)
            self.cond.notify_all()
            return self.released

    def run(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                try:
                    while True:
                        with self.cond:
                            while self.sent >= self.released:
                                self.cond.wait()
                            chunk = self.sent
                        conn.sendall(("\n".join(sent_lines(chunk)) + "\n").encode("utf-8"))
                        with self.cond:
                            self.sent = chunk + 1
                except OSError:
                    continue  # the receiver reconnects after a restart; it gets the chunks not yet sent


def batch_ms(batch_time) -> int:
    return int(round(batch_time.timestamp() * 1000))


def deliver(batch_time, rdd) -> None:
    """The output operation (runs on the driver after each batch): the batch's ids to output/batch-<time>.txt,
    replaced if the batch runs again, plus a delivery record per run, so the re-runs can be counted."""
    live = _live()
    ids = sorted(rdd.collect()) if rdd.getNumPartitions() else []
    if not ids:
        return
    ms, spark, root = batch_ms(batch_time), live["spark"], live["root"]
    labkit.write_text(spark, f"{root}/output/batch-{ms}.txt", "\n".join(str(i) for i in ids) + "\n")
    labkit.write_text(spark, f"{root}/deliveries/{ms}-{live['run']}.json", json.dumps({"batch": ms, "records": len(ids)}))
    live.setdefault("delivered", []).append(ms)
    if live["run"] != "first":
        return
    live["data_batches"] = live.get("data_batches", 0) + 1
    if live["server"].release_next() < CHUNKS or live.get("killing"):
        live.setdefault("completed", []).append(ms)
        return
    live["killing"] = True
    kill_in_flight(live, ms, ids)


def kill_in_flight(live: Dict[str, Any], ms: int, ids: List[int]) -> None:
    """Called inside the in-flight batch: wait until every line sent is in a queued batch and a checkpoint newer than
    that batch is on disk (so the checkpoint knows the queue), note what was done, then die without a stop."""
    spark, root, listener = live["spark"], live["root"], live["listener"]
    deadline = time.monotonic() + live["timeout"]
    total = CHUNKS * PER_CHUNK
    while time.monotonic() < deadline:
        done = listener.allocated() >= total and newest_checkpoint(spark, root) >= listener.time_of(total)
        if done:
            break
        time.sleep(0.5)
    marker = {
        "killed_in_batch": ms,
        "in_flight_records": len(ids),
        "completed_batches": live.get("completed", []),
        "allocated_records": listener.allocated(),
        "data_batch_times": listener.data_batch_times(),
        "waited_out": time.monotonic() >= deadline,
        "attempt": live["attempt"],
    }
    labkit.write_text(spark, f"{root}/killed.json", json.dumps(marker))
    print(f"dstream: first run killed in batch {ms} ({marker})", flush=True)
    if live["attempt"] is not None:
        spark._jvm.java.lang.Runtime.getRuntime().halt(137)  # YARN: the AM's JVM dies, no shutdown hook runs
    time.sleep(3600)  # local: the parent SIGKILLs this process group once killed.json is there


def newest_checkpoint(spark, root: str) -> int:
    times = [0]
    for f in labkit.list_files(spark, f"{root}/checkpoint", recursive=False):
        name = f.name
        if name.startswith("checkpoint-") and name[len("checkpoint-"):].isdigit():
            times.append(int(name[len("checkpoint-"):]))
    return max(times)


def make_listener():
    from pyspark.streaming.listener import StreamingListener

    class Allocations(StreamingListener):
        """Records per batch as the batches are submitted: a batch is submitted once its blocks are allocated to it
        (and, with the WAL on, that allocation is in the driver's own log under <checkpoint>/receivedBlockMetadata)."""

        def __init__(self) -> None:
            super().__init__()
            self.lock = threading.Lock()
            self.batches: Dict[int, int] = {}

        def onBatchSubmitted(self, batchSubmitted) -> None:
            info = batchSubmitted.batchInfo()
            with self.lock:
                self.batches[int(info.batchTime().milliseconds())] = int(info.numRecords())

        def allocated(self) -> int:
            with self.lock:
                return sum(self.batches.values())

        def time_of(self, total: int) -> int:
            """The batch time at which the allocated records reached total (a large number before that)."""
            with self.lock:
                running = 0
                for t in sorted(self.batches):
                    running += self.batches[t]
                    if running >= total:
                        return t
            return 1 << 62

        def data_batch_times(self) -> List[int]:
            with self.lock:
                return sorted(t for t, n in self.batches.items() if n > 0)

    return Allocations()


def build_stream(sc, root: str, host: str, port: int):
    """The setup function getOrCreate calls when there is no checkpoint (the first run)."""
    from pyspark import StorageLevel
    from pyspark.streaming import StreamingContext

    ssc = StreamingContext(sc, BATCH_SECONDS)
    ssc.checkpoint(f"{root}/checkpoint")
    # One copy in memory/disk: the WAL is the copy that survives (the guide: no replication needed with the WAL).
    lines = ssc.socketTextStream(host, port, StorageLevel.MEMORY_AND_DISK)
    lines.map(lambda line: int(line.split(",")[0])).foreachRDD(deliver)
    return ssc


def first_run(spark, root: str, timeout_s: int, attempt: Optional[int]) -> None:
    from pyspark.streaming import StreamingContext

    sc = spark.sparkContext
    on_yarn = sc.master.startswith("yarn")
    server = ChunkServer("0.0.0.0" if on_yarn else "127.0.0.1")
    server.start()
    host = sc.getConf().get("spark.driver.host") if on_yarn else "127.0.0.1"
    listener = make_listener()
    _live().update({"spark": spark, "root": root, "run": "first", "server": server, "listener": listener, "timeout": timeout_s, "attempt": attempt})
    ssc = StreamingContext.getOrCreate(f"{root}/checkpoint", lambda: build_stream(sc, root, host, server.port))
    ssc.addStreamingListener(listener)
    ssc.start()
    ssc.awaitTerminationOrTimeout(timeout_s * 2)  # the in-flight batch kills this driver long before
    raise TimeoutError("dstream: the first run was not killed")


def run_child(spark, root: str, timeout_s: int) -> Dict[str, Any]:
    """local[*]: the first run in a process of its own, so that it can be killed for real."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYSPARK_GATEWAY")}
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(os.path.abspath(labkit.__file__)), env.get("PYTHONPATH", "")])
    streaming_conf = {k: v for k, v in spark.sparkContext.getConf().getAll() if k.startswith("spark.streaming.")}
    env["DSTREAM_CHILD_CONF"] = json.dumps(streaming_conf)
    args = [sys.executable, os.path.abspath(__file__), CHILD_FLAG, root, str(timeout_s)]
    child = subprocess.Popen(args, env=env, start_new_session=True)
    deadline = time.monotonic() + timeout_s + 60
    try:
        while labkit.read_text(spark, f"{root}/killed.json") is None:
            if child.poll() is not None:
                raise RuntimeError(f"dstream: the first run exited with {child.returncode} before it was killed")
            if time.monotonic() > deadline:
                raise TimeoutError("dstream: the first run did not reach its kill point")
            time.sleep(0.5)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)  # the whole process group: its Python and its JVM
        child.wait()
    return {"pid": child.pid, "exit_code": child.returncode}


def child_main(root: str, timeout_s: int) -> None:
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master("local[2]").appName("day3-dstream-first-run").config("spark.ui.enabled", "false")
    for k, v in json.loads(os.environ.get("DSTREAM_CHILD_CONF", "{}")).items():
        builder = builder.config(k, v)
    first_run(builder.getOrCreate(), root, timeout_s, None)


def recover(spark, root: str, timeout_s: int, attempt: Optional[int]) -> Dict[str, Any]:
    """The second run: getOrCreate finds the checkpoint; setup must not be called."""
    from pyspark.streaming import StreamingContext

    killed = json.loads(labkit.read_text(spark, f"{root}/killed.json") or "null")
    created_fresh = []
    _live().update({"spark": spark, "root": root, "run": "recovered", "attempt": attempt})

    def setup():
        created_fresh.append(True)
        return build_stream(spark.sparkContext, root, "127.0.0.1", 9)  # never reached when the checkpoint is there

    ssc = StreamingContext.getOrCreate(f"{root}/checkpoint", setup)
    ssc.start()
    wanted = set((killed or {}).get("data_batch_times", [])) - set((killed or {}).get("completed_batches", []))
    deadline = time.monotonic() + timeout_s
    while not wanted <= set(_live().get("delivered", [])) and time.monotonic() < deadline:
        time.sleep(0.5)
    ssc.stop(stopSparkContext=False, stopGraceFully=False)
    return {"killed": killed, "recovered_from_checkpoint": not created_fresh, "waited_for_batches": sorted(wanted)}


def measure(spark, root: str, killed: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    sent = set(range(CHUNKS * PER_CHUNK))
    output: List[int] = []
    for f in labkit.list_files(spark, f"{root}/output", recursive=False):
        output += [int(x) for x in (labkit.read_text(spark, f.uri) or "").split()]  # uri: path has no bucket
    runs: Dict[int, List[str]] = {}
    for f in labkit.list_files(spark, f"{root}/deliveries", recursive=False):
        ms, run = f.name[: -len(".json")].split("-", 1)
        runs.setdefault(int(ms), []).append(run)
    completed = set((killed or {}).get("completed_batches", []))
    done_before = set()
    for ms in completed:
        done_before |= set(int(x) for x in (labkit.read_text(spark, f"{root}/output/batch-{ms}.txt") or "").split())
    pending = sent - done_before
    after = set()
    for ms, who in runs.items():
        if "recovered" in who:
            after |= set(int(x) for x in (labkit.read_text(spark, f"{root}/output/batch-{ms}.txt") or "").split())
    rerun = sorted(ms for ms, who in runs.items() if "first" in who and "recovered" in who)
    in_flight = (killed or {}).get("killed_in_batch")
    return {
        "lines_sent": len(sent),
        "processed_before_kill": len(done_before),
        "unprocessed_at_kill": len(pending),
        "processed_after_recovery": len(after),
        "every_unprocessed_record_recovered": bool(pending) and pending <= after,
        "lost": len(sent - set(output)),
        # the sink keyed by batch time: a re-run batch replaces its own file, so each id is in it once
        "output_records": len(output),
        "output_duplicates": len(output) - len(set(output)),
        # at-least-once made visible: batches the first run delivered and the second delivered again
        "rerun_batches": rerun,
        "in_flight_batch_rerun": in_flight in rerun,
        "delivered_twice": sum(len(set(int(x) for x in (labkit.read_text(spark, f"{root}/output/batch-{ms}.txt") or "").split())) for ms in rerun),
    }


def wal_files(spark, root: str) -> Dict[str, int]:
    files = [f.path for f in labkit.list_files(spark, f"{root}/checkpoint", recursive=True)]
    return {
        "receiver_wal_files": len([f for f in files if "/receivedData/" in f]),
        "block_metadata_wal_files": len([f for f in files if "/receivedBlockMetadata/" in f]),
        "checkpoint_files": len([f for f in files if f.rsplit("/", 1)[-1].startswith("checkpoint-")]),  # names only
    }


def transform(spark, root: str, timeout_s: int) -> Dict[str, Any]:
    root = root.rstrip("/") + "/dstream"
    attempt = labkit.app_attempt(spark)
    result: Dict[str, Any] = {"attempt": attempt, "wal_enabled": spark.sparkContext.getConf().get("spark.streaming.receiver.writeAheadLog.enable", "false")}
    if attempt == 1:
        first_run(spark, root, timeout_s, attempt)  # does not return: YARN runs this script again as attempt 2
    if attempt is None:
        result["first_run"] = run_child(spark, root, timeout_s)
    recovered = recover(spark, root, timeout_s, attempt)
    result.update({"recovery": recovered, **wal_files(spark, root)})
    result["dstream"] = measure(spark, root, recovered["killed"])
    return result


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == [CHILD_FLAG]:
        child_main(argv[1], int(argv[2]))
        return

    def extra(p):
        p.add_argument("--root", required=True, help="checkpoint, WAL and output of both runs")
        p.add_argument("--timeout", type=int, default=180)

    labkit.run_step("day3-streaming-fault-tolerance (dstream)", extra, lambda spark, args: transform(spark, args.root, args.timeout), argv)


if __name__ == "__main__":
    main()
