# Exercise day2-joins (`labs exercise day2-joins`): make the "broadcast" strategy a broadcast join.
# Find the TODO below; `labs start day2-joins` runs this file and grades it. `labs solution day2-joins` shows the answer.
"""Lab day2-joins: broadcast hash join vs sort-merge join vs shuffle hash join, and what each costs.

A large generated fact table (orders) is joined to a small dimension (products) and aggregated per
category. The same query runs three times, each forced to one physical join strategy with a join hint:

  broadcast     the small side is collected to the driver and sent to every executor; each task joins its
                part of the big side locally: the big side is never shuffled
  sort_merge    both sides are shuffled by the join key, each partition is sorted, then merged
  shuffle_hash  both sides are shuffled by the join key; each task builds a hash table of its part of the
                small side and streams the big side through it (no sort)

Each strategy is timed inside the job (median of --runs runs after a warm-up, runs interleaved) and its
physical join node is read from the executed plan. The job also records which strategy Spark picks on its
own, with the default spark.sql.autoBroadcastJoinThreshold (10 MB) and with the threshold set to -1.

Run: spark-submit --py-files labkit.py day2_joins.py --out DIR [--fact-rows N] [--dim-rows N] [--runs N]
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

import labkit

CATEGORIES = 20

#: result.json name -> (join hint, the physical node that hint must produce)
STRATEGIES = {
    # TODO 1: the join hint that makes Spark send `products` to every executor instead of shuffling both
    # sides. The placeholder "merge" gives a sort-merge join: correct, but both tables are shuffled.
    "broadcast": ("merge", "BroadcastHashJoin"),
    "sort_merge": ("merge", "SortMergeJoin"),
    "shuffle_hash": ("shuffle_hash", "ShuffledHashJoin"),
}

# ------------------------------------------------------------------------------------------- transforms


def build_orders(spark: SparkSession, rows: int, partitions: int, products: int) -> DataFrame:
    """The big side. product_id is scattered (a multiplicative hash of the row id), so nothing arrives
    pre-sorted or pre-grouped: the sort and the shuffle do their full work. Like real orders it carries
    several measures; the query uses them, so they travel through the join (and through the shuffle of
    the sort-merge and shuffle hash joins)."""
    return spark.range(0, rows, 1, numPartitions=partitions).select(
        F.col("id").alias("order_id"),
        ((F.col("id") * F.lit(2654435761)) % products).alias("product_id"),
        ((F.col("id") * F.lit(7919)) % 10000).alias("amount_cents"),  # integers: sums are exact
        ((F.col("id") % 7) + 1).alias("quantity"),
        ((F.col("id") * F.lit(31)) % 500).alias("discount_cents"),
        ((F.col("id") * F.lit(17)) % 900).alias("shipping_cents"),
    )


def build_products(spark: SparkSession, rows: int) -> DataFrame:
    """The small side: one row per product with its category and name (the name is not used by the query,
    so the optimizer prunes it before the join; it only makes the table look like a dimension)."""
    return spark.range(0, rows, 1, numPartitions=1).select(
        F.col("id").alias("product_id"),
        (F.col("id") % CATEGORIES).alias("category_id"),
        F.concat(F.lit("product-"), F.col("id").cast("string")).alias("name"),
    )


def revenue_by_category(orders: DataFrame, products: DataFrame, hint: Optional[str] = None) -> DataFrame:
    """The query every strategy runs: join, then a small aggregate (20 rows), so the action executes the
    whole join but brings almost nothing back to the driver. The hint names the strategy for the join
    with `products`; without one, Spark chooses. Grouping by a numeric id keeps the work that all three
    strategies share cheap, so the time differences are the join's."""
    dim = products.hint(hint) if hint else products
    return (
        orders.join(dim, "product_id")
        .groupBy("category_id")
        .agg(
            F.sum("amount_cents").alias("revenue_cents"),
            F.sum("discount_cents").alias("discount_cents"),
            F.sum("shipping_cents").alias("shipping_cents"),
            F.sum("quantity").alias("items"),
            F.count(F.lit(1)).alias("orders"),
        )
    )


def estimated_bytes(df: DataFrame) -> int:
    """The optimizer's size estimate for df: what it compares with spark.sql.autoBroadcastJoinThreshold."""
    return int(str(df._jdf.queryExecution().optimizedPlan().stats().sizeInBytes()))


_ANSWER_COLUMNS = ("category_id", "revenue_cents", "discount_cents", "shipping_cents", "items", "orders")


def _rows_key(rows) -> List[List[int]]:
    return sorted([int(r[c]) for c in _ANSWER_COLUMNS] for r in rows)


# ---------------------------------------------------------------------------------------------- transform


def strategy_run(spark, orders, products, name: str, hint: str, expected_node: str) -> Dict[str, Any]:
    """One recorded (untimed) run of a strategy: its final plan, jobs/stages/tasks, shuffle bytes, answer.
    It doubles as the warm-up run: it pays code generation and JIT before the timed runs."""
    query = revenue_by_category(orders, products, hint)
    with labkit.record_jobs(spark, f"join-{name}", f"day2 joins: {name} ({hint} hint)") as rec:
        rows = query.collect()
    jobs = rec.summary()
    nodes = labkit.join_nodes(query)
    return {
        "hint": hint,
        "expected_node": expected_node,
        "join_node": nodes[0] if nodes else None,
        "join_node_ok": nodes[:1] == [expected_node],
        "join_nodes": nodes,
        "shuffles": len(labkit.shuffle_exchanges(query)),
        "jobs": jobs["jobs"],
        "stages": jobs["stages"],
        "tasks": jobs["tasks"],
        "tasks_per_stage": jobs["tasks_per_stage"],
        "shuffle_write_bytes": jobs["shuffle_write_bytes"],
        "executor_cpu_ms": jobs["executor_cpu_ms"],
        "recorded_run_s": jobs["seconds"],
        "plan": labkit.plan_text(query),
        "_answer": _rows_key(rows),
    }


def auto_choice(spark, orders, products, threshold) -> Dict[str, Any]:
    """Which join Spark picks with no hint, under a given auto-broadcast threshold."""
    with labkit.sql_conf(spark, {"spark.sql.autoBroadcastJoinThreshold": threshold}):
        query = revenue_by_category(orders, products)
        executed = False
        if not labkit.plan_is_final(query):  # AQE on: the plan is only final once the query has run
            query.collect()
            executed = True
        nodes = labkit.join_nodes(query)
        return {
            "threshold": spark.conf.get("spark.sql.autoBroadcastJoinThreshold"),
            "join_node": nodes[0] if nodes else None,
            "executed": executed,
        }


def transform(spark: SparkSession, fact_rows: int, dim_rows: int, partitions: int, runs: int) -> Dict[str, Any]:
    orders = build_orders(spark, fact_rows, partitions, dim_rows)
    products = build_products(spark, dim_rows)
    default_threshold = spark.conf.get("spark.sql.autoBroadcastJoinThreshold")

    result: Dict[str, Any] = {
        "params": {"fact_rows": fact_rows, "dim_rows": dim_rows, "partitions": partitions, "runs": runs},
        "settings": {
            "adaptive_enabled": spark.conf.get("spark.sql.adaptive.enabled") == "true",
            "shuffle_partitions": int(spark.conf.get("spark.sql.shuffle.partitions")),
            "auto_broadcast_join_threshold": default_threshold,
        },
        "tables": {
            "orders_rows": fact_rows,
            "products_rows": dim_rows,
            "orders_estimated_bytes": estimated_bytes(orders),
            # the columns the join keeps (the optimizer prunes `name` first): what is compared with the threshold
            "products_estimated_bytes": estimated_bytes(products.select("product_id", "category_id")),
        },
    }

    # Recorded run (also the warm-up) of each strategy, then the interleaved timed runs.
    strategies = {
        name: strategy_run(spark, orders, products, name, hint, node) for name, (hint, node) in STRATEGIES.items()
    }
    timings = labkit.compare_medians(
        {
            name: (lambda hint=hint: revenue_by_category(orders, products, hint).collect())
            for name, (hint, _node) in STRATEGIES.items()
        },
        runs=runs,
        warmup=0,  # the recorded runs above were the warm-up
    )
    for name, timing in timings.items():
        strategies[name].update(timing.as_dict())

    answers = [s.pop("_answer") for s in strategies.values()]
    result["results_agree"] = all(a == answers[0] for a in answers)
    result["revenue_by_category"] = [dict(zip(_ANSWER_COLUMNS, row)) for row in answers[0]]

    med = {name: timings[name].median for name in timings}
    cpu = {name: s["executor_cpu_ms"] for name, s in strategies.items()}
    result["ratios"] = {
        "smj_over_broadcast": round(med["sort_merge"] / med["broadcast"], 2),
        "shj_over_broadcast": round(med["shuffle_hash"] / med["broadcast"], 2),
        "smj_over_shj": round(med["sort_merge"] / med["shuffle_hash"], 2),
        # the same comparison in executor CPU time of the recorded run (null if the UI's REST API was not
        # reachable): steadier than wall time on a busy machine, but blind to waiting and driver-side work
        "smj_over_broadcast_cpu": (
            round(cpu["sort_merge"] / cpu["broadcast"], 2) if cpu["sort_merge"] and cpu["broadcast"] else None
        ),
    }
    result["all_nodes_ok"] = all(s["join_node_ok"] for s in strategies.values())
    result["strategies"] = strategies

    result["auto"] = {
        "default_threshold": auto_choice(spark, orders, products, default_threshold),
        "threshold_disabled": auto_choice(spark, orders, products, -1),
    }
    return result


def main(argv=None) -> None:
    def extra(p):
        p.add_argument("--fact-rows", type=int, default=4_000_000, help="rows of the generated orders table")
        p.add_argument("--dim-rows", type=int, default=20_000, help="rows of the generated products table")
        p.add_argument("--partitions", type=int, default=4, help="partitions of the orders table")
        p.add_argument("--runs", type=int, default=5, help="timed runs per strategy (after one warm-up)")

    labkit.run_step(
        "day2-joins: join strategies and their cost",
        extra,
        lambda spark, args: transform(spark, args.fact_rows, args.dim_rows, args.partitions, args.runs),
        argv,
    )


if __name__ == "__main__":
    main()
