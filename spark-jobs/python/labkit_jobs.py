"""labkit_jobs: the jobs, stages and tasks one action ran, as labkit.record_jobs returns them.

Its own module because it is its own concern (the driver's status tracker and the UI's REST API), shipped next to
labkit.py with spark-submit --py-files; labkit re-exports its public names, so a job imports labkit only.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
import urllib.request
from typing import Any, Dict, Iterator, List, Optional

__all__ = ["JobRecord", "record_jobs", "group_cpu_seconds", "wait_for_listeners", "sum_or_none"]

# ----------------------------------------------------------------------------------- jobs, stages, tasks
#
# How an action's jobs/stages/tasks are recorded, and why this way:
#
# * The action runs inside a job group (SparkContext.setJobGroup): every job it submits carries the group
#   id, so statusTracker().getJobIdsForGroup(group) returns exactly that action's jobs, including the
#   extra ones Spark submits on its own (a broadcast's collect, an orderBy's sampling job, AQE's query
#   stages), and the description shows in the Jobs tab of the UI.
# * statusTracker() is public, in-process API over the same status store that feeds the Spark UI. It works
#   wherever the driver runs (local, YARN client or cluster mode on EMR) without any network access.
#   The store is filled asynchronously by a listener, so right after the action returns the last events may
#   not be processed yet: we wait for the listener bus to drain (LiveListenerBus.waitUntilEmpty, the hook
#   Spark's own tests use), then poll until every job of the group is finished.
# * The tasks' I/O (inputMetrics.bytesRead/recordsRead, outputMetrics.bytesWritten/recordsWritten) is read from the
#   driver's status store (AppStatusStore.lastStageAttempt, the store behind the Stages tab): executors measure it
#   per task and send it with each task's end, so it is the executors' I/O in every deploy mode. A Hadoop
#   FileSystem's own statistics, by contrast, live in the JVM that did the I/O: read in the driver they cover
#   the executors only when they share its JVM (local[*]).
# * statusTracker has no "skipped" state and no shuffle metrics. A stage of a finished job that completed
#   no task and has none running was skipped: its shuffle output already existed. The UI's REST API
#   (uiWebUrl + /api/v1/applications/<app>/stages) reports the status itself and the shuffle read/write
#   bytes; we ask it when it answers (locally it does) and record null otherwise. We do not depend on it:
#   on YARN the UI sits behind the ResourceManager's web proxy (AmIpFilter redirects), or may be disabled.

_group_counter = itertools.count(1)
# REST enrichment state: give up after two failures (the first request also pays the lazy start of the
# UI's REST servlet, which takes seconds on a busy machine, hence the generous timeout).
_rest_state: Dict[str, Any] = {"failures": 0, "last_error": None, "warmed": False}
_REST_TIMEOUT_S = 15
_REST_MAX_FAILURES = 2


def wait_for_listeners(sc, timeout_s: float) -> None:
    """Wait (at most timeout_s) until the driver's listener bus has delivered every event: the status store and
    statusTracker() are filled from it asynchronously, so read them only after this."""
    try:
        sc._jsc.sc().listenerBus().waitUntilEmpty(int(timeout_s * 1000))
    except Exception:  # noqa: BLE001 - not reachable on some builds; the poll below still settles
        time.sleep(0.5)


def status_store(sc, timeout_s: float = 10.0):
    """The driver's status store (AppStatusStore: the data behind the UI and REST /api/v1), once the listener bus
    has delivered every event. Read in-process, so the same in YARN cluster mode, where the UI sits behind the
    ResourceManager's proxy."""
    wait_for_listeners(sc, timeout_s)
    return sc._jsc.sc().statusStore()


def group_cpu_seconds(spark, group: str) -> float:
    """Executor CPU time (s) of the JVM task threads of every stage of every job in a job group.

    executorCpuTime is thread CPU time (ThreadMXBean), so unlike wall time it barely moves when other processes
    compete for the cores: the measure for a speed-up on a shared machine. It is read from the driver's status
    store, the in-process store behind the UI's Stages tab and REST API (AppStatusStore.lastStageAttempt): no HTTP,
    and the same in YARN cluster mode. Python worker processes are not JVM threads: their CPU is not included.
    """
    sc = spark.sparkContext
    store = status_store(sc)
    tracker = sc.statusTracker()
    nanos = 0
    for job_id in tracker.getJobIdsForGroup(group):
        info = tracker.getJobInfo(job_id)
        for stage_id in (info.stageIds if info else []):
            try:
                nanos += int(store.lastStageAttempt(int(stage_id)).executorCpuTime())
            except Exception:  # noqa: BLE001 - a skipped stage never ran and has no attempt data
                pass
    return nanos / 1e9


def _warm_rest(sc) -> None:
    """Start the UI's REST servlet in the background (once) while the first recorded action runs, so that
    reading the stages afterwards does not wait for it."""
    if _rest_state["warmed"] or not sc.uiWebUrl:
        return
    _rest_state["warmed"] = True
    url = f"{sc.uiWebUrl.rstrip('/')}/api/v1/version"

    def ping() -> None:
        try:
            urllib.request.urlopen(url, timeout=60).close()  # noqa: S310 - our own driver's UI
        except Exception:  # noqa: BLE001 - _rest_stages reports problems
            pass

    threading.Thread(target=ping, name="labkit-rest-warmup", daemon=True).start()


def _rest_stages(sc) -> Optional[Dict[int, Dict[str, Any]]]:
    """stageId -> the REST API's data for its latest attempt, or None if the UI does not answer."""
    if _rest_state["failures"] >= _REST_MAX_FAILURES:
        return None
    url = sc.uiWebUrl
    if not url:
        _rest_state["failures"] = _REST_MAX_FAILURES
        _rest_state["last_error"] = "the Spark UI is disabled (spark.ui.enabled=false)"
        return None
    try:
        api = f"{url.rstrip('/')}/api/v1/applications/{sc.applicationId}/stages"
        with urllib.request.urlopen(api, timeout=_REST_TIMEOUT_S) as resp:  # noqa: S310 - our own driver's UI
            data = json.load(resp)
    except Exception as err:  # noqa: BLE001 - optional enrichment: note it, never fail the lab on it
        _rest_state["failures"] += 1
        _rest_state["last_error"] = f"Spark UI REST API not reachable: {err}"
        return None
    _rest_state["failures"] = 0
    _rest_state["last_error"] = None
    by_stage: Dict[int, Dict[str, Any]] = {}
    for stage in data:
        sid = int(stage["stageId"])
        if sid not in by_stage or stage.get("attemptId", 0) >= by_stage[sid].get("attemptId", 0):
            by_stage[sid] = stage
    return by_stage


class JobRecord:
    """What one recorded action did; filled in when the `with record_jobs(...)` block ends."""

    def __init__(self, label: str, group: str, description: str):
        self.label = label
        self.group = group
        self.description = description
        self.seconds: Optional[float] = None
        self.job_ids: List[int] = []
        self.stages: List[Dict[str, Any]] = []  # one per stage, by stage id
        self.rest_note: Optional[str] = None

    @property
    def stages_run(self) -> List[Dict[str, Any]]:
        return [s for s in self.stages if s["status"] != "skipped"]

    @property
    def stages_skipped(self) -> List[Dict[str, Any]]:
        return [s for s in self.stages if s["status"] == "skipped"]

    @property
    def tasks_per_stage(self) -> List[int]:
        """Tasks each stage that ran completed, in stage-id order."""
        return [s["completed_tasks"] for s in self.stages_run if s["completed_tasks"] is not None]

    def summary(self) -> Dict[str, Any]:
        """Plain scalars first (what checks read), then the per-stage list (what the student reads)."""
        return {
            "description": self.description,
            "seconds": None if self.seconds is None else round(self.seconds, 3),
            "jobs": len(self.job_ids),
            "job_ids": self.job_ids,
            "stages": len(self.stages),
            "stages_run": len(self.stages_run),
            "stages_skipped": len(self.stages_skipped),
            "skipped_stage_ids": [s["stage_id"] for s in self.stages_skipped],
            "tasks": sum(self.tasks_per_stage),
            "tasks_per_stage": self.tasks_per_stage,
            "shuffle_write_bytes": sum_or_none(s["shuffle_write_bytes"] for s in self.stages),
            "shuffle_read_bytes": sum_or_none(s["shuffle_read_bytes"] for s in self.stages),
            # CPU the tasks used, summed over stages: unlike wall time it barely grows when other programs
            # compete for the cores, so it shows the work an action costs (null without the REST API)
            "executor_cpu_ms": sum_or_none(s["executor_cpu_ms"] for s in self.stages),
            # what the tasks read and wrote, as the executors measured it (the same in every deploy mode)
            **{k: sum_or_none(s[k] for s in self.stages) for k in TASK_IO_KEYS},
            "stage_list": self.stages,
            **({"rest_api": self.rest_note} if self.rest_note else {}),
        }


def sum_or_none(values) -> Optional[float]:
    """The sum of per-stage numbers, or None when any of them is unknown (a partial sum would mislead)."""
    values = list(values)
    if any(v is None for v in values):
        return None
    total = sum(values)
    return int(total) if all(isinstance(v, int) for v in values) else round(total, 1)


#: per-stage task I/O keys (executor task metrics), summed over the stages in JobRecord.summary()
TASK_IO_KEYS = ("input_bytes", "input_records_read", "output_bytes", "output_records")

_NO_NUMBERS = {
    key: None
    for key in (
        "name", "tasks", "completed_tasks", "failed_tasks", "attempt", "shuffle_read_bytes", "shuffle_write_bytes",
        "input_records", "spill_disk_bytes", "executor_run_ms", "executor_cpu_ms",
        *TASK_IO_KEYS,
    )
}


def _task_io(store, stage_id: int, skipped: bool) -> Dict[str, Optional[int]]:
    """The stage's task I/O as the executors reported it (see the note at the top); a skipped stage ran no task."""
    if skipped:
        return {k: 0 for k in TASK_IO_KEYS}
    try:
        data = store.lastStageAttempt(int(stage_id))
    except Exception:  # noqa: BLE001 - dropped from the store (spark.ui.retainedStages): unknown, not zero
        return {k: None for k in TASK_IO_KEYS}
    return {
        "input_bytes": int(data.inputBytes()),
        "input_records_read": int(data.inputRecords()),
        "output_bytes": int(data.outputBytes()),
        "output_records": int(data.outputRecords()),
    }


def _collect(sc, record: JobRecord, timeout_s: float) -> None:
    tracker = sc.statusTracker()
    deadline = time.monotonic() + timeout_s
    wait_for_listeners(sc, timeout_s)
    while True:
        job_ids = sorted(int(j) for j in tracker.getJobIdsForGroup(record.group))
        infos = [tracker.getJobInfo(j) for j in job_ids]
        done = all(i is not None and i.status in ("SUCCEEDED", "FAILED") for i in infos)
        if done or time.monotonic() > deadline:
            break
        time.sleep(0.1)

    stage_jobs: Dict[int, List[int]] = {}
    job_ok: Dict[int, bool] = {}
    for job_id, info in zip(job_ids, infos):
        if info is None:
            continue
        job_ok[job_id] = info.status in ("SUCCEEDED", "FAILED")
        for sid in info.stageIds:
            stage_jobs.setdefault(int(sid), []).append(job_id)

    store = sc._jsc.sc().statusStore()
    rest = _rest_stages(sc)
    record.rest_note = None if rest is not None else _rest_state["last_error"]
    stages = []
    for sid in sorted(stage_jobs):
        info = tracker.getStageInfo(sid)
        if info is None:  # dropped from the store (spark.ui.retainedStages): keep the id, no numbers
            stages.append({"stage_id": sid, "job_ids": stage_jobs[sid], "status": "unknown", **_NO_NUMBERS})
            continue
        finished = all(job_ok.get(j, False) for j in stage_jobs[sid])
        inferred = (
            "skipped"
            if finished and info.numCompletedTasks == 0 and info.numActiveTasks == 0 and info.numTasks > 0
            else ("complete" if info.numCompletedTasks >= info.numTasks else "incomplete")
        )
        r = (rest or {}).get(sid)
        status = str(r["status"]).lower() if r else inferred
        stages.append(
            {
                "stage_id": sid,
                "job_ids": stage_jobs[sid],
                "name": info.name,
                "status": status,
                "tasks": int(info.numTasks),  # = partitions of the RDD this stage computes
                "completed_tasks": int(info.numCompletedTasks),
                "failed_tasks": int(info.numFailedTasks),
                "attempt": int(info.currentAttemptId),
                "shuffle_read_bytes": int(r["shuffleReadBytes"]) if r else None,
                "shuffle_write_bytes": int(r["shuffleWriteBytes"]) if r else None,
                "input_records": int(r["inputRecords"]) if r else None,
                "spill_disk_bytes": int(r["diskBytesSpilled"]) if r else None,
                "executor_run_ms": int(r["executorRunTime"]) if r else None,
                "executor_cpu_ms": round(int(r["executorCpuTime"]) / 1e6, 1) if r else None,
                **_task_io(store, sid, status == "skipped"),
            }
        )
    record.job_ids = job_ids
    record.stages = stages


@contextlib.contextmanager
def record_jobs(spark, label: str, description: Optional[str] = None, timeout_s: float = 30.0) -> Iterator[JobRecord]:
    """Record the jobs, stages and tasks of the action(s) run inside the block.

        with record_jobs(spark, "wide", "groupBy + join") as rec:
            rows = df.collect()
        rec.summary()   # {'jobs': 1, 'stages': 5, 'tasks_per_stage': [6, 5, 6, 8, 8], ...}

    The description is what the Jobs tab of the Spark UI shows for these jobs. Not thread-safe: run one
    recorded block at a time (job groups are per thread, the counter and REST state are per module).
    """
    sc = spark.sparkContext
    group = f"labkit-{label}-{next(_group_counter)}"
    record = JobRecord(label, group, description or label)
    _warm_rest(sc)
    sc.setJobGroup(group, record.description)
    start = time.perf_counter()
    try:
        yield record
        record.seconds = time.perf_counter() - start
    finally:
        # Clear the group so later, unrelated jobs are not counted in this one.
        sc.setLocalProperty("spark.jobGroup.id", None)
        sc.setLocalProperty("spark.job.description", None)
    _collect(sc, record, timeout_s)
