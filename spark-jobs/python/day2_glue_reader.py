"""Lab day2-glue-catalog, second step: another Spark application reads the Iceberg table back through the Glue
catalog, and the job asks the Glue API itself what the catalog holds.

The step before (day2_glue_catalog.py) wrote and evolved glue_catalog.<student db>.day2_orders. Nothing of that
application survives it: this one finds the table only through Glue (GetTable -> metadata_location -> the
metadata file in S3). Besides reading it with Spark SQL, it calls Glue with boto3 - the same API the Glue
console, Athena and `aws glue get-table` use - and records Glue's answers as they are:
  get_table           table_type (Parameters), the StorageDescriptor's columns and Location, metadata_location
  get_table_versions  one version per commit when the catalog sets glue.skip-archive=false
The checks compare those answers with what Spark wrote; none of them reads a value the writing job set.
boto3 finds the Region, credentials and endpoint the way every AWS SDK on the node does: an EMR node's
instance profile and Region; on the sandbox the node's AWS environment, pointing at the sandbox's endpoint.

Locally there is no Glue catalog: the step records iceberg.configured false and nothing else.

Run: spark-submit --py-files labkit.py day2_glue_reader.py --out DIR --student ID
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import labkit

# As in day2_glue_catalog.py: only labkit travels with a step (--py-files), not the other step's job.
ICEBERG_CATALOG = "glue_catalog"
ICEBERG_TABLE = "day2_orders"


def student_glue_database(student: str) -> str:
    """The student's Glue database (src/core/student-id.ts glueDatabaseName)."""
    return ("labs_" + re.sub(r"[^a-z0-9_]", "_", student.lower()))[:255]


def read_back(spark: SparkSession, name: str) -> Dict[str, Any]:
    """The table through the catalog, from a new application: rows, columns, Iceberg's own history."""
    df = spark.table(name)
    columns = [f.name for f in df.schema.fields]
    # without the ALTER TABLE there is no such column: every row is then without a discount
    with_discount = F.count("discount_cents") if "discount_cents" in columns else F.lit(0)
    row = df.agg(F.count(F.lit(1)).alias("rows"), with_discount.alias("with_discount")).first()
    return {
        "application": spark.sparkContext.applicationId,
        "row_count": int(row["rows"]),
        "rows_without_discount": int(row["rows"]) - int(row["with_discount"]),
        "columns": columns,
        "snapshots": spark.sql(f"SELECT COUNT(*) FROM {name}.snapshots").first()[0],
        "metadata_log_entries": spark.sql(f"SELECT COUNT(*) FROM {name}.metadata_log_entries").first()[0],
    }


def glue_client():
    import boto3  # on the cluster's Python, as on an EMR node

    session = boto3.session.Session()
    region = session.region_name or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return session.client("glue", region_name=region), region


def read_glue(spark: SparkSession, db: str, table: str) -> Dict[str, Any]:
    """What Glue says about the table: its GetTable and GetTableVersions answers, as plain values."""
    try:
        glue, region = glue_client()
        got = glue.get_table(DatabaseName=db, Name=table)["Table"]
        versions = []
        for page in glue.get_paginator("get_table_versions").paginate(DatabaseName=db, TableName=table):
            versions += page["TableVersions"]
    except Exception as e:  # recorded, not raised: the checks then say which Glue fact is missing
        return {"error": f"{type(e).__name__}: {e}"}
    params = got.get("Parameters", {})
    sd = got.get("StorageDescriptor", {})
    metadata = params.get("metadata_location")
    return {
        "region": region,
        "endpoint": glue.meta.endpoint_url,
        "table_type": params.get("table_type"),
        "glue_table_type": got.get("TableType"),
        "columns": [c["Name"] for c in sd.get("Columns", [])],
        "column_types": {c["Name"]: c.get("Type") for c in sd.get("Columns", [])},
        "location": sd.get("Location"),
        "metadata_location": metadata,
        "previous_metadata_location": params.get("previous_metadata_location"),
        # the file Glue points at, looked up in S3 (not taken from Spark)
        "metadata_file_exists": bool(metadata) and bool(labkit.list_files(spark, metadata, recursive=False)),
        "version_id": got.get("VersionId"),
        "version_count": len(versions),
        "version_ids": sorted((v.get("VersionId") for v in versions), key=lambda v: int(v) if str(v).isdigit() else 0),
        "metadata_locations_by_version": {
            v.get("VersionId"): v.get("Table", {}).get("Parameters", {}).get("metadata_location") for v in versions
        },
    }


def transform(spark: SparkSession, student: str) -> Dict[str, Any]:
    if spark.conf.get(f"spark.sql.catalog.{ICEBERG_CATALOG}", None) is None:
        return {"iceberg": {"configured": False}}
    db = student_glue_database(student)
    name = f"{ICEBERG_CATALOG}.{db}.{ICEBERG_TABLE}"
    return {
        "iceberg": {"configured": True, "table": name},
        "reader": read_back(spark, name),
        "glue": read_glue(spark, db, ICEBERG_TABLE),
    }


def main(argv=None) -> None:
    labkit.run_step(
        "day2-glue-catalog: read the Iceberg table back and ask Glue",
        lambda p: p.add_argument("--student", required=True, help="student id: the Glue database is named after it"),
        lambda spark, args: transform(spark, args.student),
        argv=argv,
    )


if __name__ == "__main__":
    main()
