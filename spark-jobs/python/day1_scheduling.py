"""Lab day1-scheduling: scheduling jobs inside one Spark application, FIFO vs FAIR pools.

Inside one application (one SparkContext), every action becomes a job and the task scheduler decides which
job's tasks get a free core. spark.scheduler.mode:

  FIFO  (default) jobs are served in submission order: a later job gets a core only once every task of the
        earlier jobs has been launched. A short query submitted behind a long one waits for it.
  FAIR  jobs are grouped in pools (spark.scheduler.pool, a thread-local property: set it in the thread that
        submits the job); free cores go to the pool furthest below its minShare, then by weight. A short
        query in its own pool gets cores as soon as the long job's running tasks finish.

Each trial starts a LONG job (waves x slots tasks of --long-ms, pool "batch") in one thread, waits until its
tasks are running, then submits a SHORT job (slots tasks of --short-ms, pool "interactive") from a second
thread, and records when each finished. The tasks sleep in the JVM (java.lang.Thread.sleep through SQL's
reflect()), so their length does not depend on how busy the CPU is: the order of completion shows the
scheduler's decisions, not the machine's load. The lab runs this job twice, as two steps with different
spark.scheduler.mode: a scheduler mode is fixed when the SparkContext starts.

On YARN (sandbox, EMR) the two steps run at the same time (StepConcurrencyLevel 2), each application in its own
CapacityScheduler queue (spark.yarn.queue). The job then also measures, from the ResourceManager's REST API (its
address from the driver's Hadoop conf): the queues the scheduler really has (capacity, maximum capacity,
user-limit-factor), the queue its application runs in, the other step's application (found by name) and whether
both held containers at the same time, and how far its queue grew past its guaranteed capacity while it ran.

Run: spark-submit --conf spark.scheduler.mode=FAIR --py-files labkit.py day1_scheduling.py --out DIR
     --allocation-file labs/day1-scheduling/data/pools/fairscheduler.xml
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from typing import Any, Dict, List, Optional

from pyspark import InheritableThread, SparkConf
from pyspark.sql import DataFrame, SparkSession

import labkit

LONG_POOL = "batch"
SHORT_POOL = "interactive"

# ------------------------------------------------------------------------------------------------ jobs


def sleeping_job(spark: SparkSession, tasks: int, millis: int) -> DataFrame:
    """`tasks` partitions of one row each; computing a row sleeps `millis` ms in the executor JVM."""
    return spark.range(0, tasks, 1, numPartitions=tasks).selectExpr(
        "id", f"reflect('java.lang.Thread', 'sleep', CAST({int(millis)} AS BIGINT)) AS slept"
    )


def run_in_pool(spark: SparkSession, name: str, pool: str, tasks: int, millis: int, t0: float,
                record: Dict[str, Any]) -> None:
    """Submit one job from the calling thread, in `pool` (ignored under FIFO), and record its timing."""
    sc = spark.sparkContext
    sc.setLocalProperty("spark.scheduler.pool", pool)
    sc.setJobGroup(record["group"], f"day1 scheduling: {name} job ({tasks} tasks x {millis} ms), pool {pool}")
    record["submitted_s"] = round(time.perf_counter() - t0, 3)
    try:
        sleeping_job(spark, tasks, millis).collect()
    finally:
        record["finished_s"] = round(time.perf_counter() - t0, 3)
        sc.setLocalProperty("spark.scheduler.pool", None)
        sc.setLocalProperty("spark.jobGroup.id", None)
        sc.setLocalProperty("spark.job.description", None)


def wait_until_running(spark: SparkSession, group: str, timeout_s: float = 60.0) -> float:
    """Block until a job of `group` has tasks running; returns the seconds waited."""
    tracker = spark.sparkContext.statusTracker()
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        for job_id in tracker.getJobIdsForGroup(group):
            info = tracker.getJobInfo(job_id)
            for stage_id in (info.stageIds if info else []):
                stage = tracker.getStageInfo(stage_id)
                if stage and stage.numActiveTasks > 0:
                    return time.perf_counter() - start
        time.sleep(0.05)
    raise TimeoutError(f"job group {group} did not start running within {timeout_s}s")


def stage_pools(spark: SparkSession, group: str) -> List[str]:
    """The scheduler pool each stage of a job group ran in (the Stages tab's 'Pool Name' column)."""
    sc = spark.sparkContext
    store = labkit.status_store(sc)
    tracker = sc.statusTracker()
    pools = []
    for job_id in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job_id)
        for stage_id in (info.stageIds if info else []):
            try:
                pools.append(str(store.lastStageAttempt(int(stage_id)).schedulingPool()))
            except Exception:  # noqa: BLE001 - stage already evicted from the store
                pass
    return sorted(set(pools))


def pool_running_tasks(spark: SparkSession, name: str) -> Optional[int]:
    """Tasks the task scheduler is running in pool `name` right now (None: no such pool, as under FIFO)."""
    pool = spark.sparkContext._jsc.sc().getPoolForName(name)
    return int(pool.get().runningTasks()) if pool.isDefined() else None


def trial(spark: SparkSession, index: int, slots: int, waves: int, long_ms: int, short_ms: int) -> Dict[str, Any]:
    long_rec: Dict[str, Any] = {"group": f"sched-long-{index}", "pool": LONG_POOL, "tasks": waves * slots}
    short_rec: Dict[str, Any] = {"group": f"sched-short-{index}", "pool": SHORT_POOL, "tasks": slots}
    t0 = time.perf_counter()
    # InheritableThread: PySpark's thread that carries its own JVM thread (pinned thread mode), so the local
    # properties set inside it (pool, job group) belong to the jobs that thread submits.
    long_thread = InheritableThread(target=run_in_pool, args=(spark, "long", LONG_POOL, waves * slots, long_ms, t0, long_rec))
    long_thread.start()
    waited = wait_until_running(spark, long_rec["group"])
    short_thread = InheritableThread(target=run_in_pool, args=(spark, "short", SHORT_POOL, slots, short_ms, t0, short_rec))
    short_thread.start()
    # The live scheduler, sampled while the short job runs: its tasks counted in the pool they were queued in.
    # The Stages tab's Pool Name only echoes the property; this is where the scheduler really put the tasks.
    peak: Optional[int] = None
    while short_thread.is_alive():
        running = pool_running_tasks(spark, SHORT_POOL)
        if running is not None:
            peak = max(peak or 0, running)
        time.sleep(0.02)
    short_thread.join()
    short_rec["pool_peak_running_tasks"] = peak
    long_thread.join()
    for rec in (long_rec, short_rec):
        rec["pools_seen"] = stage_pools(spark, rec["group"])
        rec["duration_s"] = round(rec["finished_s"] - rec["submitted_s"], 3)
    return {
        "long": long_rec,
        "short": short_rec,
        "long_running_after_s": round(waited, 3),
        "short_finished_first": short_rec["finished_s"] < long_rec["finished_s"],
        "short_latency_s": short_rec["duration_s"],
        "short_alone_s": round(short_ms / 1000, 3),
    }


def live_pools(spark: SparkSession) -> List[Dict[str, Any]]:
    """The pools the task scheduler built (FAIR: the allocation file's pools + 'default'; FIFO: none)."""
    pools = labkit.scala_list(spark.sparkContext._jsc.sc().getAllPools())
    return sorted(
        ({"name": str(p.name()), "scheduling_mode": str(p.schedulingMode()), "min_share": int(p.minShare()),
          "weight": int(p.weight())} for p in pools),
        key=lambda p: p["name"],
    )


# ------------------------------------------------------------------------------- YARN queues, from the RM


def leaf_queues(scheduler_info: Dict[str, Any]) -> List[Dict[str, Any]]:
    """Every leaf queue of the CapacityScheduler's tree (/ws/v1/cluster/scheduler), as YARN reports it."""
    out = []

    def walk(q: Dict[str, Any]) -> None:
        children = labkit.yarn_items(q, "queues", "queue")
        if not children and q.get("queueName") != "root":
            row = {k: q.get(k) for k in ("queueName", "capacity", "maximumCapacity", "absoluteCapacity",
                                         "absoluteUsedCapacity", "usedCapacity", "userLimitFactor", "numApplications")}
            # the queue's guaranteed memory, and the most one user may hold right now as the scheduler computes it
            # (CapacityScheduler: at most capacity x user-limit-factor, at most maximum-capacity)
            row["guaranteedMB"] = (q.get("minEffectiveCapacity") or {}).get("memory")
            row["usedMB"] = (q.get("resourcesUsed") or {}).get("memory")
            limits = [(u.get("userResourceLimit") or {}).get("memory") for u in labkit.yarn_items(q, "users", "user")]
            row["userResourceLimitMB"] = max((x for x in limits if x is not None), default=None)
            out.append(row)
        for c in children:
            walk(c)

    walk(scheduler_info)
    return out


class QueueWatch:
    """Samples the ResourceManager every second while the job runs: the running applications (queue, containers,
    memory) and the leaf queues' used capacity."""

    def __init__(self, base: str, app_id: str, name_prefix: str):
        self.base, self.app_id, self.prefix = base, app_id, name_prefix
        self.samples: List[Dict[str, Any]] = []
        self.errors: List[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> Dict[str, Any]:
        apps = labkit.yarn_items(labkit.yarn_rest(self.base, "/ws/v1/cluster/apps?states=RUNNING"), "apps", "app")
        mine = [{"id": a["id"], "name": a.get("name"), "queue": a.get("queue"), "allocatedMB": a.get("allocatedMB", 0),
                 "runningContainers": a.get("runningContainers", 0)}
                for a in apps if str(a.get("name", "")).startswith(self.prefix)]
        sched = labkit.yarn_rest(self.base, "/ws/v1/cluster/scheduler").get("scheduler", {}).get("schedulerInfo", {})
        return {"t": round(time.time(), 1), "apps": mine, "queues": leaf_queues(sched)}

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(self.sample())
            except Exception as e:  # noqa: BLE001 - a missed sample is recorded, not fatal
                self.errors.append(str(e)[:200])
            self._stop.wait(1.0)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)


def wait_for_other(base: str, app_id: str, prefix: str, timeout_s: float) -> Optional[Dict[str, Any]]:
    """The other step's application, once YARN runs it (the two steps are submitted together)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        for a in labkit.yarn_items(labkit.yarn_rest(base, "/ws/v1/cluster/apps"), "apps", "app"):
            if a["id"] != app_id and str(a.get("name", "")).startswith(prefix) and a.get("state") in ("RUNNING", "FINISHED"):
                return a
        time.sleep(1.0)
    return None


def wait_for_executor(spark: SparkSession, timeout_s: float) -> bool:
    """True once an executor registered; False if YARN gave none (a queue too small to hold one: starvation)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if len(spark.sparkContext._jsc.sc().statusTracker().getExecutorInfos()) > 1:
            return True
        time.sleep(1.0)
    return False


def summarize_queues(app_id: str, queue: str, app: Dict[str, Any], watch: QueueWatch,
                     other: Optional[Dict[str, Any]], min_allocation_mb: int) -> Dict[str, Any]:
    samples = watch.samples
    last = samples[-1]["queues"] if samples else []
    own = next((q for q in last if q["queueName"] == queue), None)
    # how far this application's queue grew beyond its guaranteed share (absolute capacity, % of the cluster)
    ratios = [q["absoluteUsedCapacity"] / q["absoluteCapacity"] for s in samples for q in s["queues"]
              if q["queueName"] == queue and q.get("absoluteCapacity")]
    # the user limit the scheduler computed for this queue, against its guaranteed memory rounded up to whole
    # containers of the minimum allocation (what user-limit-factor 1 allows)
    limits = [(q["userResourceLimitMB"], q["guaranteedMB"]) for s in samples for q in s["queues"]
              if q["queueName"] == queue and q.get("userResourceLimitMB") and q.get("guaranteedMB")]
    peak_limit = max(limits, default=None)
    both = [s for s in samples if len({a["queue"] for a in s["apps"] if a["allocatedMB"] > 0}) >= 2]
    final_other = None
    if other is not None:
        try:
            final_other = labkit.yarn_rest(watch.base, f"/ws/v1/cluster/apps/{other['id']}").get("app", {})
        except Exception:  # noqa: BLE001
            final_other = other
    return {
        "applies": True,
        "application_id": app_id,
        "requested_queue": queue,
        "queue": app.get("queue"),
        "in_requested_queue": app.get("queue") == queue,
        "queue_names": sorted(q["queueName"] for q in last),
        "queues": last,
        "own_queue": own,
        "peak_used_over_capacity": round(max(ratios), 3) if ratios else None,
        "grew_past_capacity": bool(ratios) and max(ratios) > 1.0,
        "minimum_allocation_mb": min_allocation_mb,
        "peak_user_limit_mb": peak_limit[0] if peak_limit else None,
        "guaranteed_mb": peak_limit[1] if peak_limit else None,
        "user_limit_over_capacity": round(peak_limit[0] / (math.ceil(peak_limit[1] / min_allocation_mb) * min_allocation_mb), 3)
        if peak_limit else None,
        "other_app": None if final_other is None else {k: final_other.get(k) for k in
                                                         ("id", "name", "queue", "state", "startedTime", "finishedTime")},
        "started_ms": app.get("startedTime"),
        # the two steps' applications held containers, each in its own queue, in the same sample
        "samples_with_both_queues_allocated": len(both),
        "both_queues_at_once": bool(both),
        "sample_count": len(samples),
        "sample_errors": watch.errors[:5],
    }


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, trials: int, waves: int, long_ms: int, short_ms: int,
              other_wait_s: float = 90.0) -> Dict[str, Any]:
    sc = spark.sparkContext
    mode = sc.getConf().get("spark.scheduler.mode", "FIFO").upper()
    yarn: Dict[str, Any] = {"applies": False}
    watch = other = None
    if sc.master.startswith("yarn"):
        base = labkit.yarn_rm_url(spark)
        min_alloc = spark._jvm.org.apache.hadoop.yarn.conf.YarnConfiguration(sc._jsc.hadoopConfiguration()).getInt(
            "yarn.scheduler.minimum-allocation-mb", 1024)
        prefix = sc.appName.split(":")[0] + ":"          # the labs tool names each step's app <lab>:<step>
        queue = sc.getConf().get("spark.yarn.queue", "default")
        watch = QueueWatch(base, sc.applicationId, prefix)
        watch.start()
        if not wait_for_executor(spark, 120):
            watch.stop()
            app = labkit.yarn_rest(base, f"/ws/v1/cluster/apps/{sc.applicationId}").get("app", {})
            return {"mode": mode, "starved": True, "yarn": summarize_queues(sc.applicationId, queue, app, watch, None, min_alloc)}
        other = wait_for_other(base, sc.applicationId, prefix, other_wait_s)
    slots = max(2, sc.defaultParallelism)
    pools = live_pools(spark)

    # Warm-up: plan, compile and run both job shapes once, so trial 1 measures scheduling, not class loading.
    sc.setJobDescription("day1 scheduling: warm-up")
    try:
        sleeping_job(spark, slots, 1).collect()
        sleeping_job(spark, slots, 2).collect()
    finally:
        sc.setJobDescription(None)

    runs = [trial(spark, i, slots, waves, long_ms, short_ms) for i in range(trials)]
    first = sum(1 for r in runs if r["short_finished_first"])
    if watch is not None:
        watch.stop()
        app = labkit.yarn_rest(watch.base, f"/ws/v1/cluster/apps/{sc.applicationId}").get("app", {})
        yarn = summarize_queues(sc.applicationId, sc.getConf().get("spark.yarn.queue", "default"), app, watch, other,
                                min_alloc)
    return {
        "mode": mode,
        "starved": False,
        "yarn": yarn,
        "slots": slots,
        "allocation_file": sc.getConf().get("spark.scheduler.allocation.file", None),
        "pools": [p["name"] for p in pools],
        "pool_details": pools,
        "params": {"trials": trials, "waves": waves, "long_tasks": waves * slots, "long_task_ms": long_ms,
                   "short_tasks": slots, "short_task_ms": short_ms},
        # the checks read these: a majority of trials decides, so one disturbed trial cannot flip the answer
        "short_first_trials": first,
        "short_finished_first": first * 2 > trials,
        "short_latency_median_s": round(statistics.median(r["short_latency_s"] for r in runs), 3),
        "long_duration_median_s": round(statistics.median(r["long"]["duration_s"] for r in runs), 3),
        "short_pool": runs[0]["short"]["pools_seen"][0] if runs[0]["short"]["pools_seen"] else None,
        "short_pool_peak_running_tasks": max((r["short"]["pool_peak_running_tasks"] or 0 for r in runs), default=0)
        if mode == "FAIR" else None,
        "long_pool": runs[0]["long"]["pools_seen"][0] if runs[0]["long"]["pools_seen"] else None,
        "trials": runs,
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--allocation-file", default=None,
                       help="fair scheduler allocation file (pools); local path or s3:// URI")
        p.add_argument("--trials", type=int, default=3, help="long+short trials (the majority decides)")
        p.add_argument("--waves", type=int, default=8, help="long job tasks = waves x task slots")
        p.add_argument("--long-ms", type=int, default=400, help="sleep per task of the long job")
        p.add_argument("--short-ms", type=int, default=800, help="sleep per task of the short job")

    args = labkit.lab_args("day1-scheduling: FIFO vs FAIR scheduler pools", extra=extra, argv=argv)
    builder = SparkSession.builder
    # The allocation file is read when the SparkContext starts, so it goes into the builder (a path relative
    # to the lab becomes a step argument, where the engine can resolve {data}); FIFO ignores it.
    if args.allocation_file and SparkConf().get("spark.scheduler.allocation.file", None) is None:
        builder = builder.config("spark.scheduler.allocation.file", args.allocation_file)
    spark = builder.getOrCreate()
    result = transform(spark, args.trials, args.waves, args.long_ms, args.short_ms)
    labkit.write_result(spark, args.out, result)
    spark.stop()


if __name__ == "__main__":
    main()
