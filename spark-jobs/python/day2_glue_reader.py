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

from typing import Any, Dict

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import labkit

# As in day2_glue_catalog.py: only labkit travels with a step (--py-files), not the other step's job.
ICEBERG_CATALOG = "glue_catalog"
ICEBERG_TABLE = "day2_orders"


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


def transform(spark: SparkSession, student: str) -> Dict[str, Any]:
    return labkit.read_back_through_glue(spark, student, ICEBERG_TABLE, read_back, ICEBERG_CATALOG)


def main(argv=None) -> None:
    labkit.run_step(
        "day2-glue-catalog: read the Iceberg table back and ask Glue",
        lambda p: p.add_argument("--student", required=True, help="student id: the Glue database is named after it"),
        lambda spark, args: transform(spark, args.student),
        argv=argv,
    )


if __name__ == "__main__":
    main()
