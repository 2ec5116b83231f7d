"""Lab day1-catalyst: logical and physical plans, rule-based and cost-based optimisation.

Three Parquet tables are written into the step's out dir and registered in the session catalog:

  sales     fact table, --rows rows: sale_id, store_id, product_id, day, amount, note (a wide text column
            nobody queries). Sorted by day inside each file, with small Parquet row groups, so a filter on
            day can skip most row groups using their min/max statistics.
  stores    200 stores: store_id, region, city (one city per store)
  products  5000 products: product_id, category

Part 1, rule-based optimisation (always on). One DataFrame query,
    sales + withColumn(double_amount) -> filter(amount > 500 + 250 AND day = 7) -> select(store_id, double_amount)
is followed through parsed -> analyzed -> optimised logical plan -> physical plan. The optimiser folds
500 + 250 into 750 (ConstantFolding), moves the filter below the projection (PushDownPredicates), drops every
column the query does not need (ColumnPruning), and the Parquet scan receives the filters (PushedFilters) and
reads only three columns (ReadSchema). We record which rules changed the plan (the query's planning tracker),
the scan's PushedFilters and ReadSchema, and how many rows the scan returned with Parquet filter pushdown on
and off (row groups whose statistics exclude day = 7 are never decoded).

Part 2, cost-based optimisation. One three-way join, written in the order
    sales JOIN products JOIN stores WHERE stores.city = 'city_007'
Without CBO Spark keeps the written order: sales x products first (every sale matches a product: the full
fact table flows into the second join). After ANALYZE TABLE ... COMPUTE STATISTICS FOR COLUMNS and with
spark.sql.cbo.enabled + spark.sql.cbo.joinReorder.enabled, the optimiser estimates that the filtered stores
side has ~1 row and joins sales with stores first, so only that store's sales reach the products join.
We record the join order of both optimised plans, the estimated row counts (explain cost) and the rows each
join really produced (SQL metrics).

Run: spark-submit --py-files labkit.py day1_catalyst.py --out DIR [--rows N]
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

STORES = 200
PRODUCTS = 5000
DAYS = 28
CITY = "city_007"
RULES_OF_INTEREST = ("ConstantFolding", "PushDownPredicates", "ColumnPruning", "CollapseProject",
                     "InferFiltersFromConstraints")
JOIN_QUERY = f"""
SELECT s.region, p.category, SUM(f.amount) AS total
FROM sales f
JOIN products p ON f.product_id = p.product_id
JOIN stores s   ON f.store_id = s.store_id
WHERE s.city = '{CITY}'
GROUP BY s.region, p.category
"""
CBO = ("spark.sql.cbo.enabled", "spark.sql.cbo.joinReorder.enabled")

# ------------------------------------------------------------------------------------------------ data


def write_tables(spark: SparkSession, root: str, rows: int) -> Dict[str, str]:
    """Write the three tables as Parquet under root and register them (external tables: the catalog
    entry points at our files; dropping the table would not delete them)."""
    sales = spark.range(0, rows, 1, numPartitions=2).select(
        F.col("id").alias("sale_id"),
        ((F.col("id") * 7919) % STORES).cast("int").alias("store_id"),
        ((F.col("id") * 104729) % PRODUCTS).cast("int").alias("product_id"),
        (F.col("id") % DAYS).cast("int").alias("day"),
        ((F.col("id") * 31) % 1000).cast("int").alias("amount"),
        F.lit("free text that no query of this lab reads").alias("note"),
    )
    stores = spark.range(0, STORES, 1, numPartitions=1).select(
        F.col("id").cast("int").alias("store_id"),
        F.format_string("region_%d", F.col("id") % 5).alias("region"),
        F.format_string("city_%03d", F.col("id")).alias("city"),
    )
    products = spark.range(0, PRODUCTS, 1, numPartitions=1).select(
        F.col("id").cast("int").alias("product_id"),
        F.format_string("category_%02d", F.col("id") % 20).alias("category"),
    )
    paths = {}
    for name, df, options in (
        # 64 KB row groups: many small row groups, each with min/max statistics per column
        ("sales", sales.sortWithinPartitions("day"), {"parquet.block.size": str(64 * 1024)}),
        ("stores", stores, {}),
        ("products", products, {}),
    ):
        path = f"{root.rstrip('/')}/tables/{name}"
        spark.sql(f"DROP TABLE IF EXISTS {name}")
        df.write.mode("overwrite").options(**options).option("path", path).format("parquet").saveAsTable(name)
        paths[name] = path
    return paths


# ----------------------------------------------------------------------------------------- plan helpers


def explain(df: DataFrame, mode: str) -> List[str]:
    """What df.explain(mode) prints (simple, extended, codegen, cost, formatted), as lines."""
    return str(df.sparkSession._jvm.PythonSQLUtils.explainString(df._jdf.queryExecution(), mode)).splitlines()


def rules_fired(spark: SparkSession, df: DataFrame) -> Dict[str, int]:
    """Optimizer/analyzer rules that changed this query's plan -> how many times they did.

    QueryExecution.tracker records, per rule, how often it ran and how often it was *effective* (returned a
    different plan). Rule names are class names; we keep the simple name.
    """
    qe = df._jdf.queryExecution()
    qe.optimizedPlan()  # make sure optimisation has run
    rules = spark._jvm.scala.collection.JavaConverters.mapAsJavaMapConverter(qe.tracker().rules()).asJava()
    fired = {}
    for name, summary in rules.items():
        effective = int(summary.numEffectiveInvocations())
        if effective > 0:
            fired[str(name).split(".")[-1].split("$")[-1]] = effective
    return dict(sorted(fired.items()))


def parquet_scans(df: DataFrame) -> List[Dict[str, Any]]:
    """Each Parquet scan of df's final physical plan: what was pushed into it, what it read, rows it returned.
    Call after an action on df (the metrics are filled in by the run)."""
    scans = []
    for node in labkit.walk_plan(df):
        if labkit.class_name(node) != "FileSourceScanExec":
            continue
        meta = node.metadata()
        metrics = node.metrics()

        def get(key: str) -> Optional[str]:
            return str(meta.get(key).get()) if meta.contains(key) else None

        scans.append({
            "table": str(node.tableIdentifier().get().table()) if node.tableIdentifier().isDefined() else None,
            "pushed_filters": get("PushedFilters"),
            "read_schema": get("ReadSchema"),
            "partition_filters": get("PartitionFilters"),
            "rows_output": int(metrics.get("numOutputRows").get().value()),
            "files": int(metrics.get("numFiles").get().value()),
        })
    return scans


def join_tree(spark: SparkSession, plan) -> str:
    """The joins of a logical plan as nested text: '((sales ⋈ products) ⋈ stores)'."""
    name = plan.getClass().getSimpleName()
    if name == "Join":
        return f"({join_tree(spark, plan.left())} ⋈ {join_tree(spark, plan.right())})"
    if name == "LogicalRelation" and plan.catalogTable().isDefined():
        return str(plan.catalogTable().get().identifier().table())
    children = labkit.scala_list(plan.children())
    if len(children) == 1:
        return join_tree(spark, children[0])
    return name


def first_join(spark: SparkSession, plan) -> Optional[str]:
    """The two tables the innermost (first executed) join combines, sorted: 'products+sales'."""
    deepest = None
    stack = [plan]
    while stack:  # the innermost Join of a left-deep tree is the last one met going down
        node = stack.pop()
        if node.getClass().getSimpleName() == "Join":
            deepest = node
        stack.extend(labkit.scala_list(node.children()))
    if deepest is None:
        return None
    sides = [join_tree(spark, deepest.left()), join_tree(spark, deepest.right())]
    return "+".join(sorted(sides))


def join_rows(df: DataFrame) -> List[int]:
    """Rows each physical join produced, top-down (the last one is the first executed)."""
    return [
        int(node.metrics().get("numOutputRows").get().value())
        for node in labkit.walk_plan(df)
        if labkit.class_name(node) in ("SortMergeJoinExec", "BroadcastHashJoinExec", "ShuffledHashJoinExec")
    ]


def estimated_join_rows(spark: SparkSession, plan) -> List[Optional[int]]:
    """The optimiser's row-count estimate of each Join, top-down (None without statistics)."""
    out = []
    stack = [plan]
    while stack:
        node = stack.pop(0)
        if node.getClass().getSimpleName() == "Join":
            rc = node.stats().rowCount()
            # rowCount is an Option[BigInt]; py4j may hand the value over as a Python int or a JVM object
            out.append(int(str(rc.get())) if rc.isDefined() else None)
        stack[:0] = labkit.scala_list(node.children())
    return out


# ---------------------------------------------------------------------------------------------- parts


def rule_based(spark: SparkSession) -> Dict[str, Any]:
    def query() -> DataFrame:
        return (
            spark.table("sales")
            .withColumn("double_amount", F.col("amount") * 2)
            .filter((F.col("amount") > F.lit(500) + F.lit(250)) & (F.col("day") == 7))
            .select("store_id", "double_amount")
        )

    df = query()
    rows = len(df.collect())
    qe = df._jdf.queryExecution()
    analyzed = str(qe.analyzed().toString())
    optimized = str(qe.optimizedPlan().toString())
    scan = parquet_scans(df)[0]
    fired = rules_fired(spark, df)

    with labkit.sql_conf(spark, {"spark.sql.parquet.filterPushdown": False}):
        no_push = query()
        no_push.collect()
        scan_off = parquet_scans(no_push)[0]

    total = spark.table("sales").count()
    return {
        "result_rows": rows,
        # the checks read these scalars
        "pushed_filters": scan["pushed_filters"],
        "read_schema": scan["read_schema"],
        "constant_folded": "(500 + 250)" in analyzed and "(500 + 250)" not in optimized and "> 750" in optimized,
        "rules_fired": sorted(fired),
        "rules_fired_counts": fired,
        **{f"fired_{r}": r in fired for r in RULES_OF_INTEREST},
        "table_rows": total,
        "rows_scanned_with_pushdown": scan["rows_output"],
        "rows_scanned_without_pushdown": scan_off["rows_output"],
        "row_groups_skipped": scan["rows_output"] < scan_off["rows_output"],
        "scan": scan,
        "analyzed_plan": analyzed.splitlines(),
        "optimized_plan": optimized.splitlines(),
        "explain_extended": explain(df, "extended"),
        "explain_formatted": explain(df, "formatted"),
    }


def join_with(spark: SparkSession, cbo: bool) -> Dict[str, Any]:
    settings = {key: cbo for key in CBO}
    with labkit.sql_conf(spark, settings):
        df = spark.sql(JOIN_QUERY)
        spark.sparkContext.setJobDescription(f"day1 catalyst: 3-way join, CBO {'on' if cbo else 'off'}")
        try:
            result = sorted((r["region"], r["category"], int(r["total"])) for r in df.collect())
        finally:
            spark.sparkContext.setJobDescription(None)
        plan = df._jdf.queryExecution().optimizedPlan()
        rows = join_rows(df)
        return {
            "join_order": join_tree(spark, plan),
            "first_join": first_join(spark, plan),
            "estimated_join_rows": estimated_join_rows(spark, plan),
            "join_rows": rows,
            "first_join_rows": rows[-1] if rows else None,
            "physical_joins": labkit.join_nodes(df),
            "result_rows": len(result),
            "result_total": sum(r[2] for r in result),
            "explain_cost": explain(df, "cost"),
            "explain_formatted": explain(df, "formatted"),
        }


def analyze(spark: SparkSession) -> Dict[str, Any]:
    """Table and column statistics for the columns the join query uses (FOR ALL COLUMNS would also work,
    at the price of scanning every column)."""
    commands = [
        "ANALYZE TABLE sales COMPUTE STATISTICS FOR COLUMNS store_id, product_id, amount",
        "ANALYZE TABLE stores COMPUTE STATISTICS FOR COLUMNS store_id, region, city",
        "ANALYZE TABLE products COMPUTE STATISTICS FOR COLUMNS product_id, category",
    ]
    for cmd in commands:
        spark.sql(cmd)
    stats = {}
    for table in ("sales", "stores", "products"):
        rows = spark.sql(f"DESCRIBE TABLE EXTENDED {table}").collect()
        stats[table] = next((r["data_type"] for r in rows if r["col_name"] == "Statistics"), None)
    city = {r["info_name"]: r["info_value"] for r in spark.sql("DESCRIBE TABLE EXTENDED stores city").collect()}
    return {"commands": commands, "table_statistics": stats, "stores_city_column": city}


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, out: str, rows: int) -> Dict[str, Any]:
    result: Dict[str, Any] = {"params": {"rows": rows, "stores": STORES, "products": PRODUCTS, "city": CITY}}
    result["tables"] = write_tables(spark, out, rows)
    result["rule_based"] = rule_based(spark)

    # Without statistics and CBO first, then ANALYZE + CBO. (Without CBO the statistics would not change
    # the join order anyway; the run order only makes the story easier to follow in the UI.)
    result["no_cbo"] = join_with(spark, cbo=False)
    result["statistics"] = analyze(spark)
    result["cbo"] = join_with(spark, cbo=True)
    no, yes = result["no_cbo"], result["cbo"]
    result["join_order_differs"] = no["join_order"] != yes["join_order"]
    result["same_answer"] = (no["result_rows"], no["result_total"]) == (yes["result_rows"], yes["result_total"])
    result["intermediate_rows_reduced"] = (
        yes["first_join_rows"] is not None and no["first_join_rows"] is not None
        and yes["first_join_rows"] < no["first_join_rows"]
    )
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--rows", type=int, default=200_000, help="rows of the sales fact table")

    labkit.run_step(
        "day1-catalyst: plans, rule-based and cost-based optimisation",
        extra,
        lambda spark, args: transform(spark, args.out, args.rows),
        argv,
    )


if __name__ == "__main__":
    main()
