"""moto's EMR, extended where the sandbox makes clusters and steps real (installed once, before the server starts).

moto keeps clusters and steps as state that never moves (a cluster is WAITING at once, a step RUNNING for ever, no
CancelSteps, no auto-termination). Here RunJobFlow starts a ClusterRuntime (runtime.py) that owns the cluster's
state from then on; the rest of moto's EMR (tags, ListClusters, instance groups, the wire format) is kept.
"""
from __future__ import annotations

import threading
from typing import Any

from moto.core.responses import ActionResult
from moto.emr import models, responses
from moto.emr.exceptions import ValidationException

from .runtime import RUNTIMES, ClusterRuntime, active_runtimes
from .settings import LOCK, settings

_request = threading.local()
_ORIGINAL = {
    "run_job_flow": models.ElasticMapReduceBackend.run_job_flow,
    "add_job_flow_steps": models.ElasticMapReduceBackend.add_job_flow_steps,
    "modify_cluster": models.ElasticMapReduceBackend.modify_cluster,
    "resp_run_job_flow": responses.ElasticMapReduceResponse.run_job_flow,
}
BAD_WITH_CONCURRENCY = ("CANCEL_AND_WAIT", "TERMINATE_CLUSTER", "TERMINATE_JOB_FLOW")
MAX_STEPS = 256


def _check_actions(level: int, steps: list[dict]) -> None:
    """EMR refuses these ActionOnFailure values on a cluster that runs steps side by side."""
    if int(level or 1) > 1 and any(s.get("action_on_failure", "TERMINATE_CLUSTER") in BAD_WITH_CONCURRENCY for s in steps):
        raise ValidationException("ActionOnFailure setting is not valid for a cluster with StepConcurrencyLevel greater than 1.")


# -- models: state owned by the runtime ---------------------------------------------------------------------------
def _bootstrap_later(self: models.Cluster) -> None:
    # The runtime moves STARTING -> BOOTSTRAPPING -> WAITING once YARN is up; nothing happens at construction.
    self.state = "STARTING"


def _queue_steps(self: models.Cluster, steps: list[dict[str, Any]]) -> list[models.Step]:
    added = [models.Step(state="PENDING", **step) for step in steps]
    with LOCK:
        self.steps.extend(added)
    return added


def _terminate(self: models.Cluster) -> None:
    runtime = RUNTIMES.get(self.id)
    if runtime is None:
        self.state = "TERMINATED"
        return
    runtime.request_termination("USER_REQUEST", "Terminated by user request")


def _cluster_status(self: models.Cluster) -> dict[str, Any]:
    reason = {"Message": getattr(self, "last_state_change_reason", None)}
    code = getattr(self, "state_change_code", None)
    if code:
        reason["Code"] = code
    return {
        "State": self.state,
        "StateChangeReason": reason,
        "Timeline": {"CreationDateTime": self.creation_datetime, "EndDateTime": self.end_datetime, "ReadyDateTime": self.ready_datetime},
    }


def _step_status(self: models.Step) -> dict[str, Any]:
    status = {
        "State": self.state,
        "StateChangeReason": {"Message": getattr(self, "last_state_change_reason", None)},
        "Timeline": {"CreationDateTime": self.creation_date_time, "EndDateTime": self.end_date_time, "StartDateTime": self.start_date_time},
    }
    details = getattr(self, "failure_details", None)
    if details:
        status["FailureDetails"] = details
    return status


# -- backend --------------------------------------------------------------------------------------------------------
def run_job_flow(self: models.ElasticMapReduceBackend, **kwargs: Any) -> models.Cluster:
    _check_actions(kwargs.get("step_concurrency_level", 1), kwargs.get("steps", []))
    policy = getattr(_request, "auto_termination", None) or {}
    idle = policy.get("IdleTimeout")
    if idle is not None and not (settings().min_idle_timeout_s <= int(idle) <= 604800):
        raise ValidationException(f"IdleTimeout {idle} is out of range: it must be between 60 and 604800 seconds.")
    with LOCK:
        # A TERMINATING cluster is on its way out (the new one's start waits for it: runtime.py), not in the way: the
        # idle one this request or the one before it asked to end must not refuse the next lab while its YARN stops.
        busy = [r for r in active_runtimes() if r.cluster.state != "TERMINATING" and (r.cluster.state != "WAITING" or any(s.state in ("PENDING", "RUNNING") for s in r.cluster.steps))]
        if busy:
            raise ValidationException(
                f"the sandbox runs one cluster at a time (it must fit in 8 GiB) and {busy[0].cluster.id} is {busy[0].cluster.state}: "
                "wait for its steps, or terminate it (`labs cluster down`)"
            )
        # One idle cluster of another shape makes room for the new one, as an instructor would end it by hand.
        for idle_runtime in active_runtimes():
            idle_runtime.request_termination("USER_REQUEST", "Terminated by the sandbox to make room for a new cluster")
        cluster = _ORIGINAL["run_job_flow"](self, **kwargs)
        for step in cluster.steps:
            step.start_date_time = None
        cluster.auto_termination_policy = {"IdleTimeout": int(idle)} if idle is not None else None
        runtime = ClusterRuntime(cluster, int(idle) if idle is not None else None)
        RUNTIMES[cluster.id] = runtime
    runtime.thread.start()
    return cluster


def add_job_flow_steps(self: models.ElasticMapReduceBackend, job_flow_id: str, steps: list[dict[str, Any]]) -> list[models.Step]:
    cluster = self.describe_cluster(job_flow_id)
    if cluster.state not in ("STARTING", "BOOTSTRAPPING", "RUNNING", "WAITING"):
        raise ValidationException("A job flow that is shutting down, terminated, or finished may not be modified.")
    _check_actions(cluster.step_concurrency_level, steps)
    if len(cluster.steps) + len(steps) > MAX_STEPS:
        raise ValidationException(f"Maximum number of steps for cluster exceeded ({MAX_STEPS}).")
    return _ORIGINAL["add_job_flow_steps"](self, job_flow_id, steps)


def modify_cluster(self: models.ElasticMapReduceBackend, cluster_id: str, step_concurrency_level: int) -> models.Cluster:
    cluster = self.describe_cluster(cluster_id)
    if int(step_concurrency_level or 1) > 1 and any(s.action_on_failure in BAD_WITH_CONCURRENCY and s.state in ("PENDING", "RUNNING") for s in cluster.steps):
        raise ValidationException("ActionOnFailure setting is not valid for a cluster with StepConcurrencyLevel greater than 1.")
    return _ORIGINAL["modify_cluster"](self, cluster_id, step_concurrency_level)


def cancel_steps(self: models.ElasticMapReduceBackend, cluster_id: str, step_ids: list[str]) -> list[dict]:
    cluster = self.describe_cluster(cluster_id)
    runtime = RUNTIMES.get(cluster.id)
    if runtime is None:
        return [{"StepId": s, "Status": "FAILED", "Reason": "the cluster has no runtime"} for s in step_ids]
    return runtime.cancel_steps(step_ids)


# -- responses ------------------------------------------------------------------------------------------------------
def resp_run_job_flow(self: responses.ElasticMapReduceResponse) -> ActionResult:
    _request.auto_termination = self._get_param("AutoTerminationPolicy") or {}
    try:
        return _ORIGINAL["resp_run_job_flow"](self)
    finally:
        _request.auto_termination = None


def resp_cancel_steps(self: responses.ElasticMapReduceResponse) -> ActionResult:
    infos = self.backend.cancel_steps(self._get_param("ClusterId"), self._get_param("StepIds", []))
    return ActionResult({"CancelStepsInfoList": infos})


def resp_get_auto_termination_policy(self: responses.ElasticMapReduceResponse) -> ActionResult:
    cluster = self.backend.describe_cluster(self._get_param("ClusterId"))
    policy = getattr(cluster, "auto_termination_policy", None)
    return ActionResult({"AutoTerminationPolicy": policy} if policy else {})


def install() -> None:
    models.Cluster.run_bootstrap_actions = _bootstrap_later
    models.Cluster.add_steps = _queue_steps
    models.Cluster.terminate = _terminate
    models.Cluster.status = property(_cluster_status)
    models.Step.status = property(_step_status)
    models.ElasticMapReduceBackend.run_job_flow = run_job_flow
    models.ElasticMapReduceBackend.add_job_flow_steps = add_job_flow_steps
    models.ElasticMapReduceBackend.modify_cluster = modify_cluster
    models.ElasticMapReduceBackend.cancel_steps = cancel_steps
    responses.ElasticMapReduceResponse.run_job_flow = resp_run_job_flow
    responses.ElasticMapReduceResponse.cancel_steps = resp_cancel_steps
    responses.ElasticMapReduceResponse.get_auto_termination_policy = resp_get_auto_termination_policy
