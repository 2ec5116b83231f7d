"""labkit: the small helper every lab job ships with (spark-submit --py-files labkit.py,labkit_jobs.py).

No dependencies beyond PySpark, nothing happens at import time (no SparkSession is created
here): a job imports it, builds its own session, and uses these helpers to

- parse the arguments every step takes (--out, --data) plus its own          -> lab_args
- write <out>/result.json through Hadoop's FileSystem, so the same code
  writes to a local path and to s3:// on EMR                                  -> write_result
- time an action the same way in every lab                                   -> median_seconds,
                                                                                compare_medians
- read the executed (final, after AQE) physical plan and the nodes in it     -> final_plan, plan_text,
                                                                                plan_nodes, walk_plan,
                                                                                join_nodes,
                                                                                shuffle_exchanges,
                                                                                result_partitions
- find nodes of one kind in a plan (file scans by default)                   -> scan_nodes, walk_nodes
- record the jobs, stages and tasks one action ran (labkit_jobs.py)          -> record_jobs
- list and read a path through Hadoop's FileSystem (local, s3a://, s3://)     -> list_files, list_dir,
                                                                                hadoop_fs
- change SQL settings for one block of code                                  -> sql_conf
- read YARN's ResourceManager REST API (on YARN: sandbox, EMR)                 -> yarn_rm_url, yarn_rest,
                                                                                yarn_items
- find the cluster's Iceberg catalog, commit to a table in it with Spark SQL, -> catalog_configured,
  and ask the Glue API about the table (sandbox, EMR)                           student_glue_database,
                                                                                iceberg_commits,
                                                                                glue_client, read_glue_table,
                                                                                read_back_through_glue

Everything that reaches into the JVM goes through py4j (spark._jvm / spark._jsc / df._jdf). Those handles
are not public PySpark API, but they are the stable way to see what Spark really did, and the Spark version
is pinned (3.5.x, the one of emr-7.x); each use below says why it is needed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import math
import platform
import statistics
import time
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional

__all__ = [
    "lab_args",
    "run_step",
    "write_result",
    "write_text",
    "median_seconds",
    "Timing",
    "compare_medians",
    "run_info",
    "app_attempt",
    "final_plan",
    "plan_is_final",
    "is_adaptive",
    "plan_text",
    "plan_nodes",
    "walk_plan",
    "class_name",
    "join_nodes",
    "JOIN_NODE_NAMES",
    "shuffle_exchanges",
    "result_partitions",
    "walk_nodes",
    "scan_nodes",
    "record_jobs",
    "JobRecord",
    "group_cpu_seconds",
    "wait_for_listeners",
    "status_store",
    "scala_list",
    "sum_or_none",
    "sql_conf",
    "hadoop_fs",
    "FileInfo",
    "list_files",
    "list_dir",
    "read_text",
    "catalog_configured",
    "student_glue_database",
    "glue_client",
    "read_glue_table",
    "iceberg_commits",
    "read_back_through_glue",
]

# The jobs/stages/tasks part lives in labkit_jobs.py (shipped with it); a job reaches it through labkit.
from labkit_jobs import JobRecord, group_cpu_seconds, record_jobs, status_store, sum_or_none, wait_for_listeners  # noqa: E402

# --------------------------------------------------------------------------------------------- arguments


def lab_args(
    description: str,
    extra: Optional[Callable[[argparse.ArgumentParser], None]] = None,
    argv: Optional[List[str]] = None,
) -> argparse.Namespace:
    """Parse the arguments every lab step takes, plus the job's own.

    --out  where the step writes result.json and any output. The engine resolves {out}: an absolute local
           directory on the local engine, an s3:// URI on EMR. Never assume it is a local path.
    --data the root of the lab's input data ({data}); optional because many labs generate their data.

    `extra` receives the parser and adds the job-specific arguments, e.g.
        lab_args("joins", extra=lambda p: p.add_argument("--runs", type=int, default=5))
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", required=True, help="output directory (local path or s3:// URI) for result.json")
    parser.add_argument("--data", default=None, help="input data root (local path or s3:// URI), if the lab reads any")
    if extra is not None:
        extra(parser)
    return parser.parse_args(argv)


def run_step(
    description: str,
    extra: Optional[Callable[[argparse.ArgumentParser], None]],
    transform: Callable[[Any, argparse.Namespace], Dict[str, Any]],
    argv: Optional[List[str]] = None,
) -> None:
    """A lab step from start to end: its arguments, a SparkSession, `transform(spark, args)` returning the lab's
    values, written as result.json, then Spark stopped. An exception from transform propagates unchanged, so the
    step fails with its traceback (which the engines read to explain the failure).
    """
    args = lab_args(description, extra=extra, argv=argv)
    from pyspark.sql import SparkSession  # here, not at the top: labkit's other helpers are handed Spark objects

    spark = SparkSession.builder.getOrCreate()
    result = transform(spark, args)
    write_result(spark, args.out, result)
    spark.stop()


# ------------------------------------------------------------------------------------------ result.json


def _hadoop_path(spark, uri: str):
    return spark._jvm.org.apache.hadoop.fs.Path(uri)


def _json_safe(value: Any) -> Any:
    """Make a value JSON-clean: checks in TypeScript parse this file, and NaN/Infinity are not JSON."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (bool, int, str)):
        return value
    # numpy scalars turn into Python numbers; anything else (Decimal, py4j objects, dates) into text.
    if hasattr(value, "item"):
        try:
            return _json_safe(value.item())
        except (TypeError, ValueError):
            pass
    return str(value)


def app_attempt(spark) -> Optional[int]:
    """The YARN ApplicationMaster attempt this driver runs in (SparkContext.applicationAttemptId, set in cluster
    deploy mode on YARN), None elsewhere: a job that must act differently once YARN has restarted it asks this."""
    attempt = spark.sparkContext._jsc.sc().applicationAttemptId()
    return int(attempt.get()) if attempt.isDefined() else None


def run_info(spark) -> Dict[str, Any]:
    """The standard fields every result.json starts with: which Spark ran the step, where, and when."""
    sc = spark.sparkContext
    conf = sc.getConf()
    return {
        "spark_version": spark.version,
        "app_id": sc.applicationId,
        "app_name": sc.appName,
        "master": sc.master,
        "deploy_mode": conf.get("spark.submit.deployMode", "client"),
        "default_parallelism": sc.defaultParallelism,
        "python_version": platform.python_version(),
        "written_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }


def write_result(spark, out: str, result: Dict[str, Any], name: str = "result.json") -> str:
    """Write `<out>/result.json` (pretty JSON: the standard fields, then the lab's own values).

    The file goes through Hadoop's FileSystem API on the JVM side instead of Python's open(): `out` is a
    local directory on the local engine but s3://bucket/... on EMR, where in cluster deploy mode the driver
    runs on some core node with no shared disk. Path.getFileSystem picks the right implementation
    (LocalFileSystem, EMRFS for s3://, S3A for s3a://) from the URI scheme and the cluster's configuration.
    Returns the URI written.
    """
    doc = run_info(spark)
    for key, value in result.items():
        if key in doc:
            raise ValueError(f"result key {key!r} would overwrite a standard result.json field")
        doc[key] = value
    text = json.dumps(_json_safe(doc), indent=2, allow_nan=False) + "\n"

    target = out.rstrip("/") + "/" + name
    # No checksum: the local file system would add a hidden .result.json.crc next to the file; nothing reads it.
    write_text(spark, target, text, checksum=False)
    print(f"labkit: wrote {target}")
    return target


def write_text(spark, uri: str, text: str, checksum: bool = True) -> None:
    """One whole file through Hadoop's FileSystem (a local path, s3:// or s3a://), replacing any file there.

    Streaming labs write their input files this way: a file appears complete, so a file source never reads half
    of one, and the same code writes to S3 on EMR (see write_result for why not Python's open()).
    """
    path = _hadoop_path(spark, uri)
    fs = path.getFileSystem(spark._jsc.hadoopConfiguration())
    if not checksum:
        fs.setWriteChecksum(False)
    stream = fs.create(path, True)
    try:
        stream.write(bytearray(text.encode("utf-8")))
    finally:
        stream.close()


# ------------------------------------------------------------------------------------------------ timing


class Timing(NamedTuple):
    """median and all measured samples, in seconds; unpacks as (median, samples)."""

    median: float
    samples: List[float]

    def as_dict(self, digits: int = 4) -> Dict[str, Any]:
        return {
            "median_s": round(self.median, digits),
            "min_s": round(min(self.samples), digits),
            "max_s": round(max(self.samples), digits),
            "samples_s": [round(s, digits) for s in self.samples],
        }


def median_seconds(fn: Callable[[], Any], runs: int = 5, warmup: int = 1) -> Timing:
    """Run fn() `warmup` times untimed, then `runs` times timed with time.perf_counter; median + samples.

    Warm-up runs pay the one-off costs (class loading, JIT, codegen compilation, Python worker start) that
    would otherwise land in the first sample. The median, not the mean, because a shared machine produces
    occasional slow outliers and one of them should not move the result.

    fn must build a NEW DataFrame every call (e.g. `lambda: query(spark).collect()`): re-running an action
    on the same DataFrame object reuses its executed plan, so its shuffle files and broadcasts are reused
    and the later runs skip the very work being measured.
    """
    if runs < 1:
        raise ValueError("runs must be >= 1")
    for _ in range(max(0, warmup)):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return Timing(statistics.median(samples), samples)


def compare_medians(fns: Dict[str, Callable[[], Any]], runs: int = 5, warmup: int = 1) -> Dict[str, Timing]:
    """median_seconds for several alternatives, with their runs interleaved (a b c a b c ...).

    On a shared machine the background load drifts over tens of seconds; timing all runs of `a` and then
    all runs of `b` would let that drift decide the ratio. Interleaving exposes every alternative to the
    same conditions, so ratios of the medians are much steadier. Same rule as median_seconds: every call
    must build a new DataFrame.
    """
    if runs < 1:
        raise ValueError("runs must be >= 1")
    for _ in range(max(0, warmup)):
        for fn in fns.values():
            fn()
    samples: Dict[str, List[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - start)
    return {name: Timing(statistics.median(s), s) for name, s in samples.items()}


# ------------------------------------------------------------------------------------- physical plans

#: physical join operators, as SparkPlan.nodeName prints them in explain() and the SQL tab
JOIN_NODE_NAMES = (
    "BroadcastHashJoin",
    "SortMergeJoin",
    "ShuffledHashJoin",
    "BroadcastNestedLoopJoin",
    "CartesianProduct",
)


def scala_list(scala_seq) -> list:
    """A Scala Seq (SparkPlan.children, the status store's executorList, getAllPools, ...) as a Python list of py4j
    objects, through its own iterator (no JVM handle needed)."""
    it = scala_seq.iterator()
    out = []
    while it.hasNext():
        out.append(it.next())
    return out


def _simple_name(node) -> str:
    return node.getClass().getSimpleName()


def final_plan(df):
    """The physical plan that actually ran for this DataFrame, as a py4j SparkPlan.

    With adaptive query execution (AQE, on by default in Spark 3.2+) the executed plan is an
    AdaptiveSparkPlanExec whose plan is re-optimised while the query runs: shuffles become query stages,
    partitions are coalesced, a sort-merge join may become a broadcast join. Its toString shows BOTH the
    final and the initial plan, so searching that text can find operators that never ran. executedPlan()
    of the adaptive node is the current plan, which is the final one once an action has completed on this
    very DataFrame (see plan_is_final). Without AQE the executed plan is already final.
    """
    plan = df._jdf.queryExecution().executedPlan()
    if _simple_name(plan) == "AdaptiveSparkPlanExec":
        return plan.executedPlan()
    return plan


def plan_is_final(df) -> bool:
    """False only for an adaptive plan whose query has not run yet (its plan may still change)."""
    plan = df._jdf.queryExecution().executedPlan()
    if _simple_name(plan) == "AdaptiveSparkPlanExec":
        return bool(plan.isFinalPlan())
    return True


def is_adaptive(df) -> bool:
    return _simple_name(df._jdf.queryExecution().executedPlan()) == "AdaptiveSparkPlanExec"


def plan_text(df) -> str:
    """The final physical plan as explain() prints it (operators, codegen stage ids *(n), exchanges)."""
    return final_plan(df).toString()


def walk_nodes(jvm, node) -> Iterator[Any]:
    """Pre-order walk over a physical plan, stepping into the places children() does not reach.

    AQE wraps parts of the plan in leaf nodes: AdaptiveSparkPlanExec (nested, e.g. in subqueries) and
    query stages (ShuffleQueryStageExec, BroadcastQueryStageExec) that hold their sub-plan in `plan`.
    A ReusedExchangeExec points at an exchange that appears elsewhere in the plan: it is yielded, but
    not descended into, so a reused shuffle is not counted twice.
    """
    yield node
    name = _simple_name(node)
    if name == "AdaptiveSparkPlanExec":
        yield from walk_nodes(jvm, node.executedPlan())
        return
    if name.endswith("QueryStageExec"):
        yield from walk_nodes(jvm, node.plan())
        return
    if name == "ReusedExchangeExec":
        return
    for child in scala_list(node.children()):
        yield from walk_nodes(jvm, child)


def walk_plan(df) -> Iterator[Any]:
    """The py4j nodes of df's final physical plan, pre-order, through AQE wrappers (see walk_nodes).
    For the class of a node use class_name(node), e.g. 'SortMergeJoinExec', 'AQEShuffleReadExec'."""
    return walk_nodes(df.sparkSession._jvm, final_plan(df))


def class_name(node) -> str:
    """Simple JVM class name of a plan node (nodeName() is the display name: 'SortMergeJoin')."""
    return _simple_name(node)


def scan_nodes(df, cls: str = "FileSourceScanExec") -> List[Any]:
    """The nodes of df's final plan of one class, pre-order: by default its file scans, whose metadata() and
    metrics() say what was pushed down and what was read."""
    return [n for n in walk_plan(df) if _simple_name(n) == cls]


def plan_nodes(df) -> List[str]:
    """Operator names of the final plan, pre-order (the order explain() prints them, top down)."""
    jvm = df.sparkSession._jvm
    return [str(n.nodeName()) for n in walk_nodes(jvm, final_plan(df))]


def join_nodes(df) -> List[str]:
    """The join operators in the final plan, top down, e.g. ['SortMergeJoin']."""
    return [n for n in plan_nodes(df) if n in JOIN_NODE_NAMES]


def shuffle_exchanges(df) -> List[Dict[str, Any]]:
    """Every shuffle in the final plan: the stage boundaries of the query.

    For each ShuffleExchangeExec: its partitioning (as explain() prints it), the number of partitions of the
    RDD it reads (= tasks of the map stage that writes the shuffle) and the number it produces (= tasks of
    the stage that reads it, unless AQE coalesces them; then `read_partitions` of the AQEShuffleRead above it
    is what the reading stage runs). Reading shuffleDependency() after the action returns the dependency the
    scheduler used; before the action it would create it, and for a range partitioning (orderBy) that runs
    a sampling job. Call it after the action.
    BroadcastExchangeExec is not a shuffle: a broadcast runs as a separate job that collects the small side
    to the driver. ReusedExchangeExec re-reads a shuffle that already exists, so it is not listed.
    """
    jvm = df.sparkSession._jvm
    exchanges = []
    for node in walk_nodes(jvm, final_plan(df)):
        if _simple_name(node) != "ShuffleExchangeExec":
            continue
        dep = node.shuffleDependency()
        exchanges.append(
            {
                "partitioning": str(node.outputPartitioning().toString()),
                "shuffle_id": int(dep.shuffleId()),
                "input_partitions": int(dep.rdd().getNumPartitions()),
                "output_partitions": int(node.outputPartitioning().numPartitions()),
            }
        )
    return exchanges


def result_partitions(df) -> int:
    """Partitions of the RDD the last (result) stage computes: its task count for collect() or a write.

    execute() builds the RDD of the final plan without running a job; after the action the shuffles below
    it are the ones already written, so this adds no work.
    """
    return int(final_plan(df).execute().getNumPartitions())


# ------------------------------------------------------------------------------------------ SQL settings


@contextlib.contextmanager
def sql_conf(spark, settings: Dict[str, Any]) -> Iterator[None]:
    """Set runtime SQL settings for one block, then restore what was there (or unset what was not).

    Settings are read when a query is planned, so build AND run the query inside the block.
    """
    previous = {}
    for key, value in settings.items():
        previous[key] = spark.conf.get(key, None)
        spark.conf.set(key, str(value).lower() if isinstance(value, bool) else str(value))
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


# ------------------------------------------------------------------------------------ Hadoop file system


def hadoop_fs(spark, uri: str):
    """(FileSystem, Path) for a URI through Hadoop, so one call reads a local path, s3a:// and s3:// on EMR."""
    path = _hadoop_path(spark, uri)
    return path.getFileSystem(spark._jsc.hadoopConfiguration()), path


class FileInfo(NamedTuple):
    """One file or directory as Hadoop lists it."""

    uri: str  # the full, qualified URI (file:/..., s3a://bucket/...)
    path: str  # the path part of the URI (no scheme or bucket)
    name: str
    size: int
    is_dir: bool
    parent: str  # the name of the directory it is in


def _info(status) -> FileInfo:
    p = status.getPath()
    return FileInfo(str(p.toString()), str(p.toUri().getPath()), str(p.getName()), int(status.getLen()), bool(status.isDirectory()), str(p.getParent().getName()))


def list_files(spark, uri: str, recursive: bool = True, missing_ok: bool = True) -> List[FileInfo]:
    """The files under uri (FileSystem.listFiles: files only, recursively by default), [] when it does not exist.

    missing_ok=False skips the existence check (one request fewer on S3, for a lab that counts them): a missing
    uri then raises, as listFiles does."""
    fs, path = hadoop_fs(spark, uri)
    if missing_ok and not fs.exists(path):
        return []
    out = []
    it = fs.listFiles(path, recursive)
    while it.hasNext():
        out.append(_info(it.next()))
    return out


def read_text(spark, uri: str) -> Optional[str]:
    """A whole (small) file through Hadoop's FileSystem as UTF-8 text, or None when it does not exist."""
    fs, path = hadoop_fs(spark, uri)
    if not fs.exists(path):
        return None
    stream = fs.open(path)
    try:
        # A returned Java byte[] arrives as Python bytes.
        return bytes(spark._jvm.org.apache.commons.io.IOUtils.toByteArray(stream)).decode("utf-8")
    finally:
        stream.close()


def list_dir(spark, uri: str) -> List[FileInfo]:
    """The entries directly in uri, directories included (FileSystem.listStatus), [] when it does not exist."""
    fs, path = hadoop_fs(spark, uri)
    return [_info(st) for st in fs.listStatus(path)] if fs.exists(path) else []


# ------------------------------------------------------------------------------ file system statistics


def fs_statistics(spark, uri: str) -> Dict[str, int]:
    """The storage statistics of the Hadoop FileSystem that serves `uri`, as {name: count}.

    For s3a:// this is S3A's own request accounting (object_list_request, object_copy_requests,
    action_http_get_request, op_rename, ...). The counters live in the FileSystem instance, which Hadoop
    caches per scheme and bucket, so take one snapshot before and one after the work and subtract
    (fs_statistics_delta). In local mode the executors share the driver's JVM and therefore its instance:
    the counters cover every task. On a cluster they cover what the driver itself did (listing, job commit).
    """
    fs, _ = hadoop_fs(spark, uri)
    out: Dict[str, int] = {}
    it = fs.getStorageStatistics().getLongStatistics()
    while it.hasNext():
        stat = it.next()
        out[str(stat.getName())] = int(stat.getValue())
    if not out:
        # File systems without their own storage statistics (the local one, for instance) still keep Hadoop's
        # per-scheme counters, the ones behind the Input/Output columns of the Spark UI.
        scheme = str(fs.getUri().getScheme())
        for st in spark._jvm.org.apache.hadoop.fs.FileSystem.getAllStatistics():
            if str(st.getScheme()) != scheme:
                continue
            for name, value in (
                ("bytesRead", st.getBytesRead()),
                ("bytesWritten", st.getBytesWritten()),
                ("readOps", st.getReadOps()),
                ("largeReadOps", st.getLargeReadOps()),
                ("writeOps", st.getWriteOps()),
            ):
                out[name] = out.get(name, 0) + int(value)
    return out


def fs_statistics_delta(before: Dict[str, int], after: Dict[str, int]) -> Dict[str, int]:
    """Counters that changed between two fs_statistics snapshots (name -> increase), sorted by name."""
    return {k: after[k] - before.get(k, 0) for k in sorted(after) if after[k] != before.get(k, 0)}


# ------------------------------------------------------------------------------ YARN's ResourceManager


def yarn_rm_url(spark) -> Optional[str]:
    """The ResourceManager's web address from the driver's Hadoop configuration (yarn-site.xml on the cluster:
    yarn.resourcemanager.webapp.address), as http://host:port; None when the application does not run on YARN."""
    if not spark.sparkContext.master.startswith("yarn"):
        return None
    conf = spark._jvm.org.apache.hadoop.yarn.conf.YarnConfiguration(spark.sparkContext._jsc.hadoopConfiguration())
    return "http://" + conf.get("yarn.resourcemanager.webapp.address")


def yarn_rest(base: str, path: str, timeout: float = 15.0) -> Any:
    """GET one resource of the ResourceManager's REST API (/ws/v1/cluster/...) as JSON."""
    import urllib.request

    req = urllib.request.Request(base + path, headers={"Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as res:  # noqa: S310 - the cluster's own ResourceManager
        return json.loads(res.read().decode())


def yarn_items(doc: Any, *keys: str) -> List[Dict[str, Any]]:
    """A list inside YARN's JSON ({"nodes": {"node": [...]}} -> [...]): YARN leaves out an empty list (or sends
    null), and some versions send a single element as an object."""
    for k in keys:
        doc = doc.get(k) if isinstance(doc, dict) else None
    if isinstance(doc, dict):
        return [doc]
    return list(doc or [])


# ------------------------------------------------------------------------------ the Glue Data Catalog


def catalog_configured(spark, catalog: str = "glue_catalog") -> bool:
    """True when the cluster defines the Spark catalog (spark.sql.catalog.<name>, from its spark-defaults
    classification): the sandbox and EMR labs that enable Iceberg's GlueCatalog, never local Spark."""
    return spark.conf.get(f"spark.sql.catalog.{catalog}", None) is not None


def student_glue_database(student: str) -> str:
    """The student's own Glue database, made by the engine before the steps run (src/core/student-id.ts
    glueDatabaseName: the same mapping)."""
    import re

    return ("labs_" + re.sub(r"[^a-z0-9_]", "_", student.lower()))[:255]


def glue_client():
    """boto3's Glue client as any AWS SDK on the node finds it: an EMR node's instance profile and Region; on the
    sandbox the node's AWS environment (AWS_ENDPOINT_URL) pointing at the sandbox. Returns (client, region)."""
    import os

    import boto3  # on the cluster's Python, as on an EMR node

    session = boto3.session.Session()
    region = session.region_name or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return session.client("glue", region_name=region), region


def _glue_columns(sd: Dict[str, Any]) -> Dict[str, Any]:
    """A StorageDescriptor's columns. Iceberg's GlueCatalog lists the current schema's columns first, then columns
    of older schemas no longer in it (a renamed or dropped column), marked Parameters iceberg.field.current=false."""
    cols = sd.get("Columns", [])
    current = [c for c in cols if c.get("Parameters", {}).get("iceberg.field.current", "true") == "true"]
    return {
        "columns": [c["Name"] for c in cols],
        "column_types": {c["Name"]: c.get("Type") for c in cols},
        "current_columns": [f"{c['Name']}:{c.get('Type')}" for c in current],
        "noncurrent_columns": [c["Name"] for c in cols if c not in current],
    }


def read_glue_table(spark, db: str, table: str) -> Dict[str, Any]:
    """What the Glue API says about a table (GetTable, every page of GetTableVersions), as plain values, for a
    check to compare with what Spark did. A failure is recorded as `error`, not raised: the checks then say which
    Glue fact is missing."""
    try:
        glue, region = glue_client()
        got = glue.get_table(DatabaseName=db, Name=table)["Table"]
        versions = []
        for page in glue.get_paginator("get_table_versions").paginate(DatabaseName=db, TableName=table):
            versions += page["TableVersions"]
    except Exception as e:  # noqa: BLE001
        return {"error": f"{type(e).__name__}: {e}"}
    params = got.get("Parameters", {})
    sd = got.get("StorageDescriptor", {})
    metadata = params.get("metadata_location")
    versions.sort(key=lambda v: int(v["VersionId"]) if str(v.get("VersionId")).isdigit() else 0)
    history = [
        {"version_id": v.get("VersionId"), "current_columns": _glue_columns(v.get("Table", {}).get("StorageDescriptor", {}))["current_columns"]}
        for v in versions
    ]
    return {
        "region": region,
        "endpoint": glue.meta.endpoint_url,
        "table_type": params.get("table_type"),
        "glue_table_type": got.get("TableType"),
        **_glue_columns(sd),
        "location": sd.get("Location"),
        "metadata_location": metadata,
        "previous_metadata_location": params.get("previous_metadata_location"),
        # the file Glue points at, looked up in S3 (not taken from Spark)
        "metadata_file_exists": bool(metadata) and bool(list_files(spark, metadata, recursive=False)),
        "version_id": got.get("VersionId"),
        "version_count": len(versions),
        "version_ids": [v["version_id"] for v in history],
        "metadata_locations_by_version": {
            v.get("VersionId"): v.get("Table", {}).get("Parameters", {}).get("metadata_location") for v in versions
        },
        # the table's schema as each version has it, and how many versions changed it from the one before
        "schema_by_version": history,
        "schema_changes": sum(1 for a, b in zip(history, history[1:]) if a["current_columns"] != b["current_columns"]),
    }


def iceberg_commits(spark, name: str, statements: List[str]) -> Dict[str, Any]:
    """Run Spark SQL statements on a fresh Iceberg table `catalog.db.table`, each statement one Iceberg commit (a new
    metadata file, and with Iceberg's GlueCatalog one Glue CreateTable or UpdateTable). Returns what was run: what
    Spark did, never evidence of what the catalog holds (a later application asks Glue for that)."""
    catalog, db, _ = name.split(".")
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {catalog}.{db}")
    # A clean table each run: PURGE deletes its files too (Iceberg's DROP TABLE alone keeps them), and Glue's
    # versions start at 1 again.
    spark.sql(f"DROP TABLE IF EXISTS {name} PURGE")
    for sql in statements:
        spark.sql(sql)
    return {
        "configured": True,
        "table": name,
        "database": db,
        "commits": len(statements),
        "statements": [" ".join(sql.split()) for sql in statements],
    }


def read_back_through_glue(spark, student: str, table: str, read_back: Callable[[Any, str], Dict[str, Any]],
                           catalog: str = "glue_catalog") -> Dict[str, Any]:
    """A second application's view of an Iceberg table in the student's Glue database: `read_back(spark, name)` (what
    Spark reads through the catalog) and read_glue_table (what the Glue API says). Where the cluster defines no such
    catalog (local Spark) only iceberg.configured false."""
    if not catalog_configured(spark, catalog):
        return {"iceberg": {"configured": False}}
    db = student_glue_database(student)
    name = f"{catalog}.{db}.{table}"
    return {
        "iceberg": {"configured": True, "table": name},
        "reader": read_back(spark, name),
        "glue": read_glue_table(spark, db, table),
    }
