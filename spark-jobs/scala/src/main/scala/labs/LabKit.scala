package labs

import java.nio.charset.StandardCharsets
import java.time.Instant
import java.time.temporal.ChronoUnit
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger

import scala.collection.JavaConverters._
import scala.collection.immutable.ListMap

import com.fasterxml.jackson.databind.{JsonNode, ObjectMapper}
import org.apache.hadoop.fs.Path
import org.apache.spark.{LabsListenerBus, SparkContext}
import org.apache.spark.scheduler.{SparkListener, SparkListenerJobStart, SparkListenerTaskEnd}
import org.apache.spark.sql.{Dataset, SparkSession}
import org.apache.spark.sql.execution.SparkPlan
import org.apache.spark.sql.execution.adaptive.{AdaptiveSparkPlanExec, QueryStageExec}
import org.apache.spark.sql.execution.exchange.ReusedExchangeExec

/**
 * The Scala twin of spark-jobs/python/labkit.py: what every Scala lab job shares.
 *
 *  - parse the arguments every step takes (--out, --data) plus its own        -> parseArgs
 *  - write <out>/result.json through Hadoop's FileSystem (file:// and s3://)  -> writeResult, readJson
 *  - time an action the same way in every lab                                -> medianSeconds, compareMedians
 *  - read the executed (final, after AQE) physical plan and its nodes        -> finalPlan, planNodes, planText
 *  - record the jobs of an action and the shuffle bytes they wrote           -> recordJobs
 *
 * result.json follows labkit.py's conventions, so checks read Python and Scala labs alike: one pretty JSON object,
 * the standard run fields first (spark_version, app_id, ...), then the lab's own values; snake_case keys; NaN and
 * infinities become null because they are not JSON.
 */
object LabKit {

  // ------------------------------------------------------------------------------------------------ arguments

  /** Parsed step arguments: --out, --data and the job's own --name value options. */
  final case class Args(out: String, data: Option[String], options: Map[String, String]) {
    def apply(name: String): String = options(name)
    def int(name: String): Int = parse(name, options(name).toInt)
    def long(name: String): Long = parse(name, options(name).toLong)
    def optional(name: String): Option[String] = options.get(name).filter(_.nonEmpty)

    private def parse[T](name: String, f: => T): T =
      try f
      catch {
        case _: NumberFormatException => throw new IllegalArgumentException(s"--$name: not a number: ${options(name)}")
      }
  }

  /**
   * Parse `--name value` pairs. `defaults` lists every option the job takes besides --out and --data, with its
   * default ("" for one that may be absent): an unknown option is an error rather than silently ignored, because a
   * typo in lab.yaml's args would otherwise run the lab with the default and make its numbers mean something else.
   */
  def parseArgs(job: String, argv: Array[String], defaults: Map[String, String] = Map.empty): Args = {
    val known = defaults.keySet + "out" + "data"
    def usage = s"usage: $job --out DIR [--data DIR]" + defaults.keys.toSeq.sorted.map(k => s" [--$k ${defaults(k)}]").mkString
    val given = scala.collection.mutable.LinkedHashMap[String, String]()
    var i = 0
    while (i < argv.length) {
      val flag = argv(i)
      if (!flag.startsWith("--") || !known.contains(flag.drop(2))) throw new IllegalArgumentException(s"$job: unknown argument $flag\n$usage")
      if (i + 1 >= argv.length) throw new IllegalArgumentException(s"$job: $flag needs a value\n$usage")
      given(flag.drop(2)) = argv(i + 1)
      i += 2
    }
    val out = given.getOrElse("out", throw new IllegalArgumentException(s"$job: --out is required\n$usage"))
    Args(out, given.get("data"), defaults ++ (given -- Seq("out", "data")))
  }

  // ---------------------------------------------------------------------------------------------- result.json

  private val mapper = new ObjectMapper()

  /** Build a JSON object whose keys keep the order they are written in (what the student reads top-down). */
  def obj(fields: (String, Any)*): ListMap[String, Any] = ListMap(fields: _*)

  /** Scala values to the Java collections Jackson writes; anything unknown becomes its text, never an error. */
  private def toJava(value: Any): AnyRef = value match {
    case null | None => null
    case Some(v) => toJava(v)
    case d: Double => if (d.isNaN || d.isInfinite) null else java.lang.Double.valueOf(d)
    case f: Float => if (f.isNaN || f.isInfinite) null else java.lang.Double.valueOf(f.toDouble)
    case b: Boolean => java.lang.Boolean.valueOf(b)
    case i: Int => java.lang.Integer.valueOf(i)
    case l: Long => java.lang.Long.valueOf(l)
    case s: String => s
    case n: BigDecimal => n.bigDecimal
    case n: java.lang.Number => n
    case t: Timing => toJava(t.asMap())
    case m: Measured => toJava(m.asMap)
    case m: scala.collection.Map[_, _] =>
      val out = new java.util.LinkedHashMap[String, AnyRef]()
      m.foreach { case (k, v) => out.put(String.valueOf(k), toJava(v)) }
      out
    case a: Array[_] => toJava(a.toSeq)
    case it: Iterable[_] =>
      val out = new java.util.ArrayList[AnyRef]()
      it.foreach(v => out.add(toJava(v)))
      out
    case p: Product if p.productArity == 0 => p.toString
    case other => other.toString
  }

  /** The standard fields every result.json starts with: which Spark ran the step, where, and when. */
  def runInfo(spark: SparkSession): ListMap[String, Any] = {
    val sc = spark.sparkContext
    obj(
      "spark_version" -> spark.version,
      "app_id" -> sc.applicationId,
      "app_name" -> sc.appName,
      "master" -> sc.master,
      "deploy_mode" -> sc.getConf.get("spark.submit.deployMode", "client"),
      "default_parallelism" -> sc.defaultParallelism,
      "scala_version" -> scala.util.Properties.versionNumberString,
      "java_version" -> System.getProperty("java.version"),
      "written_at" -> Instant.now().truncatedTo(ChronoUnit.SECONDS).toString,
    )
  }

  /**
   * Write `<out>/result.json`: the standard fields, then the lab's own. Through Hadoop's FileSystem, not
   * java.io: on EMR `out` is an s3:// URI and in cluster deploy mode the driver runs on a core node with no disk the
   * student can see; Path.getFileSystem picks the local file system, EMRFS or S3A from the scheme.
   */
  def writeResult(spark: SparkSession, out: String, result: ListMap[String, Any], name: String = "result.json"): String = {
    val info = runInfo(spark)
    result.keys.find(info.contains).foreach(k => throw new IllegalArgumentException(s"result key '$k' would overwrite a standard result.json field"))
    val text = mapper.writerWithDefaultPrettyPrinter().writeValueAsString(toJava(info ++ result)) + "\n"
    val target = out.stripSuffix("/") + "/" + name
    val path = new Path(target)
    val fs = path.getFileSystem(spark.sparkContext.hadoopConfiguration)
    // The local file system would add a hidden .result.json.crc beside the file; nothing reads it.
    fs.setWriteChecksum(false)
    val stream = fs.create(path, true) // overwrite: re-running a step replaces its result
    try stream.write(text.getBytes(StandardCharsets.UTF_8))
    finally stream.close()
    println(s"labkit: wrote $target")
    target
  }

  /** Read a JSON file (e.g. an earlier step's result.json) the same way it was written: local path or s3://. */
  def readJson(spark: SparkSession, uri: String): JsonNode = {
    val path = new Path(uri)
    val fs = path.getFileSystem(spark.sparkContext.hadoopConfiguration)
    if (!fs.exists(path)) throw new IllegalArgumentException(s"$uri does not exist (did the step that writes it run first?)")
    val in = fs.open(path)
    try mapper.readTree(in)
    finally in.close()
  }

  // --------------------------------------------------------------------------------------------------- timing

  /** The median and every sample, in seconds. */
  final case class Timing(median: Double, samples: Seq[Double]) {
    def asMap(digits: Int = 4): ListMap[String, Any] = obj(
      "median_s" -> round(median, digits),
      "min_s" -> round(samples.min, digits),
      "max_s" -> round(samples.max, digits),
      "samples_s" -> samples.map(round(_, digits)),
    )
  }

  def round(x: Double, digits: Int): Double = BigDecimal(x).setScale(digits, BigDecimal.RoundingMode.HALF_UP).toDouble

  private def median(xs: Seq[Double]): Double = {
    val s = xs.sorted
    if (s.length % 2 == 1) s(s.length / 2) else (s(s.length / 2 - 1) + s(s.length / 2)) / 2
  }

  private def seconds(fn: () => Any): Double = {
    val start = System.nanoTime()
    fn()
    (System.nanoTime() - start) / 1e9
  }

  /**
   * Run fn `warmup` times untimed, then `runs` times timed; the median, because on a shared machine one slow outlier
   * should not move the result. The warm-up pays class loading, JIT and code generation once. fn must build a NEW
   * Dataset each call: re-running an action on the same Dataset reuses its executed plan and its shuffle files.
   */
  def medianSeconds(runs: Int = 5, warmup: Int = 1)(fn: () => Any): Timing = {
    require(runs >= 1, "runs must be >= 1")
    (1 to warmup).foreach(_ => fn())
    val samples = (1 to runs).map(_ => seconds(fn))
    Timing(median(samples), samples)
  }

  /**
   * medianSeconds of several alternatives with their runs interleaved (a b a b ...): background load on a shared
   * machine drifts over tens of seconds, and interleaving exposes every alternative to the same drift.
   */
  def compareMedians(fns: Seq[(String, () => Any)], runs: Int = 5, warmup: Int = 1): ListMap[String, Timing] = {
    require(runs >= 1, "runs must be >= 1")
    (1 to warmup).foreach(_ => fns.foreach(_._2()))
    val samples = fns.map(_._1 -> scala.collection.mutable.ArrayBuffer[Double]()).toMap
    (1 to runs).foreach(_ => fns.foreach { case (name, fn) => samples(name) += seconds(fn) })
    ListMap(fns.map { case (name, _) => name -> Timing(median(samples(name).toSeq), samples(name).toSeq) }: _*)
  }

  /** Wall-clock time of an action and the CPU time its tasks used, each as median and samples. */
  final case class Measured(wall: Timing, taskCpu: Timing) {
    def asMap: ListMap[String, Any] = obj("wall" -> wall, "task_cpu" -> taskCpu)
  }

  /**
   * compareMedians that also records the CPU time the tasks of each run used (the executorCpuTime task metric, the
   * Stages tab's "Task CPU time"). On a machine shared with other work, wall-clock time grows with everyone else's
   * load while a task's CPU time measures only its own work, so a ratio of CPU times is the steadier way to show that
   * one alternative does less work than another; the wall-clock ratio is what a user waits, and is reported too.
   */
  def compareMeasured(spark: SparkSession, fns: Seq[(String, () => Any)], runs: Int = 5, warmup: Int = 1): ListMap[String, Measured] = {
    require(runs >= 1, "runs must be >= 1")
    (1 to warmup).foreach(_ => fns.foreach(_._2()))
    val samples = fns.map(_._1 -> scala.collection.mutable.ArrayBuffer[JobStats]()).toMap
    for (i <- 1 to runs; (name, fn) <- fns) samples(name) += recordJobs(spark, s"$name-$i", s"$name (timed run $i of $runs)")(fn())._2
    ListMap(fns.map { case (name, _) =>
      val wall = samples(name).map(_.seconds).toSeq
      val cpu = samples(name).map(_.taskCpuSeconds).toSeq
      name -> Measured(Timing(median(wall), wall), Timing(median(cpu), cpu))
    }: _*)
  }

  // -------------------------------------------------------------------------------------------- physical plans

  /**
   * The physical plan that actually ran. With AQE (on by default since Spark 3.2) the executed plan is an
   * AdaptiveSparkPlanExec whose toString shows the final AND the initial plan, so searching its text can find
   * operators that never ran; its executedPlan is the final one once an action on this very Dataset has completed.
   */
  def finalPlan(ds: Dataset[_]): SparkPlan = ds.queryExecution.executedPlan match {
    case adaptive: AdaptiveSparkPlanExec => adaptive.executedPlan
    case plan => plan
  }

  /** The final plan as explain() prints it. */
  def planText(ds: Dataset[_]): String = finalPlan(ds).toString

  /**
   * Pre-order walk that also steps into what children does not reach: AQE's query stages hold their sub-plan in
   * `plan`, and a nested AdaptiveSparkPlanExec in `executedPlan`. A reused exchange is listed but not entered, so
   * a shuffle that appears twice is not counted twice.
   */
  private def walk(plan: SparkPlan): Seq[SparkPlan] = plan +: (plan match {
    case a: AdaptiveSparkPlanExec => walk(a.executedPlan)
    case s: QueryStageExec => walk(s.plan)
    case _: ReusedExchangeExec => Nil
    case p => p.children.flatMap(walk)
  })

  /** Operator names of the final plan, top down, as the SQL tab and explain() name them (e.g. "MapElements"). */
  def planNodes(ds: Dataset[_]): Seq[String] = walk(finalPlan(ds)).map(_.nodeName)

  // ---------------------------------------------------------------------------------------- jobs and shuffles

  /** What the jobs of one recorded block did, summed over their tasks. */
  final case class JobStats(
      label: String,
      seconds: Double,
      jobIds: Seq[Int],
      stages: Int,
      tasks: Int,
      shuffleWriteBytes: Long,
      shuffleWriteRecords: Long,
      shuffleReadBytes: Long,
      taskCpuSeconds: Double,
  ) {
    def asMap: ListMap[String, Any] = obj(
      "seconds" -> round(seconds, 3),
      "task_cpu_s" -> round(taskCpuSeconds, 3),
      "jobs" -> jobIds.size,
      "job_ids" -> jobIds,
      "stages" -> stages,
      "tasks" -> tasks,
      "shuffle_write_bytes" -> shuffleWriteBytes,
      "shuffle_write_records" -> shuffleWriteRecords,
      "shuffle_read_bytes" -> shuffleReadBytes,
    )
  }

  private val groupCounter = new AtomicInteger(0)

  /** The local property setJobGroup sets and every job started in the group carries (SparkContext's own constant
   *  for it is private[spark]). */
  private val JobGroupProperty = "spark.jobGroup.id"

  /**
   * Run `body` in a job group and sum the task metrics of the jobs it started, from a SparkListener: task metrics
   * (shuffle write bytes and records) are what the Stages tab shows, and a listener sees them wherever the driver
   * runs, with no access to the UI (on EMR it sits behind YARN's proxy). Listener events arrive asynchronously, so
   * before reading the sums we wait for the listener bus to drain.
   */
  def recordJobs[T](spark: SparkSession, label: String, description: String)(body: => T): (T, JobStats) = {
    val sc = spark.sparkContext
    val group = s"labkit-$label-${groupCounter.incrementAndGet()}"
    val listener = new GroupListener(group)
    sc.addSparkListener(listener)
    sc.setJobGroup(group, description)
    val start = System.nanoTime()
    val value =
      try body
      finally {
        // Clear the group so later, unrelated jobs are not counted in this one.
        sc.clearJobGroup()
      }
    val secs = (System.nanoTime() - start) / 1e9
    waitForListeners(sc)
    sc.removeSparkListener(listener)
    (value, listener.stats(label, secs))
  }

  /** Wait until every event posted so far reached every listener (the hook Spark's own tests use). */
  def waitForListeners(sc: SparkContext, timeoutMs: Long = 30000): Unit = LabsListenerBus.waitUntilEmpty(sc, timeoutMs)

  private final class GroupListener(group: String) extends SparkListener {
    private val jobs = ConcurrentHashMap.newKeySet[Int]()
    private val stages = ConcurrentHashMap.newKeySet[Int]()
    private val tasks = new AtomicInteger(0)
    private val writeBytes = new java.util.concurrent.atomic.AtomicLong(0)
    private val writeRecords = new java.util.concurrent.atomic.AtomicLong(0)
    private val readBytes = new java.util.concurrent.atomic.AtomicLong(0)
    private val cpuNanos = new java.util.concurrent.atomic.AtomicLong(0)

    override def onJobStart(e: SparkListenerJobStart): Unit =
      if (Option(e.properties).exists(p => p.getProperty(JobGroupProperty) == group)) {
        jobs.add(e.jobId)
        e.stageIds.foreach(stages.add)
      }

    override def onTaskEnd(e: SparkListenerTaskEnd): Unit =
      if (stages.contains(e.stageId) && e.taskMetrics != null) {
        tasks.incrementAndGet()
        writeBytes.addAndGet(e.taskMetrics.shuffleWriteMetrics.bytesWritten)
        writeRecords.addAndGet(e.taskMetrics.shuffleWriteMetrics.recordsWritten)
        readBytes.addAndGet(e.taskMetrics.shuffleReadMetrics.totalBytesRead)
        cpuNanos.addAndGet(e.taskMetrics.executorCpuTime)
      }

    def stats(label: String, secs: Double): JobStats = JobStats(
      label,
      secs,
      jobs.asScala.toSeq.sorted,
      stages.size,
      tasks.get,
      writeBytes.get,
      writeRecords.get,
      readBytes.get,
      cpuNanos.get / 1e9,
    )
  }
}
