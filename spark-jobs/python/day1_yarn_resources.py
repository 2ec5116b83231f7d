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

Run: spark-submit --py-files labkit.py day1_yarn_resources.py --out DIR --instance-type m5.xlarge --vcpus 4
     --memory-gib 16 --yarn-memory-mb 12288 --yarn-vcores 4 --core-nodes 2
"""

from __future__ import annotations

import math
import re
from typing import Any, Dict, Optional

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
    jsc = sc._jsc.sc()
    jsc.listenerBus().waitUntilEmpty(10_000)
    rows = []
    for e in spark._jvm.scala.collection.JavaConverters.seqAsJavaListConverter(
            jsc.statusStore().executorList(True)).asJava():
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
    eff["max_executors_matches_cluster"] = eff["max_executors"] == str(size["cluster_executors"])
    return {
        "small_job_sum": total,
        "effective": eff,
        "executors": executors(spark),
        "sizing": size,
        "maximize_resource_allocation": maximize_resource_allocation(node),
        "yarn_site": yarn_site(spark),
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
