"""day1-instance-fleets: instance groups vs instance fleets, then a Spot-like node loss and what Spark does about it.

Two parts, one job:

1. The plans. `labs plan day1-instance-fleets --target emr [--fleets] --json` print the RunJobFlow requests this
   lab's cluster is created with, as instance groups and as instance fleets; their `Instances` parts are the lab's
   data (data/plans/groups.json, fleets.json, written by `node scripts/lab-plans.mjs`, kept equal to `labs plan` by a
   unit test). The job reads both and measures what differs: instance types per group/fleet, markets, allocation
   strategies, the Spot timeout, and whether both ask for the same capacity.

2. The loss. A shuffle is written by executors on both YARN nodes (job 1), then the node that does not host the
   driver is taken away, as a reclaimed Spot instance is, and the same shuffle is read again (job 2):
   --mode abrupt    the NodeManager stops (its executors and their shuffle files die with it);
   --mode graceful  first the Spot interruption notice: the node's executors get Spark's decommission signal
                    (spark.executor.decommission.signal, SIGPWR), and with spark.storage.decommission.* on they move
                    their shuffle blocks to the executors that stay before they exit; then the NodeManager stops.
   What Spark did is read back from its own status store (what /api/v1/applications/<id>/executors?status=all and
   /stages serve): executors lost and why, stage attempts > 0 (a shuffle map stage recomputed), failed tasks.
   The node is taken away through the sandbox's control endpoint, found in the cluster's Hadoop configuration
   (`labs.sandbox.control.url`, sandbox-only). Elsewhere (local[*], EMR) there is nothing to take away: the job
   runs both Spark jobs and records `loss.available: false`; the lab's loss checks are scoped to the sandbox.
   After the measurement the node is replaced (POST /nodes/{i}/replace), as EMR replenishes a fleet's capacity.
"""

import json
import os
import signal
import time
import urllib.request
from operator import add
from typing import Any, Dict, List, Optional

import labkit

CONTROL_URL_PROPERTY = "labs.sandbox.control.url"


# ------------------------------------------------------------------------------------------------ the plans


def _fleet_summary(fleet: Dict[str, Any]) -> Dict[str, Any]:
    specs = fleet.get("LaunchSpecifications") or {}
    spot = specs.get("SpotSpecification") or {}
    on_demand = specs.get("OnDemandSpecification") or {}
    types = [t["InstanceType"] for t in fleet.get("InstanceTypeConfigs", [])]
    weights = {t["InstanceType"]: t.get("WeightedCapacity", 1) for t in fleet.get("InstanceTypeConfigs", [])}
    timeout = spot.get("TimeoutDurationMinutes")
    return {
        "role": fleet.get("InstanceFleetType"),
        "instance_types": len(types),
        "types": types,
        "weights": weights,
        "target_on_demand": fleet.get("TargetOnDemandCapacity", 0),
        "target_spot": fleet.get("TargetSpotCapacity", 0),
        "spot_allocation_strategy": spot.get("AllocationStrategy"),
        "on_demand_allocation_strategy": on_demand.get("AllocationStrategy"),
        "spot_timeout_action": spot.get("TimeoutAction"),
        "spot_timeout_minutes": timeout,
        # EMR's range for the provisioning timeout (5..1440 minutes).
        "spot_timeout_minutes_valid": timeout is not None and 5 <= int(timeout) <= 1440,
    }


def compare_plans(groups_doc: Dict[str, Any], fleets_doc: Dict[str, Any]) -> Dict[str, Any]:
    """What the two RunJobFlow `Instances` documents ask for, side by side."""
    groups = groups_doc.get("InstanceGroups") or []
    fleets = fleets_doc.get("InstanceFleets") or []
    by_role_groups = {}
    for g in groups:
        entry = by_role_groups.setdefault(g["InstanceRole"], {"instances": 0, "types": set(), "markets": set()})
        entry["instances"] += g.get("InstanceCount", 0)
        entry["types"].add(g["InstanceType"])
        entry["markets"].add(g.get("Market", "ON_DEMAND"))
    fleet_summaries = {f["InstanceFleetType"]: _fleet_summary(f) for f in fleets}
    core_group = by_role_groups.get("CORE", {"instances": 0})
    core_fleet = fleet_summaries.get("CORE", {})
    core_fleet_units = core_fleet.get("target_on_demand", 0) + core_fleet.get("target_spot", 0)
    # With weights of 1 a fleet's target capacity is an instance count; with other weights it is units.
    unit_weights = all(w == 1 for w in (core_fleet.get("weights") or {}).values())
    return {
        "groups": {
            "roles": sorted(by_role_groups),
            "instance_types_per_group_max": max((len(v["types"]) for v in by_role_groups.values()), default=0),
            "markets": sorted({m for v in by_role_groups.values() for m in v["markets"]}),
            "core_instances": core_group["instances"],
            "has_fleets": bool(groups_doc.get("InstanceFleets")),
        },
        "fleets": {
            "roles": sorted(fleet_summaries),
            "core": core_fleet,
            "primary": fleet_summaries.get("MASTER", {}),
            "task": fleet_summaries.get("TASK"),
            "has_groups": bool(fleets_doc.get("InstanceGroups")),
        },
        "exclusive": bool(groups) and bool(fleets) and not groups_doc.get("InstanceFleets")
        and not fleets_doc.get("InstanceGroups"),
        "same_core_capacity": unit_weights and core_fleet_units == core_group["instances"],
        "core_spot_share": (core_fleet.get("target_spot", 0) / core_fleet_units) if core_fleet_units else None,
    }


def read_plan(spark, uri: str) -> Dict[str, Any]:
    text = labkit.read_text(spark, uri)
    if text is None:
        raise FileNotFoundError(f"{uri}: no plan there (node scripts/lab-plans.mjs writes it from `labs plan`)")
    return json.loads(text)


# ----------------------------------------------------------------------------------- Spark's own view


def _opt(option) -> Optional[Any]:
    return option.get() if option.isDefined() else None


def executors(sc) -> List[Dict[str, Any]]:
    """Every executor of the application, live or removed: the status store behind
    /api/v1/applications/<id>/executors?status=all (read in the driver: on YARN that REST API sits behind the
    ResourceManager's proxy)."""
    store = labkit.status_store(sc)
    out = []
    for e in labkit.scala_list(store.executorList(False)):
        if e.id() == "driver":
            continue
        attrs = e.attributes()
        out.append({
            "id": e.id(),
            "active": bool(e.isActive()),
            "remove_reason": _opt(e.removeReason()),
            "nm_http_port": _opt(attrs.get("NM_HTTP_PORT")),
            "container_id": _opt(attrs.get("CONTAINER_ID")),
            "total_tasks": e.totalTasks(),
            "failed_tasks": e.failedTasks(),
        })
    return out


def stages(sc, group: str) -> List[Dict[str, Any]]:
    """The stages of the jobs of a job group, each at its latest attempt (statusTracker, the public view of the
    store behind /api/v1/applications/<id>/stages). A job's last stage is its result stage; the others are the
    shuffle map stages it needs. A map stage whose output is all there is skipped (no task completes); one whose
    output was lost runs again for the missing partitions (as a new stage of the new job, or as attempt 1 of the
    same stage when the loss shows up as a fetch failure while it runs)."""
    tracker = sc.statusTracker()
    out = []
    for job_id in sorted(tracker.getJobIdsForGroup(group)):
        job = tracker.getJobInfo(job_id)
        if job is None:
            continue
        ids = sorted(job.stageIds)
        for stage_id in ids:
            s = tracker.getStageInfo(stage_id)
            if s is None:
                continue
            out.append({
                "job_id": job_id,
                "stage_id": s.stageId,
                "kind": "result" if stage_id == ids[-1] else "shuffle-map",
                "attempt_id": s.currentAttemptId,
                "name": s.name.split(" at ")[0],
                "num_tasks": s.numTasks,
                "num_complete_tasks": s.numCompletedTasks,
                "num_failed_tasks": s.numFailedTasks,
            })
    return out


def wait_for(predicate, timeout_s: float, every_s: float = 0.5) -> bool:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(every_s)
    return predicate()


# --------------------------------------------------------------------------------- taking a node away


def control_url(spark) -> Optional[str]:
    return spark.sparkContext._jsc.hadoopConfiguration().get(CONTROL_URL_PROPERTY)


def _control(url: str, method: str, path: str) -> Dict[str, Any]:
    req = urllib.request.Request(url.rstrip("/") + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read().decode("utf-8"))


def executor_pids(app_id: str, executor_ids: List[str]) -> Dict[str, int]:
    """The executor JVMs of this application on this machine (the sandbox's nodes are one machine): what a node's
    own agent would signal. Only the java process, not the shell YARN launched it from."""
    found: Dict[str, int] = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().decode("utf-8", "replace").split("\0")
        except OSError:
            continue
        if not argv or not argv[0].endswith("java") or "--executor-id" not in argv or "--app-id" not in argv:
            continue
        if argv[argv.index("--app-id") + 1] != app_id:
            continue
        eid = argv[argv.index("--executor-id") + 1]
        if eid in executor_ids:
            found[eid] = int(pid)
    return found


def take_node_away(spark, url: str, mode: str, notice_s: float, loss_wait_s: float) -> Dict[str, Any]:
    sc = spark.sparkContext
    status = _control(url, "GET", "/status")
    port_to_node = {n["httpAddress"].rsplit(":", 1)[1]: n["index"] for n in status["nodeManagers"]}
    driver_node = port_to_node.get(os.environ.get("NM_HTTP_PORT", ""))
    before = [e for e in executors(sc) if e["active"]]
    per_node: Dict[int, List[str]] = {}
    for e in before:
        node = port_to_node.get(e["nm_http_port"] or "")
        if node is not None:
            per_node.setdefault(node, []).append(e["id"])
    # The node to lose: not the driver's (on EMR the driver's ApplicationMaster stays on an On-Demand core node; Spot
    # goes to task nodes), the one with the most executors.
    candidates = [n for n in per_node if n != driver_node]
    if not candidates:
        return {"available": True, "taken": False, "reason": "no executor on a node without the driver",
                "driver_node": driver_node, "executors_per_node": per_node}
    node = max(candidates, key=lambda n: len(per_node[n]))
    victims = per_node[node]
    info: Dict[str, Any] = {
        "available": True, "taken": True, "mode": mode, "node": node, "driver_node": driver_node,
        "executors_per_node": {str(k): len(v) for k, v in per_node.items()},
        "executors_on_node": len(victims), "victims": victims,
    }

    def victims_gone() -> bool:
        return all(not e["active"] for e in executors(sc) if e["id"] in victims)

    started = time.time()
    if mode == "graceful":
        # The Spot interruption notice (EC2 gives two minutes): Spark's decommission signal to each executor there.
        pids = executor_pids(sc.applicationId, victims)
        for pid in pids.values():
            os.kill(pid, signal.SIGPWR)
        info["signalled"] = len(pids)
        info["drained_before_stop"] = wait_for(victims_gone, notice_s)
        info["notice_seconds_used"] = round(time.time() - started, 1)
    stop = _control(url, "POST", f"/nodes/{node}/stop")
    info["node_rm_state"] = stop.get("rmState")
    wait_for(victims_gone, loss_wait_s)
    info["loss_seconds"] = round(time.time() - started, 1)
    return info


# ------------------------------------------------------------------------------------------- the job


def shuffle_job(sc, partitions: int, rows: int, keys: int, reducers: int):
    def gen(p):
        return ((i % keys, 1) for i in range(p * rows, (p + 1) * rows))

    return sc.parallelize(range(partitions), partitions).flatMap(gen).reduceByKey(add, reducers)


def transform(spark, args) -> Dict[str, Any]:
    sc = spark.sparkContext
    conf = sc.getConf()
    result: Dict[str, Any] = {}
    if args.plans:
        plans = compare_plans(read_plan(spark, args.plans.rstrip("/") + "/groups.json"),
                              read_plan(spark, args.plans.rstrip("/") + "/fleets.json"))
        result["plans"] = plans
    result["decommission"] = {
        key.replace("spark.", "").replace(".", "_"): conf.get(key, "false") == "true"
        for key in ("spark.decommission.enabled", "spark.storage.decommission.enabled",
                    "spark.storage.decommission.shuffleBlocks.enabled")
    }
    if args.mode == "none":
        return result

    wanted = int(conf.get("spark.executor.instances", "0") or 0)
    url = control_url(spark)
    if url:
        wait_for(lambda: len([e for e in executors(sc) if e["active"]]) >= wanted, 120)
    pairs = shuffle_job(sc, args.partitions, args.rows, args.keys, args.reducers)
    expected_total = args.partitions * args.rows

    sc.setJobGroup("before", "job 1: the shuffle is written on both nodes")
    first = dict(pairs.collect())
    labkit.wait_for_listeners(sc, 10)
    stages_before = stages(sc, "before")

    loss: Dict[str, Any] = {"available": bool(url), "taken": False}
    if url:
        loss = take_node_away(spark, url, args.mode, args.notice_seconds, args.loss_wait_seconds)

    sc.setJobGroup("after", "job 2: the same shuffle read again after the node is gone")
    second = dict(pairs.collect())
    labkit.wait_for_listeners(sc, 10)
    stages_after = stages(sc, "after")
    map_after = [st for st in stages_after if st["kind"] == "shuffle-map"]
    execs = executors(sc)
    victims = set(loss.get("victims") or [])
    lost = [e for e in execs if e["id"] in victims and not e["active"]]
    if loss.get("taken"):
        # EMR replenishes the fleet's capacity after a reclaim; the sandbox replaces the node the same way (a new
        # NodeManager), so the cluster has its nodes again for the next step.
        loss["replacement_rm_state"] = _control(url, "POST", f"/nodes/{loss['node']}/replace").get("rmState")
        loss["executors_lost"] = len(lost)
        loss["remove_reasons"] = sorted({e["remove_reason"] or "" for e in lost})
        loss["all_decommissioned"] = bool(lost) and all("decommission" in (e["remove_reason"] or "").lower()
                                                        for e in lost)
    result["loss"] = loss
    result["before"] = {
        "map_tasks": sum(st["num_complete_tasks"] for st in stages_before if st["kind"] == "shuffle-map"),
    }
    result["after"] = {
        # job 2 needs the shuffle of job 1: every map task it runs recomputes output that was lost with a node
        "map_tasks_rerun": sum(st["num_complete_tasks"] for st in map_after),
        "map_stages_skipped": len([st for st in map_after if st["num_complete_tasks"] == 0]),
        "stages_reattempted": len([st for st in stages_after if st["attempt_id"] > 0]),
        "failed_tasks": sum(st["num_failed_tasks"] for st in stages_after),
        "correct": sum(second.values()) == expected_total and second == first and len(second) == args.keys,
    }
    result["stages"] = {"before": stages_before, "after": stages_after}
    result["executors"] = execs
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--plans", default=None, help="folder with groups.json and fleets.json (labs plan's Instances)")
        p.add_argument("--mode", choices=["none", "abrupt", "graceful"], default="none",
                       help="none: the plans only; abrupt/graceful: a node taken away between two Spark jobs")
        p.add_argument("--partitions", type=int, default=12)
        p.add_argument("--rows", type=int, default=50_000)
        p.add_argument("--keys", type=int, default=1000)
        p.add_argument("--reducers", type=int, default=6)
        p.add_argument("--notice-seconds", type=float, default=60, help="graceful: time to drain before the stop")
        p.add_argument("--loss-wait-seconds", type=float, default=60)

    labkit.run_step("day1-instance-fleets: groups vs fleets, a Spot-like node loss", extra, transform, argv)


if __name__ == "__main__":
    main()
