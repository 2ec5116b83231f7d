"""Lab day3-schema-evolution: a new batch adds and widens columns; Parquet mergeSchema; the Glue table follows.

The table orders lives on S3, partitioned by ingest_date, and is registered in the Glue Data Catalog:

  batch 1 (2024-03-01)  schema v1: order_id BIGINT, amount FLOAT, country STRING
                        -> Glue CreateTable (table version 1)
  batch 2 (2024-03-02)  schema v2: amount widened to DOUBLE, two new columns channel STRING, discount DOUBLE
                        -> Glue UpdateTable (table version 2; GetTableVersions lists both)

Reading the evolved table:
  1. mergeSchema over both batches FAILS in Spark 3.5: Parquet schema merging unions columns but cannot widen a
     type (FLOAT in the old files, DOUBLE in the new ones). Widening is not a metadata-only change for Parquet.
  2. The fix: backfill. The old partition is rewritten with amount cast to DOUBLE (its other columns unchanged;
     dynamic partition overwrite touches that partition only).
  3. mergeSchema now succeeds: the union of the columns, old rows with NULL for channel and discount.
  4. The merged schema equals the Glue table's new columns: the catalog and the files agree again.

Glue is called with boto3: on the local engine against the same moto server that serves S3 (its endpoint is
the S3A endpoint in the Spark conf), on EMR with the cluster's role and region.

Run: spark-submit --py-files labkit.py day3_schema_evolution.py --out DIR --table s3a://bucket/prefix/orders
     --database labs_student
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

import labkit

TABLE = "orders_evolving"
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

# ------------------------------------------------------------------------------------------------- Glue


def glue_client(spark: SparkSession):
    import boto3  # in the lab venv (with moto); on EMR in the cluster's Python

    endpoint = spark.conf.get("spark.hadoop.fs.s3a.endpoint", None)
    if endpoint and ("127.0.0.1" in endpoint or "localhost" in endpoint):
        # The local engine's emulator: one moto server answers S3 and Glue. Fake credentials, as for S3A.
        return boto3.client(
            "glue",
            endpoint_url=endpoint,
            region_name=spark.conf.get("spark.hadoop.fs.s3a.endpoint.region", "us-east-1"),
            aws_access_key_id=spark.conf.get("spark.hadoop.fs.s3a.access.key", "testing"),
            aws_secret_access_key=spark.conf.get("spark.hadoop.fs.s3a.secret.key", "testing"),
        )
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or spark.conf.get("spark.hadoop.fs.s3a.endpoint.region", None)
    return boto3.client("glue", region_name=region) if region else boto3.client("glue")


def glue_columns(schema: T.StructType) -> List[Dict[str, str]]:
    """Spark types as Hive types, the way Glue stores them (simpleString is Hive's spelling: bigint, float...)."""
    return [{"Name": f.name, "Type": f.dataType.simpleString()} for f in schema.fields]


def table_input(schema: T.StructType, location: str, version_note: str) -> Dict[str, Any]:
    # Glue wants s3:// locations (EMRFS and Athena read them); S3A is only how Spark reaches the bucket locally.
    s3_location = re.sub(r"^s3a://", "s3://", location)
    return {
        "Name": TABLE,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "schema_note": version_note},
        # date, as Spark infers it from the ingest_date=2024-03-01 directory names
        "PartitionKeys": [{"Name": "ingest_date", "Type": "date"}],
        "StorageDescriptor": {
            "Columns": glue_columns(schema),
            "Location": s3_location,
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
    }


def reset_table(glue, database: str) -> None:
    """Start from a clean table: the lab is re-run, and versions would pile up."""
    try:
        glue.create_database(DatabaseInput={"Name": database, "Description": "emr-spark-labs student database"})
    except glue.exceptions.AlreadyExistsException:
        pass
    try:
        glue.delete_table(DatabaseName=database, Name=TABLE)
    except glue.exceptions.EntityNotFoundException:
        pass


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


def transform(spark: SparkSession, table: str, database: str, rows: int) -> Dict[str, Any]:
    table = table.rstrip("/")
    glue = glue_client(spark)
    reset_table(glue, database)

    write_batch(batch(spark, V1, 0, rows), table, "2024-03-01")
    glue.create_table(DatabaseName=database, TableInput=table_input(V1, table, "v1"))

    write_batch(batch(spark, V2, rows, rows), table, "2024-03-02")
    glue.update_table(DatabaseName=database, TableInput=table_input(V2, table, "v2: amount float->double, +channel, +discount"))

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

    # 4. what the catalog says
    versions = glue.get_table_versions(DatabaseName=database, TableName=TABLE)["TableVersions"]
    current = glue.get_table(DatabaseName=database, Name=TABLE)["Table"]
    glue_cols = {c["Name"]: c["Type"] for c in current["StorageDescriptor"]["Columns"]}
    data_cols = {k: v for k, v in merged_schema.items() if k != "ingest_date"}
    return {
        "params": {"rows_per_batch": rows, "table": table, "database": database, "glue_table": TABLE},
        "merge_before_backfill": merge_before,
        "merged_schema": merged_schema,
        "old_rows": {"rows": int(stats["rows"]), "null_channel": int(stats["null_channel"]), "null_discount": int(stats["null_discount"])},
        "old_rows_null_for_new_columns": int(stats["rows"]) == rows and int(stats["null_channel"]) == rows and int(stats["null_discount"]) == rows,
        "new_rows_with_channel": new_rows,
        "total_rows": merged.count(),
        "glue": {
            "versions": len(versions),
            "version_ids": sorted(str(v["VersionId"]) for v in versions),
            "version_columns": {str(v["VersionId"]): [c["Name"] + ":" + c["Type"] for c in v["Table"]["StorageDescriptor"]["Columns"]] for v in versions},
            "current_columns": glue_cols,
            "location": current["StorageDescriptor"]["Location"],
        },
        "catalog_matches_files": glue_cols == data_cols,
        "amount_type": merged_schema.get("amount"),
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--table", required=True, help="the table's location (s3a:// or s3://)")
        p.add_argument("--database", required=True, help="Glue database (created if missing)")
        p.add_argument("--rows", type=int, default=1000)

    args = labkit.lab_args("day3-schema-evolution", extra=extra, argv=argv)
    spark = SparkSession.builder.getOrCreate()
    database = re.sub(r"[^a-z0-9_]", "_", args.database.lower())
    result = transform(spark, args.table, database, args.rows)
    labkit.write_result(spark, args.out, result)
    spark.stop()


if __name__ == "__main__":
    main()
