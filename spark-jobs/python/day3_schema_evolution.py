"""Lab day3-schema-evolution: a new batch adds and widens columns - once as plain Parquet files (mergeSchema), once as
an Iceberg table evolved with Spark SQL through the Glue Data Catalog.

Part 1, every target: plain Parquet, partitioned by ingest_date, at --table
  batch 1 (2024-03-01)  schema v1: order_id BIGINT, amount FLOAT, country STRING
  batch 2 (2024-03-02)  schema v2: amount widened to DOUBLE, two new columns channel STRING, discount DOUBLE
  1. mergeSchema over both batches FAILS in Spark 3.5: Parquet schema merging unions columns but cannot widen a
     type (FLOAT in the old files, DOUBLE in the new ones). Widening is not a metadata-only change for Parquet.
  2. The fix: backfill. The old partition is rewritten with amount cast to DOUBLE (its other columns unchanged;
     dynamic partition overwrite touches that partition only).
  3. mergeSchema now succeeds: the union of the columns, old rows with NULL for channel and discount.

Part 2, where the cluster defines the Iceberg catalog glue_catalog (sandbox, EMR: lab.yaml's cluster.configurations):
the same evolution as Spark SQL on glue_catalog.labs_<student>.orders_evolving, each statement one Iceberg commit and
one Glue CreateTable/UpdateTable:
  CREATE TABLE (order_id BIGINT, amount FLOAT, country STRING)   Glue version 1
  INSERT batch 1                                                 2  (data only)
  ALTER TABLE ADD COLUMNS (channel STRING, discount DOUBLE)      3  schema
  ALTER TABLE ALTER COLUMN amount TYPE DOUBLE                    4  schema (float -> double: Iceberg allows it)
  ALTER TABLE RENAME COLUMN country TO country_code              5  schema
  INSERT batch 2                                                 6  (data only)
No data file is rewritten: Iceberg tracks columns by id, so old files are read with the new names and types. What
this application returns is only what it ran; the next step (day3_schema_reader.py, another application) reads the
table back and asks the Glue API what the catalog holds. Locally there is no such catalog: iceberg.configured false.

Run: spark-submit --py-files labkit.py day3_schema_evolution.py --out DIR --table s3a://bucket/prefix/orders
     --student ID [--warehouse URI]
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import labkit

# The Iceberg catalog lab.yaml's cluster.configurations define, and the table evolved through it (in the student's
# Glue database).
ICEBERG_CATALOG = "glue_catalog"
ICEBERG_TABLE = "orders_evolving"
V1 = T.StructType(
    [T.StructField("order_id", T.LongType()), T.StructField("amount", T.FloatType()), T.StructField("country", T.StringType())]
)
V2 = T.StructType(
    [
        T.StructField("order_id", T.LongType()),
        T.StructField("amount", T.DoubleType()),
        T.StructField("country", T.StringType()),
        T.StructField("channel", T.StringType()),
        T.StructField("discount", T.DoubleType()),
    ]
)

# ------------------------------------------------------------------------------------------- transforms


def batch(spark: SparkSession, schema: T.StructType, first_id: int, rows: int) -> DataFrame:
    df = spark.range(first_id, first_id + rows, 1, numPartitions=1).select(
        F.col("id").alias("order_id"),
        ((F.col("id") * 7919) % 10000 / 100.0).alias("amount"),
        F.element_at(F.array(*[F.lit(c) for c in ["DE", "FR", "US"]]), (F.col("id") % 3 + 1).cast("int")).alias("country"),
        F.element_at(F.array(*[F.lit(c) for c in ["web", "app", "store"]]), (F.col("id") % 3 + 1).cast("int")).alias("channel"),
        ((F.col("id") % 5) / 20.0).alias("discount"),
    )
    return df.select(*[F.col(f.name).cast(f.dataType) for f in schema.fields])


def write_batch(df: DataFrame, table: str, ingest_date: str) -> None:
    df.withColumn("ingest_date", F.lit(ingest_date)).write.mode("overwrite").partitionBy("ingest_date").parquet(table)


def read_merged(spark: SparkSession, table: str) -> DataFrame:
    return spark.read.option("mergeSchema", True).parquet(table)


def parquet_evolution(spark: SparkSession, table: str, rows: int) -> Dict[str, Any]:
    table = table.rstrip("/")
    write_batch(batch(spark, V1, 0, rows), table, "2024-03-01")
    write_batch(batch(spark, V2, rows, rows), table, "2024-03-02")

    # 1. mergeSchema over files with FLOAT and DOUBLE amounts
    try:
        read_merged(spark, table).schema  # schema inference is where merging happens
        merge_before = {"failed": False, "error": None}
    except Exception as err:  # noqa: BLE001 - the expected failure is the lesson
        text = str(err)
        cls = re.search(r"\[([A-Z_]+)\]", text)
        # The innermost cause names the two types that would not merge.
        detail = re.search(r"\[CANNOT_MERGE_INCOMPATIBLE_DATA_TYPE\][^\n]*", text)
        merge_before = {
            "failed": True,
            "error_class": cls.group(1) if cls else None,
            "error": (detail.group(0) if detail else text.split("\n")[0])[:300],
        }

    # 2. backfill the old partition: same rows, amount widened. localCheckpoint() materialises the rows first,
    # so the write does not read the files it replaces.
    old_part = f"{table}/ingest_date=2024-03-01"
    widened = spark.read.parquet(old_part).withColumn("amount", F.col("amount").cast("double")).localCheckpoint()
    write_batch(widened, table, "2024-03-01")

    # 3. mergeSchema after the backfill
    merged = read_merged(spark, table)
    merged_schema = {f.name: f.dataType.simpleString() for f in merged.schema.fields}
    old_rows = merged.where(F.col("ingest_date") == "2024-03-01")
    stats = old_rows.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.col("channel").isNull().cast("int")).alias("null_channel"),
        F.sum(F.col("discount").isNull().cast("int")).alias("null_discount"),
    ).first()
    new_rows = merged.where(F.col("ingest_date") == "2024-03-02").where(F.col("channel").isNotNull()).count()
    return {
        "params": {"rows_per_batch": rows, "table": table},
        "merge_before_backfill": merge_before,
        "merged_schema": merged_schema,
        "old_rows": {"rows": int(stats["rows"]), "null_channel": int(stats["null_channel"]), "null_discount": int(stats["null_discount"])},
        "old_rows_null_for_new_columns": int(stats["rows"]) == rows and int(stats["null_channel"]) == rows and int(stats["null_discount"]) == rows,
        "new_rows_with_channel": new_rows,
        "total_rows": merged.count(),
        "amount_type": merged_schema.get("amount"),
    }


def iceberg_statements(name: str, rows: int) -> List[str]:
    """The evolution as Spark SQL, one Iceberg commit (and one Glue version) per statement."""
    countries = "array('DE', 'FR', 'US')"
    channels = "array('web', 'app', 'store')"
    return [
        f"CREATE TABLE {name} (order_id BIGINT, amount FLOAT, country STRING) USING iceberg",
        f"""INSERT INTO {name} SELECT id, CAST((id * 7919) % 10000 / 100.0 AS FLOAT),
            element_at({countries}, CAST(id % 3 + 1 AS INT)) FROM range(0, {rows})""",
        # metadata-only commits: no data file is read or rewritten
        f"ALTER TABLE {name} ADD COLUMNS (channel STRING, discount DOUBLE)",
        f"ALTER TABLE {name} ALTER COLUMN amount TYPE DOUBLE",
        f"ALTER TABLE {name} RENAME COLUMN country TO country_code",
        # the new batch by name, in the evolved schema
        f"""INSERT INTO {name} SELECT id, (id * 7919) % 10000 / 100.0, element_at({countries}, CAST(id % 3 + 1 AS INT)),
            element_at({channels}, CAST(id % 3 + 1 AS INT)), (id % 5) / 20.0 FROM range({rows}, {2 * rows})""",
    ]


def iceberg_evolution(spark: SparkSession, db: str, rows: int) -> Dict[str, Any]:
    name = f"{ICEBERG_CATALOG}.{db}.{ICEBERG_TABLE}"
    return labkit.iceberg_commits(spark, name, iceberg_statements(name, rows))


def transform(spark: SparkSession, table: str, student: str, rows: int) -> Dict[str, Any]:
    result = parquet_evolution(spark, table, rows)
    result["iceberg"] = (
        iceberg_evolution(spark, labkit.student_glue_database(student), rows)
        if labkit.catalog_configured(spark, ICEBERG_CATALOG) else {"configured": False}
    )
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--table", required=True, help="the Parquet table's location (s3a:// or s3://)")
        p.add_argument("--student", required=True, help="student id: the Iceberg table goes to the student's Glue database")
        p.add_argument("--rows", type=int, default=1000)
        p.add_argument("--warehouse", help="the Iceberg catalog's warehouse (for databases without a location)")

    args = labkit.lab_args("day3-schema-evolution", extra=extra, argv=argv)
    builder = SparkSession.builder
    if args.warehouse:
        # the cluster's classification defines the catalog for every student; where its files go is this run's
        builder = builder.config(f"spark.sql.catalog.{ICEBERG_CATALOG}.warehouse", args.warehouse)
    spark = builder.getOrCreate()
    result = transform(spark, args.table, args.student, args.rows)
    labkit.write_result(spark, args.out, result)
    spark.stop()


if __name__ == "__main__":
    main()
