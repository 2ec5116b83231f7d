# Exercise day2-udfs (`labs exercise day2-udfs`): write check_builtin with built-in Column expressions, so the
# check digit is computed in the JVM's generated code instead of in Python workers. Find the TODO below.
"""Lab day2-udfs: Python UDF vs Arrow-optimised UDF vs pandas UDF vs built-in functions, and a custom
aggregation with a pandas grouped-aggregate UDF.

The same per-row computation - the Luhn check digit of a 12-digit order number - is written four ways:

  builtin      Column expressions: compiled into the JVM's generated code, no Python at all
  pandas_udf   @pandas_udf: Spark sends Arrow record batches (10,000 rows) to a Python worker, which runs
               the function once per batch on pandas Series (vectorised numpy)
  arrow_udf    @udf(useArrow=True) (Spark 3.5): rows travel as Arrow batches, but the function is still
               called once per row
  python_udf   @udf: rows are pickled to a Python worker in batches and the function runs once per row

Every variant sums its output over all rows (one number comes back, the whole column is computed), so
their answers must be identical. Timings: median of --runs interleaved runs after a warm-up.

Custom aggregation: the median amount per category, once with a pandas grouped-aggregate UDF
(pd.Series -> scalar, the PySpark way to write a UDAF) and once with the built-in percentile().

Run: spark-submit --py-files labkit.py day2_udfs.py --out DIR [--rows N] [--runs N]
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf, udf
from pyspark.sql.types import DoubleType, LongType

import labkit

# ---------------------------------------------------------------------------------------------- the UDFs
#
# The per-row rule: the Luhn check digit of a 12-digit order number (the scheme of card numbers and many
# order/parcel ids). A typical UDF candidate: a small loop per value, easy in Python, less obvious in SQL.

DIGITS = 12


def check_digit_py(order_no: int) -> int:
    """Plain Python, one value at a time: double every second digit from the right, add the digits up."""
    total = 0
    for i in range(DIGITS):
        d = (order_no // 10**i) % 10
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10


check_python = udf(check_digit_py, LongType())
check_arrow = udf(check_digit_py, LongType(), useArrow=True)


@pandas_udf(LongType())
def check_pandas(order_no: pd.Series) -> pd.Series:
    """The same rule on a whole batch: the loop runs over the digit positions, not over the rows; each
    step is one numpy operation on 10,000 values (on the numpy array: every pandas operation has a
    fixed cost of its own, which adds up with many small steps)."""
    x = order_no.to_numpy()
    total = np.zeros(len(x), dtype=np.int64)
    for i in range(DIGITS):
        d = (x // 10**i) % 10
        if i % 2 == 0:
            d = d * 2
            d = np.where(d > 9, d - 9, d)
        total += d
    return pd.Series((10 - total % 10) % 10)


def check_builtin(order_no: Column) -> Column:
    """The same rule as Column expressions, unrolled over the 12 positions: compiled into the JVM's
    generated code."""
    # TODO 1: the rule of check_digit_py as Column arithmetic (%, /, F.when ...) over the 12 digit positions:
    # no Python runs per row then. The placeholder calls the row-at-a-time Python UDF: right answer, slowest.
    return check_python(order_no)


@pandas_udf(DoubleType())
def median_pandas(amount: pd.Series) -> float:
    """A custom aggregation (grouped-aggregate pandas UDF): all values of a group arrive as one Series."""
    return float(amount.median())


VARIANTS: Dict[str, Callable[[Column], Column]] = {
    "builtin": check_builtin,
    "pandas_udf": check_pandas,
    "arrow_udf": check_arrow,
    "python_udf": check_python,
}

# ------------------------------------------------------------------------------------------- transforms


def build_orders(spark: SparkSession, rows: int) -> DataFrame:
    return spark.range(0, rows, 1, numPartitions=4).select(
        ((F.col("id") * F.lit(2654435761)) % 10**DIGITS).alias("order_no"),
        ((F.col("id") * F.lit(7919)) % 100_000).alias("amount_cents"),
        F.concat(F.lit("cat-"), (F.col("id") % 8).cast("string")).alias("category"),
    )


def digit_checksum(orders: DataFrame, variant: str) -> DataFrame:
    """Sum of order_no * 10 + check digit over all rows (the full ids with their check digits): forces
    the function over every row, brings back 1 row, and differs if any single digit differs."""
    fn = VARIANTS[variant]
    return orders.select((F.col("order_no") * 10 + fn(F.col("order_no"))).alias("full_no")).agg(
        F.sum("full_no").alias("total")
    )


def medians_pandas(orders: DataFrame) -> DataFrame:
    return orders.groupBy("category").agg(median_pandas(F.col("amount_cents").cast("double")).alias("median"))


def medians_builtin(orders: DataFrame) -> DataFrame:
    return orders.groupBy("category").agg(F.expr("percentile(amount_cents, 0.5)").alias("median"))


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, rows: int, runs: int) -> Dict[str, Any]:
    orders = build_orders(spark, rows).cache()
    orders.count()  # the input is cached: the timings compare the functions, not the data generation

    result: Dict[str, Any] = {
        "params": {"rows": rows, "runs": runs},
        "settings": {"arrow_batch_rows": int(spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch"))},
    }
    totals, plans = {}, {}
    single = {}
    for name in VARIANTS:
        df = digit_checksum(orders, name)
        t0 = time.perf_counter()
        totals[name] = int(df.collect()[0]["total"])  # also the warm-up: starts the Python workers
        single[name] = round(time.perf_counter() - t0, 3)
        plans[name] = [n for n in labkit.plan_nodes(df) if "Python" in n or "Arrow" in n or n == "HashAggregate"]
    # arrow_udf is shown for comparison from its single (warm-up) run above; timing it too would add the
    # most expensive variant to every round for a number no check uses.
    timed = [name for name in VARIANTS if name != "arrow_udf"]
    timings = labkit.compare_medians(
        {name: (lambda name=name: digit_checksum(orders, name).collect()) for name in timed}, runs=runs, warmup=0
    )
    med = {name: t.median for name, t in timings.items()}
    result["totals"] = totals
    result["results_agree"] = len(set(totals.values())) == 1
    result["plan_nodes"] = plans
    result["timings"] = {name: t.as_dict() for name, t in timings.items()}
    result["first_run_s"] = single
    result["fastest"] = min(med, key=med.get)
    result["ratios"] = {
        "python_over_pandas": round(med["python_udf"] / med["pandas_udf"], 2),
        "pandas_over_builtin": round(med["pandas_udf"] / med["builtin"], 2),
        "python_over_builtin": round(med["python_udf"] / med["builtin"], 2),
        "python_over_arrow_first_run": round(single["python_udf"] / single["arrow_udf"], 2),
    }

    # custom aggregation
    mp = {r["category"]: r["median"] for r in medians_pandas(orders).collect()}
    mb = {r["category"]: float(r["median"]) for r in medians_builtin(orders).collect()}
    result["custom_aggregation"] = {
        "medians_pandas_udf": dict(sorted(mp.items())),
        "medians_builtin": dict(sorted(mb.items())),
        "results_agree": mp.keys() == mb.keys() and all(abs(mp[k] - mb[k]) < 1e-6 for k in mp),
        "plan_nodes": [n for n in labkit.plan_nodes(medians_pandas(orders)) if "Pandas" in n or "Aggregate" in n],
    }
    orders.unpersist()
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=700_000, help="generated orders")
        p.add_argument("--runs", type=int, default=3, help="timed runs per variant (after a warm-up)")

    labkit.run_step(
        "day2-udfs: UDFs, pandas UDFs and built-ins",
        extra,
        lambda spark, args: transform(spark, args.rows, args.runs),
        argv,
    )


if __name__ == "__main__":
    main()
