"""Lab day2-glue-catalog: Spark SQL over a metastore - the Glue Data Catalog on EMR, Spark's own Hive
metastore locally.

The job never names the catalog implementation: it builds its session with enableHiveSupport(), and
Spark talks to whatever Hive metastore client the cluster configures.
  - on EMR with `cluster.catalog: glue` the spark-hive-site classification sets
    hive.metastore.client.factory.class = com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory,
    so every CREATE DATABASE / CREATE TABLE / partition lookup is a Glue API call;
  - locally the same statements go to an embedded Derby metastore in the run directory (metastore_db/).

It creates one database per student (dropped and recreated each run, so a run starts clean and leaves its
tables behind to inspect), with
  sales      a MANAGED table, Parquet, partitioned by region: Spark owns data and metadata; DROP deletes both
  customers  an EXTERNAL table over Parquet files written first: DROP removes only the metadata
then runs queries through the catalog (a join + aggregate, a partition-pruned query, SHOW PARTITIONS,
DESCRIBE) and checks them against the same numbers computed from the DataFrames directly.

Where the cluster defines an Iceberg catalog named `glue_catalog` (the sandbox and EMR: lab.yaml's
cluster.configurations, iceberg-defaults + spark-defaults, Iceberg's GlueCatalog), it also writes and evolves an
Iceberg table through that catalog, in the student's Glue database (the one the engine creates, labs_<student>):
CREATE TABLE, INSERT, ALTER TABLE ADD COLUMN, INSERT - four commits, each a Glue CreateTable/UpdateTable. The
next step (day2_glue_reader.py, a second application) reads it back and asks the Glue API what is there.
Locally there is no such catalog and this part is skipped (result.json: iceberg.configured false).

Run: spark-submit --py-files labkit.py day2_glue_catalog.py --out DIR --student ID --location DIR [--warehouse URI]
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

REGIONS = ["emea", "americas", "apac", "latam"]

# The Iceberg catalog lab.yaml's cluster.configurations define (spark-defaults), and the table written through it.
ICEBERG_CATALOG = "glue_catalog"
ICEBERG_TABLE = "day2_orders"


def database_name(student: str) -> str:
    """Glue (and Hive) database names: lower case letters, digits and underscores. Student ids may have
    dots and dashes, and may start with a digit."""
    cleaned = re.sub(r"[^a-z0-9_]+", "_", student.lower()).strip("_") or "student"
    return f"labs_{cleaned}_day2"[:255]


# ------------------------------------------------------------------------------------------- transforms


def build_sales(spark: SparkSession, rows: int) -> DataFrame:
    regions = F.array(*[F.lit(r) for r in REGIONS])
    return spark.range(0, rows, 1, numPartitions=2).select(
        F.col("id").alias("sale_id"),
        ((F.col("id") * F.lit(2654435761)) % 1000).alias("customer_id"),
        ((F.col("id") * F.lit(7919)) % 10000).alias("amount_cents"),
        F.element_at(regions, (F.col("id") % len(REGIONS) + 1).cast("int")).alias("region"),
    )


def build_customers(spark: SparkSession) -> DataFrame:
    return spark.range(0, 1000, 1, numPartitions=1).select(
        F.col("id").alias("customer_id"),
        F.concat(F.lit("tier-"), (F.col("id") % 3).cast("string")).alias("tier"),
    )


def create_objects(spark: SparkSession, db: str, location: str, sales: DataFrame, customers: DataFrame) -> Dict[str, Any]:
    """DDL through the catalog. Returns the paths it used."""
    db_location = f"{location.rstrip('/')}/{db}.db"
    external_path = f"{location.rstrip('/')}/external/customers"
    # A fresh database each run; CASCADE drops its tables (and the managed table's files) too.
    spark.sql(f"DROP DATABASE IF EXISTS {db} CASCADE")
    spark.sql(f"CREATE DATABASE {db} COMMENT 'emr-spark-labs day2-glue-catalog' LOCATION '{db_location}'")

    # managed, partitioned: one catalog partition per region
    sales.createOrReplaceTempView("sales_src")
    spark.sql(
        f"""CREATE TABLE {db}.sales USING parquet PARTITIONED BY (region)
            COMMENT 'managed: DROP TABLE deletes the files'
            AS SELECT sale_id, customer_id, amount_cents, region FROM sales_src"""
    )
    # external: the files exist first, the table is only a schema + location in the catalog
    customers.write.mode("overwrite").parquet(external_path)
    spark.sql(
        f"""CREATE TABLE {db}.customers (customer_id BIGINT, tier STRING) USING parquet
            LOCATION '{external_path}' COMMENT 'external: DROP TABLE keeps the files'"""
    )
    return {"database_location": db_location, "external_location": external_path}


QUERIES = {
    "revenue_by_tier": """
        SELECT c.tier, COUNT(*) AS sales, SUM(s.amount_cents) AS revenue_cents
        FROM {db}.sales s JOIN {db}.customers c ON s.customer_id = c.customer_id
        GROUP BY c.tier ORDER BY c.tier""",
    "emea_sales": "SELECT COUNT(*) AS sales, SUM(amount_cents) AS revenue_cents FROM {db}.sales WHERE region = 'emea'",
}


def expected_answers(sales: DataFrame, customers: DataFrame) -> Dict[str, List[List[Any]]]:
    """The same numbers straight from the DataFrames, without the catalog: what the queries must return."""
    by_tier = (
        sales.join(customers, "customer_id").groupBy("tier")
        .agg(F.count(F.lit(1)).alias("sales"), F.sum("amount_cents").alias("revenue_cents")).orderBy("tier")
    )
    emea = sales.filter(F.col("region") == "emea").agg(F.count(F.lit(1)), F.sum("amount_cents"))
    return {
        "revenue_by_tier": [[r[0], int(r[1]), int(r[2])] for r in by_tier.collect()],
        "emea_sales": [[int(r[0]), int(r[1])] for r in emea.collect()],
    }


def rows_of(df: DataFrame) -> List[List[Any]]:
    return [[int(v) if isinstance(v, int) else v for v in r] for r in df.collect()]


def scan_partitions(df: DataFrame) -> Dict[str, Any]:
    for node in labkit.scan_nodes(df):
        opt = node.metrics().get("numPartitions")
        return {
            "partition_filters": str(node.partitionFilters().toString()),
            "partitions_read": int(opt.get().value()) if opt.isDefined() else None,
        }
    return {}


def write_iceberg(spark: SparkSession, db: str, rows: int) -> Dict[str, Any]:
    """Create, fill and evolve an Iceberg table through the Glue catalog. Every statement below is one Iceberg
    commit: a new metadata file in S3 and a Glue CreateTable (the first) or UpdateTable (the others) pointing
    the table's metadata_location at it. The values returned are what Spark did; the checks read Glue's side
    from the next step."""
    name = f"{ICEBERG_CATALOG}.{db}.{ICEBERG_TABLE}"
    regions = ", ".join(f"'{r}'" for r in REGIONS)
    statements = [
        f"CREATE TABLE {name} (order_id BIGINT, region STRING, amount_cents BIGINT) USING iceberg",
        f"""INSERT INTO {name} SELECT id, element_at(array({regions}), CAST(id % 4 + 1 AS INT)), (id * 7919) % 10000
            FROM range(0, {rows})""",
        # schema evolution: a metadata-only commit, no data file is rewritten; older rows read NULL
        f"ALTER TABLE {name} ADD COLUMN discount_cents BIGINT",
        f"""INSERT INTO {name} SELECT id, element_at(array({regions}), CAST(id % 4 + 1 AS INT)), (id * 7919) % 10000,
            id % 100 FROM range({rows}, {2 * rows})""",
    ]
    return {**labkit.iceberg_commits(spark, name, statements), "rows_written": 2 * rows}


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, student: str, location: str, rows: int, iceberg_rows: int = 1000) -> Dict[str, Any]:
    db = database_name(student)
    sales, customers = build_sales(spark, rows), build_customers(spark)
    paths = create_objects(spark, db, location, sales, customers)

    # listTables(db) also lists the session's temporary views (here sales_src): they are not in the catalog
    tables = {t.name: t for t in spark.catalog.listTables(db) if not t.isTemporary}
    temp_views = sorted(t.name for t in spark.catalog.listTables(db) if t.isTemporary)
    described = {
        name: {r["col_name"]: r["data_type"] for r in spark.sql(f"DESCRIBE TABLE EXTENDED {db}.{name}").collect()
               if r["col_name"] in ("Type", "Provider", "Location", "Partition Provider", "Comment")}
        for name in tables
    }
    partitions = sorted(r[0] for r in spark.sql(f"SHOW PARTITIONS {db}.sales").collect())

    expected = expected_answers(sales, customers)
    got, plans = {}, {}
    for name, sql in QUERIES.items():
        df = spark.sql(sql.format(db=db))
        got[name] = rows_of(df)
        plans[name] = scan_partitions(df)

    return {
        "catalog": {
            "implementation": spark.conf.get("spark.sql.catalogImplementation"),
            "metastore_client_factory": spark.sparkContext._jsc.hadoopConfiguration().get(
                "hive.metastore.client.factory.class"
            ),
            "database": db,
            "database_exists": bool(spark.catalog.databaseExists(db)),
            "databases": sorted(d.name for d in spark.catalog.listDatabases()),
            "database_listed": db in {d.name for d in spark.catalog.listDatabases()},
            **paths,
        },
        "tables": sorted(tables),
        "temporary_views": temp_views,
        "table_types": {name: t.tableType for name, t in tables.items()},
        "described": described,
        "sales_partitions": partitions,
        "answers": got,
        "expected": expected,
        "answers_match": got == expected,
        "emea_scan": plans["emea_sales"],
        "iceberg": write_iceberg(spark, labkit.student_glue_database(student), iceberg_rows)
        if labkit.catalog_configured(spark, ICEBERG_CATALOG) else {"configured": False},
    }


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--student", required=True, help="student id: the database is named after it")
        p.add_argument("--location", required=True, help="where the database's files go (S3 on EMR)")
        p.add_argument("--rows", type=int, default=100_000, help="generated sales rows")
        p.add_argument("--iceberg-rows", type=int, default=1000, help="rows per INSERT into the Iceberg table")
        p.add_argument("--warehouse", help="the Iceberg catalog's warehouse (for databases without a location)")

    args = labkit.lab_args("day2-glue-catalog: Spark SQL over a metastore", extra=extra, argv=argv)
    # Hive support = use the cluster's Hive metastore client: Glue on EMR, embedded Derby locally.
    builder = SparkSession.builder.enableHiveSupport()
    if args.warehouse:
        # the cluster's classification defines the catalog for every student; where its files go is this run's
        builder = builder.config(f"spark.sql.catalog.{ICEBERG_CATALOG}.warehouse", args.warehouse)
    spark = builder.getOrCreate()
    result = transform(spark, args.student, args.location, args.rows, args.iceberg_rows)
    labkit.write_result(spark, args.out, result)
    spark.stop()


if __name__ == "__main__":
    main()
