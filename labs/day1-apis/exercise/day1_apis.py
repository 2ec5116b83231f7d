# Exercise day1-apis (`labs exercise day1-apis`): write the totals with the DataFrame API, so Catalyst and
# Tungsten run them instead of Python functions on Row objects. Find the TODO below.
"""Lab day1-apis: DataFrames, Datasets and the low-level RDD API; what changed from Spark 2 to Spark 3.

One input (Parquet, written once into the step's out dir), one aggregation - per key: how many sales of at
least 10 and their total - written three ways:

  rdd         spark.read.parquet(path).rdd -> map -> filter -> mapValues -> reduceByKey. The RDD API has no
              Parquet reader of its own: it gets columnar data through a DataFrame's .rdd, which turns every
              row into a pickled Python Row for the Python worker processes that run the lambdas.
  dataframe   spark.read.parquet(path) -> filter -> groupBy.agg. Declarative: Catalyst plans it (only the two
              columns, the filter pushed to the scan), Tungsten runs it as generated JVM code on binary rows;
              Python only sends the plan and receives 100 rows.
  pandas API  pyspark.pandas.read_parquet(path) -> filter -> groupby.agg (Spark 3.2+, formerly Koalas):
              pandas syntax, Spark execution.

Then it reads the Spark 3 defaults from the live session (spark.conf.get) next to the Spark 2.4 value of each,
shows two Spark 3 behaviours at work (ANSI mode, AQE coalescing the shuffle partitions), and probes a few APIs
that Spark 3 removed or deprecated.

Run: spark-submit --py-files labkit.py day1_apis.py --out DIR [--rows N] [--runs N]
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from typing import Any, Dict, List, Optional, Tuple

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

KEYS = 100
MIN_AMOUNT = 10

Totals = Dict[str, Tuple[int, int]]  # key -> (sales, total amount)

# ------------------------------------------------------------------------------------------------ data


def write_input(spark: SparkSession, path: str, rows: int, partitions: int) -> None:
    """rows sales (key 'kNNN', amount 0..999; KEYS keys, spread by multiplicative hashing) as Parquet."""
    (
        spark.range(0, rows, 1, numPartitions=partitions)
        .select(
            F.format_string("k%03d", (F.col("id") * 7919) % KEYS).alias("key"),
            ((F.col("id") * 104729) % 1000).cast("int").alias("amount"),
        )
        .write.mode("overwrite")
        .parquet(path)
    )


# ------------------------------------------------------------------------------------- the aggregation


def totals_rdd(spark: SparkSession, path: str, python_cpu=None) -> Totals:
    """The low-level API: functions on Python objects, executed in Python worker processes.

    spark.read.parquet(path).rdd is how the RDD API reads Parquet: an RDD of Row objects. python_cpu (an
    accumulator) is for the measurement only: it adds the CPU seconds the Python workers spend in this
    pipeline, which the JVM's task metrics cannot see.
    """
    rows = spark.read.parquet(path).rdd
    if python_cpu is not None:
        rows = rows.mapPartitions(lambda it: metered(it, python_cpu))
    return dict(
        rows.map(lambda row: (row["key"], row["amount"]))
        .filter(lambda kv: kv[1] >= MIN_AMOUNT)
        .mapValues(lambda amount: (1, amount))
        .reduceByKey(lambda a, b: (a[0] + b[0], a[1] + b[1]))
        .collect()
    )


def metered(iterator, accumulator):
    """Yield a partition's elements unchanged; add the worker's CPU time from the first to the last element.

    PySpark runs map/filter/mapValues and the map side of reduceByKey in the same Python process, pulling
    elements through this generator one by one, so the window covers all of their work on this partition.
    """
    start = time.process_time()
    try:
        yield from iterator
    finally:
        accumulator.add(time.process_time() - start)


def totals_dataframe_query(spark: SparkSession, path: str) -> DataFrame:
    """The structured API: a declarative query Catalyst can optimise and Tungsten can compile."""
    # TODO 1: the same totals (sales and total amount per key, amounts >= MIN_AMOUNT) as a DataFrame query:
    # read, filter, groupBy, agg. The placeholder runs the RDD version and wraps its result in a DataFrame:
    # right answer, no faster.
    totals = totals_rdd(spark, path)
    return spark.createDataFrame([(k, s, t) for k, (s, t) in totals.items()], "key string, sales long, total long")


def totals_dataframe(spark: SparkSession, path: str) -> Totals:
    return {r["key"]: (int(r["sales"]), int(r["total"])) for r in totals_dataframe_query(spark, path).collect()}


def totals_pandas_api(spark: SparkSession, path: str) -> Totals:
    """pandas-on-Spark: pandas syntax, executed by Spark (a pandas-on-Spark DataFrame wraps a Spark one)."""
    os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")  # pandas-on-Spark warns without it
    import pyspark.pandas as ps  # imported here: loading it takes a few seconds

    psdf = ps.read_parquet(path)
    grouped = psdf[psdf["amount"] >= MIN_AMOUNT].groupby("key").agg({"amount": ["count", "sum"]})
    pdf = grouped._to_pandas()  # 100 rows; _to_pandas skips the "loads all data into the driver" advice
    return {str(k): (int(r[("amount", "count")]), int(r[("amount", "sum")])) for k, r in pdf.iterrows()}


# ------------------------------------------------------------------------------- Spark 2 vs Spark 3

#: alias (check-friendly, no dots) -> (key, Spark 2.4 default, note). A setting Spark 2.4 did not have is
#: written "-> X": X is how 2.4 behaved, i.e. the value that reproduces 2.4 in Spark 3.
SPARK3_DEFAULTS = {
    "adaptive_enabled": (
        "spark.sql.adaptive.enabled", "false",
        "AQE re-plans at every shuffle using real sizes; on by default since 3.2 (3.0/3.1: off)",
    ),
    "coalesce_partitions_enabled": (
        "spark.sql.adaptive.coalescePartitions.enabled", "-> false",
        "AQE merges small shuffle partitions; new in 3.0 (2.4 had no runtime coalescing by default)",
    ),
    "skew_join_enabled": (
        "spark.sql.adaptive.skewJoin.enabled", "-> false",
        "AQE splits skewed partitions of a sort-merge join; new in 3.0",
    ),
    "local_shuffle_reader_enabled": (
        "spark.sql.adaptive.localShuffleReader.enabled", "-> false",
        "after AQE turns a join into a broadcast join, shuffle files are read locally; new in 3.0",
    ),
    "dynamic_partition_pruning": (
        "spark.sql.optimizer.dynamicPartitionPruning.enabled", "-> false",
        "a filter on a dimension table prunes the fact table's partitions at run time; new in 3.0",
    ),
    "ansi_enabled": (
        "spark.sql.ansi.enabled", "-> false",
        "ANSI SQL: invalid casts and overflows raise errors instead of returning null / wrapping; "
        "new in 3.0, off by default in 3.x (on in Spark 4.0)",
    ),
    "store_assignment_policy": (
        "spark.sql.storeAssignmentPolicy", "-> LEGACY",
        "INSERT type coercion: ANSI rejects unreasonable conversions (string -> int); 2.4 behaved as LEGACY",
    ),
    "time_parser_policy": (
        "spark.sql.legacy.timeParserPolicy", "-> LEGACY",
        "3.0 parses dates with java.time (Proleptic Gregorian); EXCEPTION flags inputs whose result would differ "
        "from 2.4's SimpleDateFormat (LEGACY)",
    ),
    "arrow_pyspark_enabled": (
        "spark.sql.execution.arrow.pyspark.enabled", "false",
        "Arrow for toPandas/createDataFrame(pandas); Spark 2.4 called it spark.sql.execution.arrow.enabled",
    ),
    "shuffle_partitions": (
        "spark.sql.shuffle.partitions", "200",
        "unchanged; with AQE it is only the starting point before coalescing",
    ),
    "auto_broadcast_join_threshold": (
        "spark.sql.autoBroadcastJoinThreshold", "10485760b",
        "unchanged: 10 MB (Spark 3 prints byte sizes with a b suffix; 2.4 printed 10485760)",
    ),
    "cbo_enabled": (
        "spark.sql.cbo.enabled", "false",
        "unchanged: cost-based optimisation needs ANALYZE TABLE statistics (see lab day1-catalyst)",
    ),
}


def live_value(spark: SparkSession, key: str) -> Optional[str]:
    """spark.conf.get(key): the value set for this session, else the setting's registered default.

    (Not spark.conf.get(key, None): with an explicit default, that default wins over the registered one.)
    """
    try:
        return spark.conf.get(key)
    except Exception:  # noqa: BLE001 - a key this Spark does not know
        return None


def spark3_defaults(spark: SparkSession) -> Dict[str, Dict[str, Any]]:
    """The table: live value (this session) beside the Spark 2.4 default of each setting."""
    table = {}
    for alias, (key, spark2, note) in SPARK3_DEFAULTS.items():
        value = live_value(spark, key)
        existed = not spark2.startswith("-> ")
        behaved_as = spark2 if existed else spark2[3:]
        table[alias] = {
            "key": key,
            "spark3": value,
            "spark2": spark2 if existed else None,
            "spark2_behaviour": behaved_as,
            "new_in_spark3": not existed,
            "default_changed": value != behaved_as,
            "note": note,
        }
    return table


def _error_class(err: Exception) -> str:
    """PySpark 3.4+ errors carry Spark's error class (e.g. CAST_INVALID_INPUT); fall back to the message."""
    getter = getattr(err, "getErrorClass", None)
    value = getter() if callable(getter) else None
    return str(value) if value else str(err).splitlines()[0][:120]


def ansi_behaviour(spark: SparkSession) -> Dict[str, Any]:
    """The same two expressions with ANSI mode off (the 3.x default) and on."""
    queries = {
        "cast": "SELECT CAST('12a' AS INT) AS v",
        "overflow": "SELECT CAST(2147483647 AS INT) + CAST(1 AS INT) AS v",
    }
    out: Dict[str, Any] = {"queries": queries}
    for name, sql in queries.items():
        with labkit.sql_conf(spark, {"spark.sql.ansi.enabled": False}):
            out[f"off_{name}_result"] = spark.sql(sql).collect()[0]["v"]
        with labkit.sql_conf(spark, {"spark.sql.ansi.enabled": True}):
            try:
                out[f"on_{name}_result"] = spark.sql(sql).collect()[0]["v"]
                out[f"on_{name}_error"] = None
            except Exception as err:  # noqa: BLE001 - the error IS the lesson
                out[f"on_{name}_error"] = _error_class(err)
    return out


def aqe_view(spark: SparkSession, path: str) -> Dict[str, Any]:
    """AQE at work on the DataFrame aggregation: 200 shuffle partitions planned, far fewer read."""
    df = totals_dataframe_query(spark, path)
    df.collect()
    nodes = labkit.plan_nodes(df)
    planned = int(spark.conf.get("spark.sql.shuffle.partitions"))
    read = labkit.result_partitions(df)
    return {
        "adaptive_plan": labkit.is_adaptive(df),
        "shuffle_partitions": planned,
        "partitions_after_coalesce": read,
        "coalesced": "AQEShuffleRead" in nodes and read < planned,
        "plan_nodes": nodes,
        "plan": labkit.plan_text(df).splitlines(),
    }


def class_present(spark: SparkSession, name: str) -> bool:
    try:
        spark._jvm.java.lang.Class.forName(name)
        return True
    except Exception:  # noqa: BLE001 - py4j wraps ClassNotFoundException
        return False


def api_probe(spark: SparkSession, df: DataFrame) -> Dict[str, Any]:
    """What this runtime says about the APIs: Datasets, removed and deprecated ones, language versions."""
    import pyspark.sql as pysql

    jvm = spark._jvm
    return {
        # A Python DataFrame wraps a JVM Dataset[Row]: typed Datasets exist only in Scala/Java.
        "dataframe_jvm_class": str(df._jdf.getClass().getName()),
        "python_has_typed_dataset": hasattr(pysql, "Dataset"),
        "removed_in_spark3": {
            "accumulator_v1": {
                "class": "org.apache.spark.Accumulator",
                "present": class_present(spark, "org.apache.spark.Accumulator"),
                "use_instead": "AccumulatorV2: sc.longAccumulator / doubleAccumulator / collectionAccumulator",
            },
            "accumulator_param_v1": {
                "class": "org.apache.spark.AccumulatorParam",
                "present": class_present(spark, "org.apache.spark.AccumulatorParam"),
                "use_instead": "a subclass of AccumulatorV2",
            },
        },
        "deprecated_still_present": {
            "HiveContext": {
                "present": hasattr(pysql, "HiveContext"),
                "use_instead": "SparkSession.builder.enableHiveSupport() (HiveContext is gone in Spark 4)",
            },
            "SQLContext": {"present": hasattr(pysql, "SQLContext"), "use_instead": "SparkSession"},
            "registerTempTable": {
                "present": hasattr(DataFrame, "registerTempTable"),
                "use_instead": "DataFrame.createOrReplaceTempView",
            },
            "UserDefinedAggregateFunction": {
                "present": class_present(spark, "org.apache.spark.sql.expressions.UserDefinedAggregateFunction"),
                "use_instead": "Aggregator + functions.udaf (Spark 3.0+)",
            },
        },
        "versions": {
            "spark": spark.version,
            "scala": str(jvm.scala.util.Properties.versionNumberString()),
            "java": str(jvm.java.lang.System.getProperty("java.version")),
            "python": platform.python_version(),
            "note": "Spark 3 dropped Scala 2.11 (3.0) and Python 2 / 3.5 (3.1); Spark 3.5 builds for Scala 2.12 and 2.13",
        },
    }


# ---------------------------------------------------------------------------------------------- transform


def timed(fn) -> Tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def transform(spark: SparkSession, out: str, rows: int, partitions: int, runs: int, warmup: int,
              pandas_api: bool) -> Dict[str, Any]:
    path = out.rstrip("/") + "/input"
    write_input(spark, path, rows, partitions)
    result: Dict[str, Any] = {
        "params": {"rows": rows, "partitions": partitions, "runs": runs, "warmup": warmup,
                   "keys": KEYS, "min_amount": MIN_AMOUNT, "input": path},
    }

    # 1. The same aggregation, RDD vs DataFrame: results first, then interleaved timings.
    rdd = totals_rdd(spark, path)
    dfr = totals_dataframe(spark, path)
    differing = sorted(k for k in set(rdd) | set(dfr) if rdd.get(k) != dfr.get(k))
    result["aggregation"] = {
        "rdd_groups": len(rdd),
        "dataframe_groups": len(dfr),
        "equal_results": rdd == dfr and len(rdd) == KEYS,
        "differing_keys": differing[:10],
        "rdd_sales": sum(v[0] for v in rdd.values()),
        "dataframe_sales": sum(v[0] for v in dfr.values()),
        "dataframe_total": sum(v[1] for v in dfr.values()),
        "sample": {k: {"sales": dfr[k][0], "total": dfr[k][1]} for k in sorted(dfr)[:3]},
    }
    sc = spark.sparkContext

    # Each timed run in its own job group: afterwards the CPU its tasks used is looked up per group. CPU time
    # hardly changes when other programs compete for the cores, wall time does.
    groups: Dict[str, List[str]] = {"rdd": [], "dataframe": []}
    python_cpu: Dict[str, float] = {}

    def timed_run(label: str):
        def run() -> None:
            group = f"day1-apis-{label}-{len(groups[label])}"
            groups[label].append(group)
            sc.setJobGroup(group, f"day1 apis: {label} (timed)")
            try:
                if label == "rdd":
                    acc = sc.accumulator(0.0)
                    totals_rdd(spark, path, python_cpu=acc)
                    python_cpu[group] = acc.value
                else:
                    totals_dataframe(spark, path)
            finally:
                sc.setLocalProperty("spark.jobGroup.id", None)
                sc.setLocalProperty("spark.job.description", None)
        return run

    t = labkit.compare_medians({"rdd": timed_run("rdd"), "dataframe": timed_run("dataframe")},
                               runs=runs, warmup=warmup)
    cpu = {
        label: [labkit.group_cpu_seconds(spark, g) + python_cpu.get(g, 0.0) for g in gs[warmup:]]
        for label, gs in groups.items()
    }
    jvm_rdd = [labkit.group_cpu_seconds(spark, g) for g in groups["rdd"][warmup:]]
    cpu_rdd, cpu_df = statistics.median(cpu["rdd"]), statistics.median(cpu["dataframe"])
    result["timing"] = {
        "rdd_median_s": round(t["rdd"].median, 4),
        "dataframe_median_s": round(t["dataframe"].median, 4),
        "speedup": round(t["rdd"].median / t["dataframe"].median, 2),
        "pair_ratios": [round(a / b, 2) for a, b in zip(t["rdd"].samples, t["dataframe"].samples) if b > 0],
        "rdd_cpu_median_s": round(cpu_rdd, 4),
        "dataframe_cpu_median_s": round(cpu_df, 4),
        "cpu_ratio": round(cpu_rdd / cpu_df, 2) if cpu_df > 0 else None,
        "rdd_cpu_in_python_share": round(1 - statistics.median(jvm_rdd) / cpu_rdd, 2) if cpu_rdd > 0 else None,
        "rdd": {**t["rdd"].as_dict(), "cpu_s": [round(c, 4) for c in cpu["rdd"]]},
        "dataframe": {**t["dataframe"].as_dict(), "cpu_s": [round(c, 4) for c in cpu["dataframe"]]},
    }

    # 2. pandas API on Spark (informational: correctness, one timing).
    if pandas_api:
        sc.setJobDescription("day1 apis: pandas API on Spark")
        try:
            pst, seconds = timed(lambda: totals_pandas_api(spark, path))
            result["pandas_api"] = {"equal_results": pst == dfr, "groups": len(pst), "seconds": round(seconds, 3)}
        except Exception as err:  # noqa: BLE001 - report, do not fail the other sections
            result["pandas_api"] = {"equal_results": False, "error": str(err).splitlines()[0][:200]}
        finally:
            sc.setJobDescription(None)

    # 3. Spark 2 vs Spark 3: the defaults of this live session, ANSI mode, AQE, removed/deprecated APIs.
    result["spark3_defaults"] = spark3_defaults(spark)
    result["ansi"] = ansi_behaviour(spark)
    sc.setJobDescription("day1 apis: AQE view of the DataFrame aggregation")
    try:
        result["aqe"] = aqe_view(spark, path)
    finally:
        sc.setJobDescription(None)
    result["apis"] = api_probe(spark, totals_dataframe_query(spark, path))
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=300_000, help="rows of the generated Parquet input")
        p.add_argument("--partitions", type=int, default=2, help="files (= input partitions) of the input")
        p.add_argument("--runs", type=int, default=3, help="timed runs per API (median)")
        # The correctness runs (step 1) already warm both versions up: JIT, Python workers, file listing.
        p.add_argument("--warmup", type=int, default=0, help="extra untimed runs per API before timing")
        p.add_argument("--no-pandas-api", dest="pandas_api", action="store_false", help="skip the pandas API part")

    labkit.run_step(
        "day1-apis: RDD vs DataFrame, Spark 2 vs Spark 3",
        extra,
        lambda spark, args: transform(spark, args.out, args.rows, args.partitions, args.runs, args.warmup, args.pandas_api),
        argv,
    )


if __name__ == "__main__":
    main()
