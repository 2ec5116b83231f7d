"""Lab day3-schema-evolution, second step: another Spark application reads the evolved Iceberg table through the Glue
catalog, and asks the Glue API what the catalog holds.

The step before (day3_schema_evolution.py) created glue_catalog.<student db>.orders_evolving and evolved it with
ALTER TABLE: columns added, amount widened from FLOAT to DOUBLE, country renamed to country_code. Nothing of that
application survives it: this one finds the table through Glue only. It records
  reader  what Spark reads now: the schema, and the rows of the first batch (written as FLOAT, before the new columns
          and the rename) as they read today - NULL for the new columns, their amount and country still there
  glue    GetTable's columns (current ones, and those Iceberg keeps marked not current) and GetTableVersions: the
          table's schema in every Glue version, and how many versions changed it
The checks compare Glue's answers with the evolution the lesson teaches; none reads a value the writing job set.

Locally there is no Glue catalog: the step records iceberg.configured false and nothing else.

Run: spark-submit --py-files labkit.py day3_schema_reader.py --out DIR --student ID
"""

from __future__ import annotations

from typing import Any, Dict

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import labkit

# As in day3_schema_evolution.py: only labkit travels with a step (--py-files), not the other step's job.
ICEBERG_CATALOG = "glue_catalog"
ICEBERG_TABLE = "orders_evolving"
FIRST_BATCH_IDS = 1000  # the writer's first INSERT: order_id 0..999 (--rows)


def count_non_null(df, column: str):
    # a column the evolution did not make (the ALTER skipped) counts as never set, so the check says so
    return F.count(column) if column in df.columns else F.lit(0)


def read_back(spark: SparkSession, name: str, first_batch: int) -> Dict[str, Any]:
    df = spark.table(name)
    old = df.where(F.col("order_id") < first_batch)
    row = old.agg(
        F.count(F.lit(1)).alias("rows"),
        count_non_null(old, "channel").alias("channel"),
        count_non_null(old, "discount").alias("discount"),
        count_non_null(old, "amount").alias("amount"),
        count_non_null(old, "country_code").alias("country_code"),
    ).first()
    return {
        "application": spark.sparkContext.applicationId,
        "row_count": df.count(),
        "schema": {f.name: f.dataType.simpleString() for f in df.schema.fields},
        "old_rows": int(row["rows"]),
        # NULL where the first batch never had the column; its FLOAT amounts read as DOUBLE, its country under the new name
        "old_rows_null_for_new_columns": int(row["rows"]) - max(int(row["channel"]), int(row["discount"])),
        "old_rows_with_amount": int(row["amount"]),
        "old_rows_with_country_code": int(row["country_code"]),
        "snapshots": spark.sql(f"SELECT COUNT(*) FROM {name}.snapshots").first()[0],
    }


def transform(spark: SparkSession, student: str, first_batch: int) -> Dict[str, Any]:
    return labkit.read_back_through_glue(
        spark, student, ICEBERG_TABLE, lambda spark, name: read_back(spark, name, first_batch), ICEBERG_CATALOG
    )


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--student", required=True, help="student id: the Glue database is named after it")
        p.add_argument("--rows", type=int, default=FIRST_BATCH_IDS, help="rows of the writer's first batch")

    labkit.run_step(
        "day3-schema-evolution: read the evolved table back and ask Glue",
        extra,
        lambda spark, args: transform(spark, args.student, args.rows),
        argv=argv,
    )


if __name__ == "__main__":
    main()
