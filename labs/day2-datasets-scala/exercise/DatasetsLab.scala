// Exercise day2-datasets-scala (`labs exercise day2-datasets-scala`): finish the typed Aggregator AmountVariance:
// its merge must combine two partial buffers exactly, so the UDAF equals var_samp. Find the TODO below.
package labs

import org.apache.spark.sql.{AnalysisException, DataFrame, Dataset, Encoder, Encoders, SparkSession, functions}
import org.apache.spark.sql.expressions.Aggregator
import org.apache.spark.sql.functions._

/** One order line: the row type of the typed Dataset. Its fields and their types are the schema, checked by scalac. */
final case class Order(orderId: Long, customerId: Long, country: String, category: String, amount: Double, quantity: Int)

/** What the typed pipeline maps each order to. */
final case class Sale(country: String, category: String, revenue: Double)

/** One output row of both pipelines (the DataFrame one ends up with the same columns, untyped). */
final case class CountryRevenue(country: String, orders: Long, revenue: Double, largest: Double)

/** The Aggregator's running state: count, mean and the sum of squared deviations (Welford's method). */
final case class VarianceBuffer(count: Long, mean: Double, m2: Double)

/**
 * A user-defined aggregate function (UDAF) written as a typed Aggregator: the sample variance of a column.
 *
 * Spark calls reduce for every input value within a partition and merge to combine the partial buffers of
 * different partitions (and of the two sides of a shuffle), so merge must give the same answer as if one buffer had
 * seen every value. The naive "sum of squares minus square of sum" loses precision on large values; Welford's update
 * and Chan's merge formula stay accurate, which is why the result can be compared with the built-in var_samp to
 * many digits.
 */
object AmountVariance extends Aggregator[Double, VarianceBuffer, Double] {
  def zero: VarianceBuffer = VarianceBuffer(0L, 0.0, 0.0)

  def reduce(b: VarianceBuffer, x: Double): VarianceBuffer = {
    val n = b.count + 1
    val delta = x - b.mean
    val mean = b.mean + delta / n
    VarianceBuffer(n, mean, b.m2 + delta * (x - mean))
  }

  // TODO 1: combine the partial buffers of two partitions into the buffer one pass over all their values would
  // have built (count, mean and m2 together: see Chan et al.'s formula for merging variances). The placeholder
  // keeps the bigger buffer and drops the other's values: it runs, and the variance is wrong.
  def merge(a: VarianceBuffer, b: VarianceBuffer): VarianceBuffer =
    if (a.count >= b.count) a else b

  /** Like var_samp, undefined below two values (NaN here, NULL there: a primitive Double cannot be null). */
  def finish(b: VarianceBuffer): Double = if (b.count < 2) Double.NaN else b.m2 / (b.count - 1)

  def bufferEncoder: Encoder[VarianceBuffer] = Encoders.product[VarianceBuffer]
  def outputEncoder: Encoder[Double] = Encoders.scalaDouble
}

/**
 * Day 2, "Type-safe processing using Datasets", "Custom aggregations and UDFs/UDAFs", "Case Classes in Scala":
 * the same question answered with a typed Dataset[Order] (Scala lambdas over case classes) and with an untyped
 * DataFrame (column expressions Catalyst can read), their results compared and their physical plans read; then an
 * Aggregator used three ways (typed, DataFrame, SQL) and compared with the built-in var_samp.
 */
object DatasetsLab {

  /** Physical operators that move rows between Spark's binary row format and JVM objects, or run Scala code on
   *  objects: what a typed Dataset operation adds to a plan. */
  val ObjectNodes: Set[String] =
    Set("DeserializeToObject", "SerializeFromObject", "MapElements", "AppendColumns", "AppendColumnsWithObject", "MapGroups", "MapPartitions")

  /** Deterministic orders built with column expressions (no Scala code per row), cached so both pipelines read
   *  the same in-memory data and their timings compare the pipelines, not the data generation. */
  def orders(spark: SparkSession, rows: Long): DataFrame = {
    val countries = array(Seq("DE", "FR", "GB", "IE", "IT", "NL", "PL", "ES", "SE", "US").map(lit): _*)
    val categories = array(Seq("books", "games", "garden", "kitchen", "music", "toys").map(lit): _*)
    spark
      .range(rows)
      .select(
        col("id").as("orderId"),
        pmod(col("id") * 7919, lit(20000)).as("customerId"),
        element_at(countries, (pmod(hash(col("id")), lit(10)) + 1).cast("int")).as("country"),
        element_at(categories, (pmod(hash(col("id"), lit("c")), lit(6)) + 1).cast("int")).as("category"),
        (lit(5.0) + pmod(hash(col("id"), lit("a")), lit(50000)) / 100.0).as("amount"),
        (lit(1) + pmod(hash(col("id"), lit("q")), lit(9))).cast("int").as("quantity"),
      )
  }

  /** The typed pipeline: every step is a Scala function of case classes, checked by the compiler. */
  def typedRevenue(orders: Dataset[Order]): Dataset[CountryRevenue] = {
    import orders.sparkSession.implicits._
    orders
      .filter(o => o.quantity >= 2)
      .map(o => Sale(o.country, o.category, o.amount * o.quantity))
      .groupByKey(_.country)
      .mapGroups { (country, sales) =>
        var n = 0L
        var revenue = 0.0
        var largest = Double.MinValue
        sales.foreach { s =>
          n += 1
          revenue += s.revenue
          largest = math.max(largest, s.revenue)
        }
        CountryRevenue(country, n, revenue, largest)
      }
  }

  /** The same question as column expressions: names are checked when Spark analyses the plan, at run time. */
  def untypedRevenue(orders: DataFrame): DataFrame =
    orders
      .where(col("quantity") >= 2)
      .select(col("country"), (col("amount") * col("quantity")).as("revenue"))
      .groupBy("country")
      .agg(count(lit(1)).as("orders"), sum("revenue").as("revenue"), max("revenue").as("largest"))

  private def relDiff(a: Double, b: Double): Double = if (a == b) 0.0 else math.abs(a - b) / math.max(math.abs(a), math.abs(b))

  /** What an AnalysisException says, compactly: the error class is the stable part, the message the readable one. */
  private def analysisError(f: => Any): Map[String, Any] =
    try {
      f
      Map("failed" -> false)
    } catch {
      case e: AnalysisException =>
        Map("failed" -> true, "error_class" -> e.getErrorClass, "message" -> e.getMessage.linesIterator.toSeq.headOption.getOrElse(""))
    }

  /**
   * Ask the Scala compiler itself whether a snippet compiles against this jar's classes, so the lab can show
   * compile-time safety in result.json and not only in the README. spark-submit puts scala-compiler on the classpath
   * (the Spark shell needs it); the toolbox type-checks the snippet without running it.
   */
  private def compiles(snippet: String): Map[String, Any] = {
    import scala.reflect.runtime.{universe => ru}
    import scala.tools.reflect.{ToolBox, ToolBoxError}
    val toolbox = ru.runtimeMirror(getClass.getClassLoader).mkToolBox()
    try {
      toolbox.typecheck(toolbox.parse(snippet))
      Map("snippet" -> snippet, "compiles" -> true)
    } catch {
      case e: ToolBoxError =>
        Map("snippet" -> snippet, "compiles" -> false, "error" -> e.getMessage.replace("reflective typecheck has failed: ", "").split("\\s+").mkString(" "))
    }
  }

  def main(argv: Array[String]): Unit = {
    val args = LabKit.parseArgs("labs.DatasetsLab", argv, Map("rows" -> "400000", "runs" -> "3"))
    val spark = SparkSession.builder().getOrCreate()
    import spark.implicits._
    val rows = args.long("rows")
    val runs = args.int("runs")

    val ordersDf = orders(spark, rows).cache()
    require(ordersDf.count() == rows, "cached orders are incomplete")
    // DataFrame to Dataset: .as[Order] checks at analysis time that every field of Order has a column of a
    // compatible type; from here on the compiler checks every use of it.
    val ordersDs: Dataset[Order] = ordersDf.as[Order]

    // 1. The same answer twice. collect() runs each query once; the executed plan is then final (AQE).
    val typed = typedRevenue(ordersDs)
    val untyped = untypedRevenue(ordersDf)
    val typedRows = typed.collect().sortBy(_.country)
    val untypedRows = untyped.as[CountryRevenue].collect().sortBy(_.country)
    val sameKeys = typedRows.map(r => (r.country, r.orders)).sameElements(untypedRows.map(r => (r.country, r.orders)))
    // Sums of doubles added in a different order differ in the last bits; compare revenue relatively.
    val revenueDiff = typedRows.zip(untypedRows).map { case (a, b) => relDiff(a.revenue, b.revenue) }.foldLeft(0.0)(math.max)
    val largestEqual = typedRows.zip(untypedRows).forall { case (a, b) => a.largest == b.largest }

    def plan(ds: Dataset[_]): Map[String, Any] = {
      val nodes = LabKit.planNodes(ds)
      Map(
        "nodes" -> nodes,
        // The operators that move rows between Spark's binary format and JVM objects, or run Scala code on objects.
        "object_nodes" -> nodes.filter(ObjectNodes.contains),
        "text" -> LabKit.planText(ds),
      )
    }

    // 2. Timing: fresh Datasets every run (an action re-run on the same Dataset reuses its executed plan); wall time
    //    and the tasks' CPU time (steadier on a shared machine: it counts only this query's work).
    val timings = LabKit.compareMeasured(
      spark,
      Seq(
        "typed" -> (() => typedRevenue(ordersDs).collect()),
        "untyped" -> (() => untypedRevenue(ordersDf).collect()),
      ),
      runs = runs,
    )

    // 3. The Aggregator three ways: typed (a TypedColumn on grouped values), registered as a UDAF for DataFrames
    //    and SQL with functions.udaf, and next to the built-in var_samp it reimplements.
    val typedVariance = ordersDs
      .groupByKey(_.country)
      .mapValues(_.amount)
      .agg(AmountVariance.toColumn.name("amount_variance"))
      .collect()
      .toMap
    val varianceUdaf = functions.udaf(AmountVariance, Encoders.scalaDouble)
    spark.udf.register("amount_variance", varianceUdaf)
    ordersDf.createOrReplaceTempView("orders")
    val sqlQuery = spark.sql(
      "SELECT country, amount_variance(amount) AS udaf, var_samp(amount) AS builtin FROM orders GROUP BY country ORDER BY country",
    )
    val sqlRows = sqlQuery.collect().map(r => (r.getString(0), r.getDouble(1), r.getDouble(2)))
    val builtinOnly = spark.sql("SELECT country, var_samp(amount) AS builtin FROM orders GROUP BY country")
    builtinOnly.collect()
    val dfUdaf = ordersDf.groupBy("country").agg(varianceUdaf(col("amount")).as("udaf")).collect()
      .map(r => r.getString(0) -> r.getDouble(1)).toMap
    val udafVsBuiltin = sqlRows.map { case (_, u, b) => relDiff(u, b) }.max
    val typedVsSql = sqlRows.map { case (c, u, _) => relDiff(typedVariance(c), u) }.max
    val dfVsSql = sqlRows.map { case (c, u, _) => relDiff(dfUdaf(c), u) }.max

    // 4. Mistakes: with the DataFrame API a misspelt column compiles and fails when Spark analyses the query; with
    //    the typed API the compiler rejects it before anything runs.
    val mistakes = LabKit.obj(
      "untyped_typo" -> analysisError(ordersDf.select(col("amont"))),
      "missing_field_as_dataset" -> analysisError(ordersDf.select("orderId", "country").as[Order]),
      "typed_typo" -> compiles("(o: labs.Order) => o.amont"),
      "typed_wrong_type" -> compiles("(o: labs.Order) => { val items: Int = o.country; items }"),
      "typed_missing_field" -> compiles("(o: labs.Order) => labs.Sale(o.country, o.amount)"),
      "typed_correct" -> compiles("(o: labs.Order) => o.amount * o.quantity"),
    )

    LabKit.writeResult(
      spark,
      args.out,
      LabKit.obj(
        "rows" -> rows,
        "pipelines" -> LabKit.obj(
          "countries" -> typedRows.length,
          "same_groups_and_counts" -> sameKeys,
          "largest_equal" -> largestEqual,
          "revenue_max_rel_diff" -> revenueDiff,
          "agree" -> (sameKeys && largestEqual && revenueDiff <= 1e-9),
          "typed_rows" -> typedRows.take(3).map(r => LabKit.obj("country" -> r.country, "orders" -> r.orders, "revenue" -> LabKit.round(r.revenue, 2), "largest" -> r.largest)).toSeq,
        ),
        "plans" -> LabKit.obj(
          "typed" -> plan(typed),
          "untyped" -> plan(untyped),
          "sql_udaf" -> plan(sqlQuery),
          "sql_builtin" -> plan(builtinOnly),
        ),
        "timings" -> LabKit.obj(
          "typed" -> timings("typed"),
          "untyped" -> timings("untyped"),
          "typed_over_untyped" -> LabKit.round(timings("typed").wall.median / timings("untyped").wall.median, 3),
          "typed_over_untyped_cpu" -> LabKit.round(timings("typed").taskCpu.median / timings("untyped").taskCpu.median, 3),
        ),
        "aggregator" -> LabKit.obj(
          "name" -> "amount_variance",
          "groups" -> sqlRows.length,
          "udaf_vs_builtin_max_rel_diff" -> udafVsBuiltin,
          "typed_vs_sql_max_rel_diff" -> typedVsSql,
          "dataframe_vs_sql_max_rel_diff" -> dfVsSql,
          "agree" -> (udafVsBuiltin <= 1e-9 && typedVsSql <= 1e-9 && dfVsSql <= 1e-9),
          "sample" -> sqlRows.take(3).map { case (c, u, b) => LabKit.obj("country" -> c, "udaf" -> u, "var_samp" -> b) }.toSeq,
        ),
        "mistakes" -> mistakes,
      ),
    )
    spark.stop()
  }
}
