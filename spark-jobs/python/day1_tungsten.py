"""Lab day1-tungsten: whole-stage code generation, the binary row format, cache-aware computation.

Tungsten is the part of Spark SQL's execution engine that works on raw memory instead of Java objects:

  codegen   whole-stage code generation fuses a chain of operators (Range -> Filter -> Project -> partial
            aggregate) into ONE generated Java method per stage: a tight loop with no virtual call per row and
            no row object between operators. explain() marks each fused operator with `*(n)`, n being the
            codegen stage id; the plan has WholeStageCodegen (n) nodes. Measured here: the same query with
            spark.sql.codegen.wholeStage on and off (off = the "Volcano" model: every operator is an iterator
            that calls next() on its child for every row).
  binary    rows travel as UnsafeRow: a null bit set, one 8-byte slot per field (the value itself for fixed
            width types, offset+length for strings), then the variable-length bytes. We report the layout the
            JVM computes for this lab's rows, and what the in-memory columnar cache makes of them.
  cache     cache-aware algorithms: the sort keeps an array of (record pointer, 8-byte key prefix) pairs and
            compares prefixes first, so most comparisons stay in the CPU cache. We sort the same strings twice:
            once with the distinguishing characters first (the prefix decides), once behind a common head
            (every comparison must follow the pointer into the record: cache misses).

Run: spark-submit --py-files labkit.py day1_tungsten.py --out DIR [--rows N] [--runs N] ...
"""

from __future__ import annotations

import re
import statistics
import time
from typing import Any, Dict, List

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

CODEGEN = "spark.sql.codegen.wholeStage"
STAR_MARKER = re.compile(r"\*\((\d+)\)")

# ------------------------------------------------------------------------------------------- transforms


def pipeline(spark: SparkSession, rows: int, partitions: int) -> DataFrame:
    """A chain of narrow operators ending in a global aggregate: the shape codegen helps most.

    Range -> Project -> Filter -> Project -> partial HashAggregate run in one codegen stage, the final
    HashAggregate (after the single-partition Exchange) in a second one. Only arithmetic on longs: no
    strings, no Python, so what is measured is the per-row overhead between operators.
    """
    return (
        spark.range(0, rows, 1, numPartitions=partitions)
        .selectExpr("id", "(id * 7 + 3) % 1000 AS a", "id % 13 AS b")
        .filter("a > b")
        .selectExpr("a * b AS ab", "a + b AS apb", "a - b AS amb")
        .agg(
            F.sum("ab").alias("sum_ab"),
            F.max("apb").alias("max_apb"),
            F.min("amb").alias("min_amb"),
            F.count(F.lit(1)).alias("rows"),
        )
    )


def sort_keys(spark: SparkSession, rows: int, partitions: int, prefix_decides: bool) -> DataFrame:
    """The same set of 28-character strings, sorted within each partition (no shuffle).

    prefix_decides=True: '00012345-common-tail-0000000' - the first 8 bytes (the sort prefix) already
    order almost every pair. False: 'common-head-0000000-00012345' - every prefix is equal, so each
    comparison falls back to comparing the full records through their pointers.
    """
    x = F.lpad(((F.col("id") * 2654435761) % rows).cast("string"), 8, "0")
    key = F.concat(x, F.lit("-common-tail-0000000")) if prefix_decides else F.concat(F.lit("common-head-0000000-"), x)
    return spark.range(0, rows, 1, numPartitions=partitions).select(key.alias("k")).sortWithinPartitions("k")


# ------------------------------------------------------------------------------------------ observations


def codegen_view(spark: SparkSession, df: DataFrame) -> Dict[str, Any]:
    """What the plan says about code generation (call after an action ran on df)."""
    text = labkit.plan_text(df)
    nodes = labkit.plan_nodes(df)
    stage_ids = sorted({int(m) for m in STAR_MARKER.findall(text)})
    wsc = [n for n in nodes if n.startswith("WholeStageCodegen")]
    # The Java source of each codegen stage: WholeStageCodegenExec.doCodeGen() generates it without
    # compiling it (debug().codegen() would also compile every stage, which costs seconds).
    sources = [str(node.doCodeGen()._2().body()) for node in labkit.walk_plan(df)
               if labkit.class_name(node) == "WholeStageCodegenExec"]
    return {
        "codegen_stages": len(wsc),
        "codegen_stage_ids": stage_ids,
        "plan_has_star_markers": bool(stage_ids),
        "fused_operators": sum(1 for line in text.splitlines() if STAR_MARKER.search(line)),
        "generated_classes": len(sources),
        "generated_java_lines": sum(len(s.splitlines()) for s in sources),
        "plan_nodes": nodes,
        "plan": text.splitlines(),
        "explain_formatted": spark._jvm.PythonSQLUtils.explainString(df._jdf.queryExecution(), "formatted").splitlines(),
    }


def run_pipeline(spark: SparkSession, rows: int, partitions: int, codegen: bool) -> Dict[str, Any]:
    """One run of the pipeline under the given setting, and what its plan says about codegen."""
    sc = spark.sparkContext
    sc.setJobDescription(f"day1 tungsten: pipeline, wholeStage codegen {'on' if codegen else 'off'} (plan run)")
    try:
        with labkit.sql_conf(spark, {CODEGEN: codegen}):
            df = pipeline(spark, rows, partitions)
            start = time.perf_counter()
            row = df.collect()[0].asDict()
            seconds = time.perf_counter() - start
            view = codegen_view(spark, df)
    finally:
        sc.setJobDescription(None)
    view["result"] = row
    # The first run of each setting pays class loading and JIT warm-up: not part of the comparison.
    view["seconds_first_run"] = round(seconds, 3)
    return view


def unsafe_row_layout(spark: SparkSession, long_fields: int, string_bytes: int) -> Dict[str, Any]:
    """Bytes of one UnsafeRow, with the bit-set width as the JVM computes it.

    Layout: [null bit set, 8-byte words][one 8-byte slot per field][variable-length region, 8-byte aligned].
    """
    unsafe_row = spark._jvm.org.apache.spark.sql.catalyst.expressions.UnsafeRow
    fixed_only = int(unsafe_row.calculateBitSetWidthInBytes(long_fields)) + 8 * long_fields
    with_string_fields = long_fields + 1
    bitset = int(unsafe_row.calculateBitSetWidthInBytes(with_string_fields))
    var_region = (string_bytes + 7) // 8 * 8
    return {
        "long_fields": long_fields,
        "bitset_bytes": int(unsafe_row.calculateBitSetWidthInBytes(long_fields)),
        "row_bytes_longs_only": fixed_only,
        "string_bytes": string_bytes,
        "row_bytes_with_string": bitset + 8 * with_string_fields + var_region,
        "java_object_note": "a boxed java.lang.Long alone is 16 bytes plus a reference; a GenericRow of 3 "
        "boxed longs is roughly 100 bytes",
    }


def cached_size(spark: SparkSession, rows: int, partitions: int) -> Dict[str, Any]:
    """Cache the pipeline's input (3 long columns) and read its in-memory size from the block manager.

    The cache stores compressed column batches (spark.sql.inMemoryColumnarStorage.compressed), so it is
    smaller than rows x UnsafeRow bytes; the Storage tab of the UI shows the same number.
    """
    df = spark.range(0, rows, 1, numPartitions=partitions).selectExpr(
        "id", "(id * 7 + 3) % 1000 AS a", "id % 13 AS b"
    )
    df.cache()
    try:
        df.count()
        infos = [i for i in spark.sparkContext._jsc.sc().getRDDStorageInfo() if i.numCachedPartitions() > 0]
        mem = sum(int(i.memSize()) for i in infos)
    finally:
        df.unpersist(blocking=True)
    unsafe = rows * (8 + 3 * 8)
    return {
        "rows": rows,
        "columns": 3,
        "cached_bytes": mem,
        "unsafe_row_bytes": unsafe,
        "raw_long_bytes": rows * 3 * 8,
        "cached_vs_unsafe_ratio": round(mem / unsafe, 3) if unsafe else None,
        "compressed": spark.conf.get("spark.sql.inMemoryColumnarStorage.compressed"),
    }


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, rows: int, partitions: int, runs: int, warmup: int,
              sort_rows: int, sort_runs: int) -> Dict[str, Any]:
    result: Dict[str, Any] = {
        "params": {"rows": rows, "partitions": partitions, "runs": runs, "warmup": warmup,
                   "sort_rows": sort_rows, "sort_runs": sort_runs},
    }

    phases: Dict[str, float] = {}
    started = time.perf_counter()

    def phase(name: str) -> None:
        phases[name] = round(time.perf_counter() - started - sum(phases.values()), 2)

    # 1. The plan with and without whole-stage codegen (one recorded run each; also warms both paths up).
    on = run_pipeline(spark, rows, partitions, codegen=True)
    off = run_pipeline(spark, rows, partitions, codegen=False)
    result["codegen_on"] = on
    result["codegen_off"] = off
    result["results_equal"] = on["result"] == off["result"]
    phase("plans")

    # 2. Timing: on/off runs interleaved, medians after warm-up. Each call builds a new DataFrame and
    #    plans it under its own setting (the setting is read at planning time), in its own job group so
    #    the executor CPU time of its tasks can be looked up afterwards.
    groups: Dict[str, List[str]] = {"on": [], "off": []}

    def timed(codegen: bool):
        label = "on" if codegen else "off"

        def fn() -> None:
            group = f"tungsten-codegen-{label}-{len(groups[label])}"
            groups[label].append(group)
            spark.sparkContext.setJobGroup(group, f"day1 tungsten: timed run, wholeStage codegen {label}")
            try:
                with labkit.sql_conf(spark, {CODEGEN: codegen}):
                    pipeline(spark, rows, partitions).collect()
            finally:
                spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
                spark.sparkContext.setLocalProperty("spark.job.description", None)
        return fn

    timings = labkit.compare_medians({"on": timed(True), "off": timed(False)}, runs=runs, warmup=warmup)
    pairs: List[float] = [
        round(b / a, 2) for a, b in zip(timings["on"].samples, timings["off"].samples) if a > 0
    ]
    cpu = {label: [labkit.group_cpu_seconds(spark, g) for g in gs[warmup:]] for label, gs in groups.items()}
    cpu_on = statistics.median(cpu["on"])
    cpu_off = statistics.median(cpu["off"])
    result["codegen"] = {
        "on_median_s": round(timings["on"].median, 4),
        "off_median_s": round(timings["off"].median, 4),
        "speedup": round(timings["off"].median / timings["on"].median, 2),
        "pair_ratios": pairs,
        "on_cpu_median_s": round(cpu_on, 4),
        "off_cpu_median_s": round(cpu_off, 4),
        "cpu_speedup": round(cpu_off / cpu_on, 2) if cpu_on > 0 else None,
        "on": {**timings["on"].as_dict(), "cpu_s": [round(c, 4) for c in cpu["on"]]},
        "off": {**timings["off"].as_dict(), "cpu_s": [round(c, 4) for c in cpu["off"]]},
    }
    phase("codegen_timing")

    # 3. Binary format: the UnsafeRow layout, and what the columnar cache stores for the same rows.
    result["unsafe_row"] = unsafe_row_layout(spark, long_fields=3, string_bytes=28)
    result["cache"] = cached_size(spark, min(rows, 300_000), partitions)
    phase("cache")

    # 4. Cache-aware sort: the same strings with a decisive vs a useless 8-byte prefix.
    def sort_run(prefix_decides: bool):
        return lambda: sort_keys(spark, sort_rows, partitions, prefix_decides).write.format("noop").mode("overwrite").save()

    sorts = labkit.compare_medians({"prefix": sort_run(True), "no_prefix": sort_run(False)}, runs=sort_runs, warmup=1)
    result["sort_prefix"] = {
        "prefix_median_s": round(sorts["prefix"].median, 4),
        "no_prefix_median_s": round(sorts["no_prefix"].median, 4),
        "slowdown_without_prefix": round(sorts["no_prefix"].median / sorts["prefix"].median, 2),
        "prefix": sorts["prefix"].as_dict(),
        "no_prefix": sorts["no_prefix"].as_dict(),
    }
    phase("sort_prefix")
    result["phase_seconds"] = phases
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=5_000_000, help="rows of the codegen pipeline")
        p.add_argument("--partitions", type=int, default=2, help="partitions of the generated data (= cores: one task per core)")
        p.add_argument("--runs", type=int, default=5, help="timed runs per setting (median)")
        p.add_argument("--warmup", type=int, default=1, help="untimed runs per setting first")
        p.add_argument("--sort-rows", type=int, default=200_000, help="strings sorted in the prefix demo")
        p.add_argument("--sort-runs", type=int, default=3, help="timed runs per variant of the sort demo")

    labkit.run_step(
        "day1-tungsten: whole-stage codegen, UnsafeRow, cache-aware sort",
        extra,
        lambda spark, args: transform(spark, args.rows, args.partitions, args.runs, args.warmup, args.sort_rows, args.sort_runs),
        argv,
    )


if __name__ == "__main__":
    main()
