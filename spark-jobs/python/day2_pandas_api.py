"""Lab day2-pandas-api: the pandas API on Spark (pyspark.pandas) vs plain pandas, and default index types.

1. One analysis - derive a net amount, filter, group by category, aggregate, sort - written once in
   pandas syntax and run twice: with plain pandas on the driver, and with pyspark.pandas, where the same
   calls build a Spark plan that runs on the executors. The results must be equal; the plan Spark ran for
   the pandas-on-Spark version is recorded (what `psdf.spark.explain()` prints).
2. Default index types. A pandas DataFrame always has an index; a Spark DataFrame has no row order and
   no index, so converting one (sdf.pandas_api()) makes Spark attach one, by
   compute.default_index_type:
     sequence              0, 1, 2, ... computed with a window over ALL rows in ONE partition
     distributed-sequence  0, 1, 2, ... computed per partition, then offset (an extra job, stays distributed)
     distributed           monotonically_increasing_id() (distributed_index() in the plan): unique,
                           increasing, with gaps (partition id in the upper bits); no extra work
   For each: the operators that build the index, and the time to materialise it.

Run: spark-submit --py-files labkit.py day2_pandas_api.py --out DIR [--rows N] [--runs N]
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List

# pyspark.pandas asks for this to be set before pyarrow is imported (Arrow timestamp handling).
os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pyspark.pandas as ps  # noqa: E402
from pyspark.sql import DataFrame, SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

import labkit  # noqa: E402

INDEX_TYPES = ["sequence", "distributed-sequence", "distributed"]

# ------------------------------------------------------------------------------------------- transforms


def build_pandas(rows: int) -> pd.DataFrame:
    """The data, built with numpy on the driver (deterministic: a fixed seed)."""
    rng = np.random.default_rng(42)
    return pd.DataFrame(
        {
            "order_id": np.arange(rows, dtype=np.int64),
            "category": np.array([f"cat-{i:02d}" for i in range(16)])[rng.integers(0, 16, rows)],
            "amount": rng.integers(1, 10_000, rows).astype(np.int64),
            "discount_pct": rng.integers(0, 40, rows).astype(np.int64),
        }
    )


def analysis(df):
    """Written once in pandas syntax; `df` is a pandas or a pandas-on-Spark DataFrame. Integer arithmetic
    only, so both engines produce exactly the same numbers."""
    df = df.assign(net=df["amount"] * (100 - df["discount_pct"]) // 100)
    large = df[df["net"] > 1000]
    by_cat = large.groupby("category").agg({"net": "sum", "amount": "max", "order_id": "count"})
    by_cat = by_cat.rename(columns={"net": "net_total", "amount": "max_amount", "order_id": "orders"})
    return by_cat.sort_values("net_total", ascending=False)


def as_records(pdf: pd.DataFrame) -> List[Dict[str, Any]]:
    out = pdf.reset_index().sort_values("category")
    return [{k: (int(v) if isinstance(v, (np.integer, int)) else v) for k, v in r.items()} for r in out.to_dict("records")]


def index_frame(sdf: DataFrame, index_type: str) -> DataFrame:
    """The Spark DataFrame behind sdf.pandas_api() with the default index materialised as a column
    (pandas-on-Spark keeps the index as a hidden column; naming it makes it visible to plans)."""
    with ps.option_context("compute.default_index_type", index_type):
        psdf = sdf.pandas_api()
        return psdf.spark.frame(index_col="idx")


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, rows: int, runs: int) -> Dict[str, Any]:
    pdf = build_pandas(rows)
    psdf = ps.from_pandas(pdf)  # the same rows, now distributed (the pandas index travels along)

    # 1. the same analysis on both engines
    t0 = time.perf_counter()
    expected = analysis(pdf)
    pandas_s = time.perf_counter() - t0
    on_spark = analysis(psdf)
    plan = on_spark.spark.frame()._jdf.queryExecution().simpleString()  # what spark.explain() prints
    with labkit.record_jobs(spark, "pandas-on-spark", "day2 pandas api: analysis on Spark") as rec:
        got = on_spark.to_pandas()
    timing = labkit.median_seconds(lambda: analysis(psdf).to_pandas(), runs=runs, warmup=0)
    pandas_timing = labkit.median_seconds(lambda: analysis(pdf), runs=runs, warmup=1)
    result: Dict[str, Any] = {
        "params": {"rows": rows, "runs": runs},
        "analysis": {
            "pandas": as_records(expected),
            "equal": as_records(expected) == as_records(got),
            "order_equal": list(expected.index) == list(got.index),
            "pandas_on_spark_plan": str(plan),
            "plan_has_aggregate": "HashAggregate" in str(plan),
            "plan_has_exchange": "Exchange" in str(plan),
            "spark_jobs": rec.summary()["jobs"],
            "spark_stages": rec.summary()["stages_run"],
            "pandas_median_s": round(pandas_timing.median, 4),
            "pandas_first_s": round(pandas_s, 4),
            "pandas_on_spark_median_s": round(timing.median, 4),
        },
    }
    result["analysis"]["pandas_faster_on_small_data"] = pandas_timing.median < timing.median

    # 2. default index types, on a Spark DataFrame with 4 partitions
    sdf = spark.createDataFrame(pdf).repartition(4)
    sdf.cache().count()  # the input is cached, so the timings compare index building only
    indexes: Dict[str, Any] = {}
    for index_type in INDEX_TYPES:
        frame = index_frame(sdf, index_type)
        top = frame.agg(F.min("idx").alias("lo"), F.max("idx").alias("hi"), F.count(F.lit(1)).alias("n"))
        with labkit.record_jobs(spark, f"index-{index_type}", f"day2 pandas api: default index {index_type}") as rec:
            row = top.collect()[0]
        t = labkit.median_seconds(lambda: index_frame(sdf, index_type).agg(F.max("idx")).collect(), runs=runs, warmup=0)
        plan_text = str(frame._jdf.queryExecution().executedPlan().toString())
        indexes[index_type] = {
            "min": int(row["lo"]),
            "max": int(row["hi"]),
            "rows": int(row["n"]),
            "consecutive": int(row["lo"]) == 0 and int(row["hi"]) == int(row["n"]) - 1,
            "single_partition_window": "Window" in plan_text and "SinglePartition" in plan_text,
            "uses_distributed_sequence": "AttachDistributedSequence" in plan_text,
            # pandas-on-Spark's wrapper around monotonically_increasing_id()
            "uses_distributed_index": "distributed_index()" in plan_text,
            "jobs": rec.summary()["jobs"],
            "tasks_per_stage": rec.summary()["tasks_per_stage"],
            "median_s": round(t.median, 4),
            "plan": plan_text,
        }
    result["default_index"] = indexes
    result["default_index_type_setting"] = ps.get_option("compute.default_index_type")
    sdf.unpersist()
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=200_000, help="generated rows")
        p.add_argument("--runs", type=int, default=3, help="timed runs (medians)")

    labkit.run_step(
        "day2-pandas-api: pandas API on Spark",
        extra,
        lambda spark, args: transform(spark, args.rows, args.runs),
        argv,
    )


if __name__ == "__main__":
    main()
