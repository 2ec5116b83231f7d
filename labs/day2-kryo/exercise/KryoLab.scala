// Exercise day2-kryo (`labs exercise day2-kryo`): register the classes the kryo step serialises with Kryo, and
// make Kryo refuse a class nobody registered (spark-conf.yaml, the kryo step's settings). Find the TODOs.
package labs

import java.io.ByteArrayOutputStream

import scala.util.control.NonFatal

import org.apache.spark.{HashPartitioner, SparkConf, SparkEnv}
import org.apache.spark.serializer.{JavaSerializer, KryoSerializer, Serializer}
import org.apache.spark.sql.SparkSession
import org.apache.spark.storage.StorageLevel

/** A trading account. Nested in every Trade, so Kryo must know this class too, not only Trade. */
final case class Account(id: Int, region: String, tier: String)

/** One execution of (part of) an order on a trading venue. */
final case class Fill(venue: Int, quantity: Int, price: Double)

/** One trade: the record the lab caches and shuffles. A case class: Serializable for Java, plain fields for Kryo. */
final case class Trade(id: Long, account: Account, symbol: String, side: String, fills: Array[Fill], timestamp: Long)

/** Deliberately never registered: the kryo step serialises one to show what registrationRequired=true does. */
final case class Unregistered(note: String)

/**
 * Day 2, "Serialization strategies: Using Kryo": the same records cached as serialised bytes (MEMORY_ONLY_SER) and
 * shuffled, once with Java serialisation and once with Kryo with registered classes.
 *
 * The serializer is fixed when the SparkContext starts (SparkEnv creates it once), so the two cannot be compared in
 * one application: lab.yaml runs this job twice with a different spark.serializer per step (`--mode java`, then
 * `--mode kryo`), and the kryo step reads the java step's result.json to compute the ratios its checks assert.
 */
object KryoLab {

  /** Everything Kryo must know with spark.kryo.registrationRequired=true: the records, what they contain, and the
   *  array type Spark uses when a task returns records to the driver (collect, take). */
  // TODO 1: every class Kryo writes when it caches and shuffles trades: the record, what it contains, and the
  // array types Spark uses when a task returns records. Unregistered, Kryo writes each object's full class name.
  val RegisteredClasses: Array[Class[_]] = Array()

  private val Symbols = Array("AMZN", "MSFT", "GOOG", "AAPL", "NVDA", "META", "ORCL", "INTC", "CSCO", "IBM", "SAP", "ADBE")
  private val Regions = Array("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
  private val Tiers = Array("retail", "professional", "institutional")

  /**
   * A fresh String, as a parser gives for every field of every record it reads. Handing out the constants above
   * instead would be unrealistic in a way that flatters Java serialisation: within one stream it writes a String
   * object it has already written as a 5-byte back-reference, which data read from files never lets it do.
   */
  private def parsed(s: String): String = new String(s.toCharArray)

  /** Record i, a pure function of i: both steps (two separate applications) build exactly the same data. */
  def trade(i: Long): Trade = {
    val h = (i * 2654435761L) & 0x7fffffffL // Knuth's multiplicative hash spreads consecutive ids
    val accountId = (h % 5000).toInt
    Trade(
      id = i,
      account = Account(accountId, parsed(Regions(accountId % Regions.length)), parsed(Tiers(accountId % Tiers.length))),
      symbol = parsed(Symbols((h % Symbols.length).toInt)),
      side = parsed(if (h % 2 == 0) "BUY" else "SELL"),
      fills = Array.tabulate(1 + (h % 4).toInt)(k => Fill(venue = ((h >> k) % 16).toInt, quantity = 1 + ((h >> (2 * k)) % 500).toInt, price = 10 + ((h >> k) % 100000) / 100.0)),
      timestamp = 1735689600000L + i * 37,
    )
  }

  /** Bytes of `records` written as one serialisation stream, as a cache block or a shuffle file holds them. */
  private def streamBytes(serializer: Serializer, records: Seq[Trade]): Long = {
    val bytes = new ByteArrayOutputStream()
    val stream = serializer.newInstance().serializeStream(bytes)
    records.foreach(stream.writeObject(_))
    stream.close()
    bytes.size.toLong
  }

  private def firstLine(e: Throwable): String = s"${e.getClass.getName}: ${Option(e.getMessage).getOrElse("").linesIterator.toSeq.headOption.getOrElse("")}"

  def main(argv: Array[String]): Unit = {
    val args = LabKit.parseArgs(
      "labs.KryoLab",
      argv,
      Map("mode" -> "kryo", "records" -> "200000", "partitions" -> "8", "runs" -> "3", "java-result" -> ""),
    )
    val mode = args("mode")
    require(mode == "java" || mode == "kryo", s"--mode must be java or kryo, not $mode")

    val conf = new SparkConf()
    // registerKryoClasses also sets spark.serializer=KryoSerializer; lab.yaml sets it too, so the step says what it
    // runs. The java step registers nothing: Java serialisation has no notion of registration.
    if (mode == "kryo") conf.registerKryoClasses(RegisteredClasses)
    val spark = SparkSession.builder().config(conf).getOrCreate()
    val sc = spark.sparkContext

    // The serializer Spark really uses, not the one we meant: a lab.yaml whose conf and --mode disagree fails here.
    val serializer = SparkEnv.get.serializer
    val expected = if (mode == "java") classOf[JavaSerializer] else classOf[KryoSerializer]
    require(
      serializer.getClass == expected,
      s"--mode $mode but Spark uses ${serializer.getClass.getName}: set spark.serializer=${expected.getName} in this step's conf",
    )

    val records = args.long("records")
    val partitions = args.int("partitions")
    val runs = args.int("runs")

    // 1. Cache: MEMORY_ONLY_SER stores each partition as one serialised block, so its size is the serializer's
    //    output (spark.rdd.compress is off by default: nothing else shrinks it). The Storage tab shows the same number.
    val trades = sc
      .range(0, records, 1, partitions)
      .map(trade)
      .setName(s"trades serialised with $mode (MEMORY_ONLY_SER)")
      .persist(StorageLevel.MEMORY_ONLY_SER)
    val (count, cacheJob) = LabKit.recordJobs(spark, "cache", s"cache $records trades as $mode-serialised bytes")(trades.count())
    require(count == records, s"expected $records trades, counted $count")
    val storage = sc.getRDDStorageInfo.find(_.id == trades.id)
      .getOrElse(sys.error("the cached RDD is not in the block manager's storage info"))
    require(
      storage.numCachedPartitions == storage.numPartitions,
      s"only ${storage.numCachedPartitions} of ${storage.numPartitions} partitions fit in storage memory: lower --records or raise spark.driver.memory",
    )

    // Reading every cached record deserialises it: the other half of a serializer's cost. Task CPU time as well as
    // wall time: the CPU the tasks spent deserialising does not grow with other work on a shared machine.
    val readBack = LabKit.compareMeasured(spark, Seq("read_back" -> (() => trades.map(_.fills.length.toLong).reduce(_ + _))), runs = runs)("read_back")

    // 2. Shuffle: every record crosses a shuffle; its map side writes records with the serializer, then compresses
    //    the files (spark.shuffle.compress, lz4): the Stages tab's "Shuffle Write" is the size after both.
    //    One run: its byte counts are exact (same data, same serializer, same codec give the same bytes every time);
    //    its time is a single sample on a shared machine, so it is reported, never asserted.
    val (_, shuffleJob) = LabKit.recordJobs(spark, "shuffle", s"shuffle $records trades serialised with $mode") {
      trades.map(t => (t.account.id, t)).partitionBy(new HashPartitioner(partitions)).count()
    }

    // 3. The same sample written by three serializers side by side, in this one JVM: explicit instances, not
    //    SparkEnv's, so both steps can show all three. Kryo without registration writes each record's class name.
    val sample = (0L until 10000L).map(trade)
    val javaStream = streamBytes(new JavaSerializer(new SparkConf(false)), sample)
    val kryoUnregisteredStream = streamBytes(new KryoSerializer(new SparkConf(false)), sample)
    val kryoStream = streamBytes(new KryoSerializer(new SparkConf(false).registerKryoClasses(RegisteredClasses)), sample)

    // 4. What registrationRequired=true does with a class nobody registered: Kryo refuses it instead of silently
    //    writing its full class name into every record. With Java serialisation there is nothing to refuse.
    val unregistered =
      try {
        serializer.newInstance().serialize(Unregistered("not registered"))
        None
      } catch {
        case NonFatal(e) => Some(firstLine(e))
      }

    val cached = LabKit.obj(
      "bytes" -> storage.memSize,
      "bytes_per_record" -> LabKit.round(storage.memSize.toDouble / records, 2),
      "partitions_cached" -> storage.numCachedPartitions,
      "partitions" -> storage.numPartitions,
      "storage_level" -> storage.storageLevel.description,
      "job" -> cacheJob.asMap,
      "read_back" -> readBack,
    )
    val shuffled = LabKit.obj(
      "write_bytes" -> shuffleJob.shuffleWriteBytes,
      "write_records" -> shuffleJob.shuffleWriteRecords,
      "bytes_per_record" -> LabKit.round(shuffleJob.shuffleWriteBytes.toDouble / math.max(1L, shuffleJob.shuffleWriteRecords), 2),
      "compressed" -> sc.getConf.getBoolean("spark.shuffle.compress", defaultValue = true),
      "seconds" -> LabKit.round(shuffleJob.seconds, 3),
      "job" -> shuffleJob.asMap,
    )

    // One record on its own, as a task result or a small broadcast is serialised: Java writes the full description
    // of every class involved first, Kryo a registered class's number.
    val oneRecord = serializer.newInstance().serialize(trade(0)).limit()

    // 5. The kryo step reads the java step's numbers (its result.json, local or s3://) and states the ratios.
    val ratios = args.optional("java-result").map { uri =>
      val java = LabKit.readJson(spark, uri)
      val javaRecords = java.at("/records").asLong()
      require(javaRecords == records, s"$uri measured $javaRecords records, this step $records: give both steps the same --records")
      def ratio(pointer: String, mine: Double): Double = LabKit.round(java.at(pointer).asDouble() / mine, 3)
      LabKit.obj(
        "cached_java_over_kryo" -> ratio("/cached/bytes", storage.memSize.toDouble),
        "shuffle_java_over_kryo" -> ratio("/shuffle/write_bytes", shuffleJob.shuffleWriteBytes.toDouble),
        "read_back_java_over_kryo" -> ratio("/cached/read_back/wall/median_s", readBack.wall.median),
        "read_back_cpu_java_over_kryo" -> ratio("/cached/read_back/task_cpu/median_s", readBack.taskCpu.median),
        "one_record_java_over_kryo" -> ratio("/one_record_bytes", oneRecord.toDouble),
        "shuffle_seconds_java_over_kryo" -> ratio("/shuffle/seconds", shuffleJob.seconds),
      )
    }

    LabKit.writeResult(
      spark,
      args.out,
      LabKit.obj(
        "mode" -> mode,
        "serializer" -> serializer.getClass.getName,
        "records" -> records,
        "partitions" -> partitions,
        "one_record_bytes" -> oneRecord,
        "cached" -> cached,
        "shuffle" -> shuffled,
        "streams" -> LabKit.obj(
          "records" -> sample.size,
          "java" -> javaStream,
          "kryo_unregistered" -> kryoUnregisteredStream,
          "kryo_registered" -> kryoStream,
        ),
        "stream_ratios" -> LabKit.obj(
          "java_over_kryo_registered" -> LabKit.round(javaStream.toDouble / kryoStream, 3),
          "kryo_unregistered_over_registered" -> LabKit.round(kryoUnregisteredStream.toDouble / kryoStream, 3),
        ),
        "registration" -> LabKit.obj(
          "required" -> sc.getConf.getBoolean("spark.kryo.registrationRequired", defaultValue = false),
          "registered_classes" -> (if (mode == "kryo") RegisteredClasses.map(_.getName).toSeq else Seq.empty[String]),
          "unregistered_class_error" -> unregistered,
        ),
        "ratios" -> ratios,
      ),
    )
    spark.stop()
  }
}
