"""Lab day3-file-formats: Parquet vs ORC vs Avro: size on disk, write and read time, column pruning, pushdown.

One generated table (orders with ten columns of mixed types, sorted by order_id) is written once per format,
then read back three ways:

  full       every column (a max() per column): what a format costs when nothing can be skipped
  one_col    sum(amount): columnar formats (Parquet, ORC) read only that column's chunks; Avro is row-oriented,
             every record is decoded whole
  filtered   sum(amount) WHERE order_id < 1%: Parquet row groups and ORC stripes/row-index strides carry min/max
             statistics, so the reader skips the ones that cannot match (predicate pushdown); Avro has no such
             statistics

For each read the job records the bytes its tasks read (the executors' task metrics, inputMetrics.bytesRead: the
Input column of the Stages tab, measured by each task from its thread's Hadoop FileSystem statistics and sent to
the driver with the task's end, so it means the same wherever the executors run) and the time of that run; the
one-column query is also timed as the median of --runs interleaved runs.

Run: spark-submit --packages org.apache.spark:spark-avro_2.12:3.5.6 --py-files labkit.py day3_file_formats.py
     --out DIR --root DIR
"""

from __future__ import annotations

import time
from typing import Any, Callable, Dict

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

FORMATS = ["parquet", "orc", "avro"]
#: small row groups / stripes so that a 1% filter can skip most of them (defaults are 128 MB / 64 MB)
WRITE_OPTIONS = {
    "parquet": {"parquet.block.size": str(1024 * 1024)},
    "orc": {"orc.stripe.size": str(1024 * 1024), "orc.row.index.stride": "10000"},
    "avro": {},
}

# ------------------------------------------------------------------------------------------- transforms


def build_orders(spark: SparkSession, rows: int, partitions: int) -> DataFrame:
    """Ten columns of the kinds a real table has: ids, a timestamp, low-cardinality strings, numbers, text."""
    h = F.col("id") * F.lit(2654435761) % 1000003
    return spark.range(0, rows, 1, numPartitions=partitions).select(
        F.col("id").alias("order_id"),
        (F.lit(1_700_000_000) + F.col("id") * 7).cast("timestamp").alias("created_at"),
        (h % 50000).cast("int").alias("customer_id"),
        F.element_at(F.array(*[F.lit(c) for c in ["DE", "FR", "US", "ES", "IT", "NL", "PL", "SE"]]), (h % 8 + 1).cast("int")).alias("country"),
        F.element_at(F.array(*[F.lit(s) for s in ["new", "paid", "shipped", "returned"]]), (h % 4 + 1).cast("int")).alias("status"),
        (h % 100000 / 100.0).alias("amount"),
        (h % 9 + 1).cast("int").alias("quantity"),
        (h % 1000 / 1000.0).alias("score"),
        (h % 2 == 0).alias("is_gift"),
        F.concat(F.lit("item "), F.sha1(F.col("id").cast("string")).substr(1, 16)).alias("description"),
    )


def bytes_on_disk(spark: SparkSession, path: str) -> Dict[str, int]:
    parts = [f for f in labkit.list_files(spark, path, missing_ok=False) if f.name.startswith("part-")]
    return {"bytes": sum(f.size for f in parts), "files": len(parts)}


def queries(spark: SparkSession, path: str, fmt: str, rows: int) -> Dict[str, Callable[[], Any]]:
    read = lambda: spark.read.format(fmt).load(path)  # noqa: E731 - a new DataFrame on every call
    return {
        "full": lambda: read().agg(*[F.max(c).alias(c) for c in read().columns]).collect(),
        "one_col": lambda: read().agg(F.sum("amount")).collect(),
        "filtered": lambda: read().where(F.col("order_id") < rows // 100).agg(F.sum("amount")).collect(),
    }


def measured(spark: SparkSession, label: str, action: Callable[[], Any]) -> Dict[str, Any]:
    """Run once; the bytes and records the tasks read (executor task metrics) and the answer."""
    with labkit.record_jobs(spark, label, f"day3 file formats: {label}") as rec:
        value = action()
    io = rec.summary()
    return {
        "bytes_read": io["input_bytes"],
        "records_read": io["input_records_read"],
        "tasks": io["tasks"],
        "first_run_s": round(rec.seconds, 3),
        "answer": [str(v) for v in value[0]],
    }


def transform(spark: SparkSession, root: str, rows: int, partitions: int, runs: int) -> Dict[str, Any]:
    root = root.rstrip("/")
    orders = build_orders(spark, rows, partitions).cache()
    orders.count()  # materialise once so every format's write times the encoding and I/O, not the generation
    formats: Dict[str, Dict[str, Any]] = {}
    for fmt in FORMATS:
        path = f"{root}/{fmt}"
        start = time.perf_counter()
        orders.write.mode("overwrite").format(fmt).options(**WRITE_OPTIONS[fmt]).save(path)
        formats[fmt] = {"path": path, "write_s": round(time.perf_counter() - start, 3), **bytes_on_disk(spark, path)}
    orders.unpersist()

    all_queries = {fmt: queries(spark, formats[fmt]["path"], fmt, rows) for fmt in FORMATS}
    for fmt in FORMATS:
        # One measured run of each query (this is also every query's warm-up).
        formats[fmt]["reads"] = {q: measured(spark, f"{fmt}-{q}", fn) for q, fn in all_queries[fmt].items()}
    # Timed (interleaved across formats): the one-column query. The others keep the time of their one run.
    timings = labkit.compare_medians({f"{fmt}.one_col": all_queries[fmt]["one_col"] for fmt in FORMATS}, runs=runs, warmup=0)
    for name, timing in timings.items():
        fmt, q = name.split(".")
        formats[fmt]["reads"][q].update(timing.as_dict())

    answers_agree = all(
        formats[fmt]["reads"][q]["answer"] == formats["parquet"]["reads"][q]["answer"] for fmt in FORMATS for q in ("one_col", "filtered")
    )
    b = {fmt: formats[fmt]["reads"] for fmt in FORMATS}
    ratio = lambda x, y: round(x / max(y, 1), 2)  # noqa: E731
    return {
        "params": {"rows": rows, "partitions": partitions, "runs": runs, "write_options": WRITE_OPTIONS},
        "formats": formats,
        "answers_agree": answers_agree,
        "sizes": {fmt: formats[fmt]["bytes"] for fmt in FORMATS},
        "one_col_bytes": {fmt: b[fmt]["one_col"]["bytes_read"] for fmt in FORMATS},
        "ratios": {
            "avro_over_parquet_size": ratio(formats["avro"]["bytes"], formats["parquet"]["bytes"]),
            "avro_over_orc_size": ratio(formats["avro"]["bytes"], formats["orc"]["bytes"]),
            # column pruning: bytes read for one column, row format / columnar format
            "one_col_avro_over_parquet_bytes": ratio(b["avro"]["one_col"]["bytes_read"], b["parquet"]["one_col"]["bytes_read"]),
            "one_col_avro_over_orc_bytes": ratio(b["avro"]["one_col"]["bytes_read"], b["orc"]["one_col"]["bytes_read"]),
            # predicate pushdown: bytes read for one column without / with a 1% filter
            "parquet_one_col_over_filtered_bytes": ratio(b["parquet"]["one_col"]["bytes_read"], b["parquet"]["filtered"]["bytes_read"]),
            "orc_one_col_over_filtered_bytes": ratio(b["orc"]["one_col"]["bytes_read"], b["orc"]["filtered"]["bytes_read"]),
            # ORC's row-group skipping counted in rows decoded: on S3A the bytes hide it (see the lab's check)
            "orc_one_col_over_filtered_records": ratio(b["orc"]["one_col"]["records_read"], b["orc"]["filtered"]["records_read"]),
            "avro_one_col_over_filtered_bytes": ratio(b["avro"]["one_col"]["bytes_read"], b["avro"]["filtered"]["bytes_read"]),
            "one_col_avro_over_parquet_time": round(b["avro"]["one_col"]["median_s"] / b["parquet"]["one_col"]["median_s"], 2),
        },
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--root", required=True, help="where the three copies of the table are written")
        p.add_argument("--rows", type=int, default=300_000)
        p.add_argument("--partitions", type=int, default=2)
        p.add_argument("--runs", type=int, default=3)

    labkit.run_step(
        "day3-file-formats: Parquet vs ORC vs Avro",
        extra,
        lambda spark, args: transform(spark, args.root, args.rows, args.partitions, args.runs),
        argv,
    )


if __name__ == "__main__":
    main()
