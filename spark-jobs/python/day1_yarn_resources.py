"""Lab day1-yarn-resources: sizing executors for YARN on EMR.

The job does three things:

1. effective  Reads the executor and driver settings this application really got (SparkConf: what spark-submit,
              spark-defaults.conf and the lab's --conf produced) and the executors the driver knows about (the
              status store behind the UI's Executors tab and the REST API's /executors endpoint).
2. sizing     Reproduces the README's arithmetic for one node type from the same inputs: node vCPUs and YARN
              memory (the yarn-site values), spark.executor.cores, Spark's overhead rule
              max(384 MB, 10% of executor memory), YARN's rounding of container requests. It derives the executor
              memory that fills a node, compares it with the configured one, and counts the executors a cluster
              of N core nodes can hold once the driver (cluster deploy mode: the YARN application master) has
              taken its container.
3. yarn-site  On EMR it also reports the NodeManager settings the driver sees in yarn-site.xml, so the
              arithmetic can be compared with the cluster's real values (locally there is no yarn-site.xml).
4. yarn       On YARN (sandbox, EMR): what the application really got, measured. The ResourceManager's REST API
              (its address from the driver's Hadoop conf) gives every container of this application (size, vcores,
              node), the nodes (memory and vcores each offers) and the scheduler; Spark's status store gives the
              executors it registered. From those alone the job derives what must hold: a container is
              roundup(heap + overhead, yarn.scheduler.minimum-allocation-mb), a node holds
              min(floor(free memory / container), floor(free vcores / cores)) executors, the cluster grants
              min(requested, what fits). Finally it asks the ResourceManager for one container above
              yarn.scheduler.maximum-allocation-mb and records YARN's refusal.

Run: spark-submit --py-files labkit.py day1_yarn_resources.py --out DIR --instance-type m5.xlarge --vcpus 4
     --memory-gib 16 --yarn-memory-mb 12288 --yarn-vcores 4 --core-nodes 2
"""

from __future__ import annotations

import json
import math
import re
import time
from typing import Any, Dict, List, Optional

from pyspark.sql import SparkSession

import labkit

MIB = 1024 * 1024
#: Spark's defaults for the memory overhead of a YARN container (spark.executor.memoryOverheadFactor,
#: and the 384 MiB floor, MEMORY_OVERHEAD_MIN in org.apache.spark.deploy.yarn / ResourceProfile)
OVERHEAD_FACTOR_DEFAULT = 0.10
OVERHEAD_MIN_MB = 384
#: executor memory is rounded down to this step when derived from a node's budget (whole half-GiBs read well)
ROUND_DOWN_MB = 512

# ------------------------------------------------------------------------------------------ conf helpers

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)b?\s*$", re.IGNORECASE)


def to_mb(value: Optional[str], default_unit: str = "m") -> Optional[int]:
    """Spark's memory strings ('5g', '512m', '5120', '2048k') in MiB; a bare number is MiB for
    spark.*.memory and spark.*.memoryOverhead, like Spark itself reads them."""
    if value is None:
        return None
    m = _SIZE.match(str(value))
    if not m:
        raise ValueError(f"not a memory size: {value!r}")
    number, unit = float(m.group(1)), (m.group(2) or default_unit).lower()
    factor = {"k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}[unit]
    return int(number * factor)


def round_up(value: int, step: int) -> int:
    return int(math.ceil(value / step) * step)


def overhead_mb(executor_mb: int, factor: float) -> int:
    """Spark on YARN: memoryOverhead = max(384 MiB, factor x executor memory) unless set explicitly."""
    return max(OVERHEAD_MIN_MB, int(factor * executor_mb))


# ------------------------------------------------------------------------------------------------ parts


SETTINGS = {
    # alias (check-friendly) -> Spark key
    "executor_cores": "spark.executor.cores",
    "executor_instances": "spark.executor.instances",
    "executor_memory": "spark.executor.memory",
    "executor_memory_overhead": "spark.executor.memoryOverhead",
    "driver_memory": "spark.driver.memory",
    "driver_cores": "spark.driver.cores",
    "dynamic_allocation": "spark.dynamicAllocation.enabled",
    "min_executors": "spark.dynamicAllocation.minExecutors",
    "max_executors": "spark.dynamicAllocation.maxExecutors",
    "default_parallelism": "spark.default.parallelism",
}


def effective_settings(spark: SparkSession) -> Dict[str, Any]:
    """What this application runs with, from SparkConf (the Environment tab shows the same list)."""
    conf = spark.sparkContext.getConf()
    values = {alias: conf.get(key, None) for alias, key in SETTINGS.items()}
    values["keys"] = SETTINGS
    values["executor_memory_mb"] = to_mb(values["executor_memory"])
    values["executor_memory_overhead_mb"] = to_mb(values["executor_memory_overhead"])
    values["driver_memory_mb"] = to_mb(values["driver_memory"])
    values["master"] = spark.sparkContext.master
    values["deploy_mode"] = conf.get("spark.submit.deployMode", "client")
    # Local mode runs tasks in the driver JVM: the executor settings are carried, not applied.
    values["applied_here"] = not spark.sparkContext.master.startswith("local")
    return values


def executors(spark: SparkSession) -> Dict[str, Any]:
    """The executors the driver knows, from its status store: the data of the Executors tab and of
    GET /api/v1/applications/<app-id>/executors (no HTTP needed, so it works behind YARN's proxy too)."""
    sc = spark.sparkContext
    rows = []
    for e in labkit.scala_list(labkit.status_store(sc).executorList(True)):
        rows.append({
            "id": str(e.id()),
            "host_port": str(e.hostPort()),
            "total_cores": int(e.totalCores()),
            "max_tasks": int(e.maxTasks()),
            "storage_memory_mb": round(int(e.maxMemory()) / MIB, 1),
        })
    heap_mb = int(spark._jvm.java.lang.Runtime.getRuntime().maxMemory()) / MIB
    fraction = float(sc.getConf().get("spark.memory.fraction", "0.6"))
    return {
        "count": len(rows),
        "non_driver": sum(1 for r in rows if r["id"] != "driver"),
        "total_cores": sum(r["total_cores"] for r in rows),
        "list": rows,
        "rest_url": f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}/executors" if sc.uiWebUrl else None,
        # Unified memory: (heap - 300 MiB reserved) x spark.memory.fraction is what execution and storage
        # share; the Executors tab's "Storage Memory" column shows it (Day 2, memory management).
        "driver_heap_mb": round(heap_mb, 1),
        "unified_memory_mb": round((heap_mb - 300) * fraction, 1),
    }


def sizing(node: Dict[str, Any], executor_cores: int, driver_mb: int, driver_cores: int,
           overhead_factor: float, configured_executor_mb: Optional[int],
           configured_overhead_mb: Optional[int]) -> Dict[str, Any]:
    """The README's arithmetic, step by step, for one node type and N identical core nodes."""
    yarn_mb, yarn_vcores, step = node["yarn_memory_mb"], node["yarn_vcores"], node["min_allocation_mb"]

    by_cores = yarn_vcores // executor_cores                        # 4 // 2 = 2
    budget = yarn_mb // by_cores                                    # 12288 // 2 = 6144
    executor_mb = int(budget / (1 + overhead_factor)) // ROUND_DOWN_MB * ROUND_DOWN_MB   # 5585 -> 5120
    overhead = overhead_mb(executor_mb, overhead_factor)            # max(384, 512) = 512
    container = round_up(executor_mb + overhead, step)              # 5632
    by_memory = yarn_mb // container                                # 2
    per_node = min(by_cores, by_memory)

    driver_container = round_up(driver_mb + overhead_mb(driver_mb, overhead_factor), step)  # 2048+384 = 2432
    # In cluster deploy mode the driver is the YARN application master: its container lands on one core
    # node. How many executors still fit next to it, by memory and by vcores?
    beside_driver = min((yarn_mb - driver_container) // container, (yarn_vcores - driver_cores) // executor_cores)
    beside_driver = max(0, min(per_node, beside_driver))
    nodes = node["core_nodes"]
    cluster_executors = (nodes - 1) * per_node + beside_driver

    out = {
        "inputs": {**node, "executor_cores": executor_cores, "overhead_factor": overhead_factor,
                   "overhead_min_mb": OVERHEAD_MIN_MB, "driver_memory_mb": driver_mb, "driver_cores": driver_cores},
        "executors_per_node_by_cores": by_cores,
        "container_budget_mb": budget,
        "executor_memory_mb": executor_mb,
        "executor_memory_overhead_mb": overhead,
        "executor_container_mb": container,
        "executors_per_node_by_memory": by_memory,
        "executors_per_node": per_node,
        "node_memory_used_mb": per_node * container,
        "node_memory_free_mb": yarn_mb - per_node * container,
        "os_and_daemons_mb": node["memory_gib"] * 1024 - yarn_mb,
        "driver_container_mb": driver_container,
        "executors_beside_driver": beside_driver,
        "cluster_executors": cluster_executors,
        "cluster_executor_cores": cluster_executors * executor_cores,
        "cluster_executor_memory_mb": cluster_executors * executor_mb,
    }
    # Does the configuration in lab.yaml follow the arithmetic?
    out["configured_executor_memory_mb"] = configured_executor_mb
    out["configured_overhead_mb"] = configured_overhead_mb
    out["conf_matches_sizing"] = configured_executor_mb == executor_mb and (
        configured_overhead_mb in (None, overhead)
    )
    return out


def maximize_resource_allocation(node: Dict[str, Any]) -> Dict[str, Any]:
    """Roughly what EMR's `spark` classification maximizeResourceAllocation=true would configure: ONE executor per
    node with all its vcores and most of its YARN memory. EMR computes the exact numbers from the instance
    types when the cluster starts (look in /etc/spark/conf/spark-defaults.conf); this is the same idea."""
    budget = node["yarn_memory_mb"]
    executor_mb = int(budget / (1 + OVERHEAD_FACTOR_DEFAULT))
    return {
        "executors_per_node": 1,
        "executor_cores": node["yarn_vcores"],
        "executor_memory_mb_about": executor_mb,
        "default_parallelism_about": 2 * node["yarn_vcores"] * node["core_nodes"],
        "note": "approximation for comparison; EMR writes the real values into spark-defaults.conf",
    }


def yarn_site(spark: SparkSession) -> Dict[str, Any]:
    """NodeManager settings from yarn-site.xml, when the driver has one on its classpath (on EMR it does)."""
    hconf = spark.sparkContext._jsc.hadoopConfiguration()
    loader = spark._jvm.java.lang.Thread.currentThread().getContextClassLoader()
    found = loader.getResource("yarn-site.xml") is not None
    keys = ["yarn.nodemanager.resource.memory-mb", "yarn.nodemanager.resource.cpu-vcores",
            "yarn.scheduler.minimum-allocation-mb", "yarn.scheduler.maximum-allocation-mb"]
    if not found:
        return {"found": False}
    yconf = spark._jvm.org.apache.hadoop.yarn.conf.YarnConfiguration(hconf)
    return {"found": True, **{k.replace(".", "_").replace("-", "_"): yconf.get(k) for k in keys}}


# ------------------------------------------------------------------------------------ measured from YARN


def spark_executors(spark: SparkSession) -> List[Dict[str, Any]]:
    """The executors the driver has registered (status tracker; the Executors tab without the driver row)."""
    infos = spark.sparkContext._jsc.sc().statusTracker().getExecutorInfos()
    rows = [{"host": str(i.host()), "port": int(i.port()), "running_tasks": int(i.numRunningTasks())} for i in infos]
    # getExecutorInfos lists the driver too (first); the executors are the rest
    return rows[1:] if rows else []


def wait_for_executors(spark: SparkSession, requested: int, settle_s: float = 15.0, timeout_s: float = 150.0) -> Dict[str, Any]:
    """Wait until `requested` executors registered, or their number has not grown for settle_s (YARN has no room)."""
    start = last_change = time.monotonic()
    count = -1
    while time.monotonic() - start < timeout_s:
        now = len(spark_executors(spark))
        if now != count:
            count, last_change = now, time.monotonic()
        if count >= requested or (count > 0 and time.monotonic() - last_change >= settle_s):
            break
        time.sleep(1.0)
    return {"registered": count, "waited_s": round(time.monotonic() - start, 1)}


def yarn_conf(spark: SparkSession) -> Dict[str, Any]:
    """The YARN settings the driver's Hadoop configuration carries (yarn-site.xml of the cluster, as YARN reads it)."""
    jvm = spark._jvm
    yconf = jvm.org.apache.hadoop.yarn.conf.YarnConfiguration(spark.sparkContext._jsc.hadoopConfiguration())
    cs = jvm.org.apache.hadoop.conf.Configuration(False)
    cs.addResource("capacity-scheduler.xml")
    calculator = cs.get("yarn.scheduler.capacity.resource-calculator",
                        "org.apache.hadoop.yarn.util.resource.DefaultResourceCalculator")
    return {
        "webapp_address": yconf.get("yarn.resourcemanager.webapp.address"),
        "minimum_allocation_mb": yconf.getInt("yarn.scheduler.minimum-allocation-mb", 1024),
        "maximum_allocation_mb": yconf.getInt("yarn.scheduler.maximum-allocation-mb", 8192),
        "nodemanager_memory_mb": yconf.getInt("yarn.nodemanager.resource.memory-mb", 8192),
        "nodemanager_vcores": yconf.getInt("yarn.nodemanager.resource.cpu-vcores", 8),
        "resource_calculator": calculator,
        "counts_vcores": calculator.endswith("DominantResourceCalculator"),
    }


def requested_sizes(spark: SparkSession) -> Dict[str, Any]:
    """What Spark asks YARN for, from the live SparkConf and Spark's rules (ResourceProfile, deploy/yarn/Client):
    an executor container is heap + overhead (+ PySpark memory, + off-heap when enabled); overhead defaults to
    max(384 MiB, memoryOverheadFactor x heap). In cluster mode the driver's container (the ApplicationMaster) is
    spark.driver.memory + its overhead, by the same rule."""
    conf = spark.sparkContext.getConf()

    def container(prefix: str) -> Dict[str, Any]:
        heap = to_mb(conf.get(f"spark.{prefix}.memory", "1g"))
        factor = float(conf.get(f"spark.{prefix}.memoryOverheadFactor", str(OVERHEAD_FACTOR_DEFAULT)))
        explicit = conf.get(f"spark.{prefix}.memoryOverhead", None)
        overhead = to_mb(explicit) if explicit else max(OVERHEAD_MIN_MB, int(factor * heap))
        extra = 0
        if prefix == "executor":
            extra += to_mb(conf.get("spark.executor.pyspark.memory", "0")) or 0
            if conf.get("spark.memory.offHeap.enabled", "false").lower() == "true":
                extra += to_mb(conf.get("spark.memory.offHeap.size", "0")) or 0
        return {"heap_mb": heap, "overhead_mb": overhead, "overhead_set": explicit is not None,
                "extra_mb": extra, "total_mb": heap + overhead + extra,
                "cores": int(conf.get(f"spark.{prefix}.cores", "1"))}

    dynamic = conf.get("spark.dynamicAllocation.enabled", "false").lower() == "true"
    return {
        "executor": container("executor"),
        "driver": container("driver"),
        "executors": int(conf.get("spark.dynamicAllocation.maxExecutors" if dynamic else "spark.executor.instances", "2")),
        "dynamic_allocation": dynamic,
    }


def refusal(spark: SparkSession, yconf: Dict[str, Any]) -> Dict[str, Any]:
    """Ask the ResourceManager for one container above its maximum allocation and record its answer. This is the
    check Spark makes itself before it submits ("Required executor memory ... is above the max threshold ... of this
    cluster"), here made by YARN: a new application whose ApplicationMaster asks for maximum + minimum-allocation MB.
    A refused submission runs nothing; an accepted one (a misconfigured scheduler) is killed at once."""
    jvm = spark._jvm
    yarn_api = jvm.org.apache.hadoop.yarn
    client = yarn_api.client.api.YarnClient.createYarnClient()
    client.init(yarn_api.conf.YarnConfiguration(spark.sparkContext._jsc.hadoopConfiguration()))
    client.start()
    out: Dict[str, Any] = {}
    try:
        app = client.createApplication()
        maximum = app.getNewApplicationResponse().getMaximumResourceCapability()
        out["maximum_mb"] = int(maximum.getMemorySize())
        out["maximum_vcores"] = int(maximum.getVirtualCores())
        ask = out["maximum_mb"] + int(yconf["minimum_allocation_mb"])
        out["asked_mb"] = ask
        ctx = app.getApplicationSubmissionContext()
        ctx.setApplicationName(f"{spark.sparkContext.appName}: one container above the maximum allocation")
        ctx.setQueue(spark.sparkContext.getConf().get("spark.yarn.queue", "default"))
        ctx.setResource(yarn_api.api.records.Resource.newInstance(ask, 1))
        command = jvm.java.util.ArrayList()
        command.add("true")
        ctx.setAMContainerSpec(yarn_api.api.records.ContainerLaunchContext.newInstance(None, None, command, None, None, None))
        ctx.setMaxAppAttempts(1)
        try:
            client.submitApplication(ctx)
            out["refused"] = False
            client.killApplication(ctx.getApplicationId())
        except Exception as e:  # noqa: BLE001 - py4j's Py4JJavaError: YARN's exception is the answer
            text = str(getattr(e, "java_exception", e))
            out["refused"] = True
            out["exception"] = text.splitlines()[0][:400] if text else type(e).__name__
            out["refused_as_too_large"] = bool(re.search(r"InvalidResourceRequestException|greater than maximum", text))
    finally:
        client.stop()
    out["maximum_matches_conf"] = out.get("maximum_mb") == int(yconf["maximum_allocation_mb"])
    return out


def roundup(value: int, step: int) -> int:
    return int(math.ceil(value / step) * step) if step > 0 else value


def measure_yarn(spark: SparkSession) -> Dict[str, Any]:
    sc = spark.sparkContext
    conf = yarn_conf(spark)
    asked = requested_sizes(spark)
    waited = wait_for_executors(spark, asked["executors"])
    base = "http://" + conf["webapp_address"]
    app_id = sc.applicationId
    app = labkit.yarn_rest(base, f"/ws/v1/cluster/apps/{app_id}").get("app", {})
    attempts = labkit.yarn_items(labkit.yarn_rest(base, f"/ws/v1/cluster/apps/{app_id}/appattempts"), "appAttempts", "appAttempt")
    attempt = attempts[-1] if attempts else {}
    attempt_id = attempt.get("appAttemptId") or f"appattempt_{app_id[len('application_'):]}_{len(attempts):06d}"
    containers = labkit.yarn_items(labkit.yarn_rest(base, f"/ws/v1/cluster/apps/{app_id}/appattempts/{attempt_id}/containers"),
                        "containers", "container")
    nodes = [n for n in labkit.yarn_items(labkit.yarn_rest(base, "/ws/v1/cluster/nodes"), "nodes", "node") if n.get("state") == "RUNNING"]
    scheduler = labkit.yarn_rest(base, "/ws/v1/cluster/scheduler").get("scheduler", {}).get("schedulerInfo", {})

    am_id = attempt.get("containerId")
    am = next((c for c in containers if c.get("containerId") == am_id), None)
    execs = [c for c in containers if c.get("containerId") != am_id]
    step = int(conf["minimum_allocation_mb"])
    ex, dr = asked["executor"], asked["driver"]
    exec_mb = sorted({int(c["allocatedMB"]) for c in execs})
    exec_vcores = sorted({int(c["allocatedVCores"]) for c in execs})
    expected_exec_mb = max(step, roundup(ex["total_mb"], step))
    expected_am_mb = max(step, roundup(dr["total_mb"], step))

    # What fits, from what YARN reports: each node's resources, this application's container sizes.
    container_mb = exec_mb[0] if exec_mb else expected_exec_mb
    container_vcores = exec_vcores[0] if exec_vcores else ex["cores"]
    per_node = []
    for n in nodes:
        total_mb = int(n.get("usedMemoryMB", 0)) + int(n.get("availMemoryMB", 0))
        total_vcores = int(n.get("usedVirtualCores", 0)) + int(n.get("availableVirtualCores", 0))
        here = [c for c in execs if c.get("assignedNodeId") == n.get("id")]
        has_am = am is not None and am.get("assignedNodeId") == n.get("id")
        free_mb = total_mb - (int(am["allocatedMB"]) if has_am else 0)
        free_vcores = total_vcores - (int(am["allocatedVCores"]) if has_am else 0)
        by_memory = free_mb // container_mb
        by_vcores = free_vcores // container_vcores if conf["counts_vcores"] else by_memory
        per_node.append({
            "node": n.get("id"), "memory_mb": total_mb, "vcores": total_vcores, "has_application_master": has_am,
            "executors": len(here), "fit_by_memory": by_memory, "fit_by_vcores": by_vcores,
            "fit": min(by_memory, by_vcores), "node_containers": int(n.get("numContainers", 0)),
        })
    fits = sum(p["fit"] for p in per_node)
    spark_list = spark_executors(spark)
    granted = len(execs)
    return {
        "applies": True,
        "application_id": app_id,
        "rm_rest": base + "/ws/v1/cluster",
        "conf": conf,
        "requested": asked,
        "waited": waited,
        "app": {k: app.get(k) for k in ("queue", "state", "allocatedMB", "allocatedVCores", "runningContainers",
                                         "amContainerLogs", "amHostHttpAddress")},
        "containers": {
            "application_master": {"id": am_id, "mb": int(am["allocatedMB"]) if am else None,
                                   "vcores": int(am["allocatedVCores"]) if am else None,
                                   "node": am.get("assignedNodeId") if am else None},
            "executor_mb": exec_mb,
            "executor_vcores": exec_vcores,
            "expected_executor_mb": expected_exec_mb,
            "expected_application_master_mb": expected_am_mb,
            "executor_rounding_mb": (exec_mb[0] - ex["total_mb"]) if exec_mb else None,
            "executor_overhead_in_container_mb": (exec_mb[0] - ex["heap_mb"]) if exec_mb else None,
            # the checks: what YARN granted equals Spark's request rounded up to the minimum allocation
            "executor_matches_rule": exec_mb == [expected_exec_mb],
            "application_master_matches_rule": am is not None and int(am["allocatedMB"]) == expected_am_mb,
            "executor_vcores_match": (exec_vcores == [ex["cores"]]) if conf["counts_vcores"] else bool(exec_vcores),
        },
        "executors": {
            "requested": asked["executors"],
            "granted_by_yarn": granted,
            "registered_in_spark": len(spark_list),
            "spark_matches_yarn": len(spark_list) == granted,
            "cluster_fits": fits,
            "granted_is_min_of_requested_and_fits": granted == min(asked["executors"], fits),
            "yarn_held_some_back": granted < asked["executors"],
            "list": spark_list,
        },
        "nodes": {
            "count": len(nodes),
            "per_node": per_node,
            # yarn.nodemanager.resource.memory-mb is what each node offers containers: the RM reports that total
            "memory_matches_conf": all(p["memory_mb"] == conf["nodemanager_memory_mb"] for p in per_node),
            # a full cluster (more asked than fits): every node holds what fits on it, no more, no less
            "every_node_holds_what_fits": bool(per_node) and all(p["executors"] == p["fit"] for p in per_node),
        },
        "scheduler": {"type": scheduler.get("type"), "root_capacity": scheduler.get("capacity")},
        "refusal": refusal(spark, conf),
    }


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, node: Dict[str, Any]) -> Dict[str, Any]:
    sc = spark.sparkContext
    # A small job, so the Jobs, Stages and Executors tabs have something to show.
    sc.setJobDescription("day1 yarn: a small job to populate the Executors tab")
    try:
        total = spark.range(0, 1_000_000, 1, numPartitions=4).selectExpr("sum(id) AS s").collect()[0]["s"]
    finally:
        sc.setJobDescription(None)

    eff = effective_settings(spark)
    conf = sc.getConf()
    executor_cores = int(eff["executor_cores"] or 1)
    driver_mb = eff["driver_memory_mb"] or 1024
    driver_cores = int(eff["driver_cores"] or 1)
    factor = float(conf.get("spark.executor.memoryOverheadFactor", str(OVERHEAD_FACTOR_DEFAULT)))
    size = sizing(node, executor_cores, driver_mb, driver_cores, factor,
                  eff["executor_memory_mb"], eff["executor_memory_overhead_mb"])
    return {
        "small_job_sum": total,
        "effective": eff,
        "executors": executors(spark),
        "sizing": size,
        "maximize_resource_allocation": maximize_resource_allocation(node),
        "yarn_site": yarn_site(spark),
        # local[*] has no YARN: the measured part applies on the sandbox and on EMR only
        "yarn": measure_yarn(spark) if sc.master.startswith("yarn") else {"applies": False},
        # local mode: the driver JVM runs the tasks, there is no executor besides it
        "local_executors_besides_driver": len(spark_executors(spark)) if sc.master.startswith("local") else None,
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--instance-type", default="m5.xlarge", help="EC2 type of the core nodes")
        p.add_argument("--vcpus", type=int, default=4, help="vCPUs of one core node")
        p.add_argument("--memory-gib", type=int, default=16, help="memory of one core node (GiB)")
        p.add_argument("--yarn-memory-mb", type=int, default=12288, help="yarn.nodemanager.resource.memory-mb")
        p.add_argument("--yarn-vcores", type=int, default=4, help="yarn.nodemanager.resource.cpu-vcores")
        p.add_argument("--min-allocation-mb", type=int, default=32, help="yarn.scheduler.minimum-allocation-mb")
        p.add_argument("--core-nodes", type=int, default=2, help="core nodes in the cluster")

    args = labkit.lab_args("day1-yarn-resources: executor sizing for YARN on EMR", extra=extra, argv=argv)
    node = {
        "instance_type": args.instance_type,
        "vcpus": args.vcpus,
        "memory_gib": args.memory_gib,
        "yarn_memory_mb": args.yarn_memory_mb,
        "yarn_vcores": args.yarn_vcores,
        "min_allocation_mb": args.min_allocation_mb,
        "core_nodes": args.core_nodes,
    }
    spark = SparkSession.builder.getOrCreate()
    result = transform(spark, node)
    labkit.write_result(spark, args.out, result)
    spark.stop()


if __name__ == "__main__":
    main()
