package labs.sandbox;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.util.ExitUtil;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.nodemanager.NodeManager;

/**
 * The sandbox's YARN and HDFS in one JVM: a ResourceManager (CapacityScheduler) with N NodeManagers and a
 * NameNode + DataNode, all on 127.0.0.1, configured from the cluster's RunJobFlow Configurations.
 *
 * Lifecycle (the contract in docs/sandbox.md): DIR/ready.json appears once every service is up and is removed on
 * stop; a start that fails writes DIR/failed.json ({kind: port|memory|other, message}) and exits 1; SIGTERM,
 * POST /shutdown and EOF on stdin all stop every service (and any container process left) and exit 0.
 */
public final class MiniCluster {
  private final Options options;
  private final SandboxConfiguration config;
  private MiniDFSCluster dfs;
  private MiniYARNCluster yarn;
  private ControlServer control;
  private final CountDownLatch stopRequested = new CountDownLatch(1);
  private final AtomicReference<String> stopReason = new AtomicReference<>();

  private MiniCluster(Options options, SandboxConfiguration config) {
    this.options = options;
    this.config = config;
  }

  public static void main(String[] args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    options.dir.mkdirs();
    if (!DirLock.take(options.dir)) {
      System.err.println("error: another MiniCluster is using " + options.dir + " (still running or stopping): stop it or use another --dir");
      System.exit(2);
      return;
    }
    // Before any logger exists: log4j2.properties sends everything to this file; Jersey's java.util.logging too.
    System.setProperty("labs.sandbox.log", new File(options.dir, "minicluster.log").getPath());
    org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
    org.slf4j.bridge.SLF4JBridgeHandler.install();
    new File(options.dir, "ready.json").delete();
    new File(options.dir, "failed.json").delete();
    if (!Loopback.HOST.equals(System.getenv("SPARK_LOCAL_IP"))) {
      fail(options.dir, new IllegalArgumentException(
          "start MiniCluster with SPARK_LOCAL_IP=127.0.0.1 in its environment: its containers inherit it, so Spark binds loopback only"));
      System.exit(2);
      return;
    }
    // NodeManagers and the RM must never end this JVM on their own: the sandbox decides when it stops.
    ExitUtil.disableSystemExit();
    ExitUtil.disableSystemHalt();

    MiniCluster cluster = null;
    try {
      SandboxConfiguration config = new SandboxConfiguration(options, EmrConfigurations.read(options.configurations));
      cluster = new MiniCluster(options, config);
      cluster.watchStdin();
      cluster.start();
    } catch (Throwable t) {
      fail(options.dir, t);
      if (cluster != null) cluster.stopQuietly();
      System.exit(1);
      return;
    }
    cluster.awaitStop();
    cluster.stopQuietly();
    System.out.println("stopped (" + cluster.stopReason.get() + ")");
    System.exit(0);
  }

  private void start() throws Exception {
    long started = System.nanoTime();
    File dir = options.dir;
    File work = new File(dir, "work");
    // MiniYARNCluster and MiniDFSCluster put their directories under test.build.data (default: ./target).
    System.setProperty("test.build.data", work.getPath());
    System.setProperty("hadoop.log.dir", new File(dir, "logs").getPath());

    Configuration hdfsConf = new HdfsConfiguration();
    config.site.get("core-site").forEach(hdfsConf::set);
    config.site.get("hdfs-site").forEach(hdfsConf::set);
    Loopback.hdfs(hdfsConf);
    hdfsConf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(work, "hdfs").getPath());
    dfs = new MiniDFSCluster.Builder(hdfsConf).numDataNodes(1).format(true).checkDataNodeAddrConfig(true).build();
    dfs.waitActive();
    String hdfsUri = "hdfs://" + Loopback.HOST + ":" + dfs.getNameNodePort();

    YarnConfiguration yarnConf = new YarnConfiguration();
    config.site.get("core-site").forEach(yarnConf::set);
    config.site.get("yarn-site").forEach(yarnConf::set);
    config.site.get("capacity-scheduler").forEach(yarnConf::set);
    yarnConf.set("fs.defaultFS", hdfsUri);
    yarnConf.setInt("yarn.minicluster.yarn.nodemanager.resource.memory-mb", config.nodeMemoryMb);
    // Containers start `$JAVA_HOME/bin/java`: give them this JVM's Java when the environment names none.
    if (System.getenv("JAVA_HOME") == null) {
      adminEnv(yarnConf, "JAVA_HOME=" + System.getProperty("java.home"));
    }
    // Spark in a container binds its driver, block manager and UI to SPARK_LOCAL_IP. The NodeManagers hand this
    // JVM's value to containers that set none (the ApplicationMaster); executors get the AM's from Spark itself.
    // (yarn.nodemanager.admin-env cannot carry it: YARN appends it to Spark's own copy, "127.0.0.1:127.0.0.1".)
    yarnConf.set("yarn.nodemanager.env-whitelist",
        yarnConf.get("yarn.nodemanager.env-whitelist", YarnConfiguration.DEFAULT_NM_ENV_WHITELIST) + ",SPARK_LOCAL_IP");
    Loopback.yarn(yarnConf);
    Loopback.resourceManagerPorts(yarnConf);
    yarn = new MiniYARNCluster("sandbox", 1, options.nodes, 1, 1);
    yarn.init(yarnConf);
    yarn.start();
    waitForNodes();
    WebAppIsolation.apply(yarn, options.nodes);

    control = new ControlServer(this);
    control.start();

    Configuration live = yarn.getConfig();
    String rmAddress = loopback(live.get(YarnConfiguration.RM_ADDRESS));
    String rmWeb = loopback(live.get(YarnConfiguration.RM_WEBAPP_ADDRESS));
    writeClientConfig(live, hdfsUri);
    ClusterFiles.writeJsonAtomically(new File(dir, "applied-configuration.json"), appliedDocument());

    Map<String, Object> ready = new LinkedHashMap<>();
    ready.put("rmAddress", rmAddress);
    ready.put("rmWebUrl", "http://" + rmWeb);
    ready.put("hdfsUri", hdfsUri);
    ready.put("namenodeWebUrl", "http://" + Loopback.HOST + ":" + dfs.getNameNode().getHttpAddress().getPort());
    ready.put("controlUrl", "http://" + Loopback.HOST + ":" + control.port());
    ready.put("pid", ProcessHandle.current().pid());
    ready.put("hadoopConfDir", new File(dir, "hadoop-conf").getPath());
    ready.put("nodeMemoryMb", config.nodeMemoryMb);
    ready.put("nodeVcores", config.nodeVcores);
    List<Map<String, Object>> nodes = new ArrayList<>();
    for (int i = 0; i < options.nodes; i++) nodes.add(nodeSummary(i));
    ready.put("nodeManagers", nodes);
    ready.put("startSeconds", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
    ClusterFiles.writeJsonAtomically(new File(dir, "ready.json"), ready);
    System.out.println("ready: " + new File(dir, "ready.json"));
    installSignalHandler();
  }

  private static void adminEnv(Configuration c, String assignment) {
    c.set("yarn.nodemanager.admin-env", c.get("yarn.nodemanager.admin-env", "MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX") + "," + assignment);
  }

  /** MiniYARNCluster waits 5 s for registrations and goes on regardless; a sandbox short of nodes is not ready. */
  private void waitForNodes() throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (yarn.getResourceManager().getRMContext().getRMNodes().size() < options.nodes) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(
            "only " + yarn.getResourceManager().getRMContext().getRMNodes().size() + " of " + options.nodes + " NodeManagers registered within 60 s");
      }
      Thread.sleep(100);
    }
  }

  Map<String, Object> nodeSummary(int index) {
    NodeManager nm = yarn.getNodeManager(index);
    Map<String, Object> n = new LinkedHashMap<>();
    n.put("index", index);
    n.put("nodeId", nm.getNMContext().getNodeId().toString());
    n.put("httpAddress", nm.getNMContext().getNodeId().getHost() + ":" + nm.getNMContext().getHttpPort());
    return n;
  }

  private void writeClientConfig(Configuration live, String hdfsUri) throws IOException {
    File confDir = new File(options.dir, "hadoop-conf");
    confDir.mkdirs();
    Map<String, String> core = new LinkedHashMap<>(config.site.get("core-site"));
    core.put("fs.defaultFS", hdfsUri);
    // Sandbox-only (no such property on EMR): where a job in a container finds the control endpoint, to take a
    // node away itself (day1-instance-fleets). Spark ships HADOOP_CONF_DIR to the driver, so it reads it from
    // sc._jsc.hadoopConfiguration(); a job that finds no value is not on the sandbox.
    core.put("labs.sandbox.control.url", "http://" + Loopback.HOST + ":" + control.port());
    ClusterFiles.writeSite(new File(confDir, "core-site.xml"), core);
    Map<String, String> yarnSite = new LinkedHashMap<>(config.site.get("yarn-site"));
    for (String key : new String[] {
        YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS, YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS,
        YarnConfiguration.RM_ADMIN_ADDRESS, YarnConfiguration.RM_WEBAPP_ADDRESS}) {
      yarnSite.put(key, loopback(live.get(key)));
    }
    yarnSite.put("yarn.resourcemanager.hostname", Loopback.HOST);
    ClusterFiles.writeSite(new File(confDir, "yarn-site.xml"), yarnSite);
    ClusterFiles.writeSite(new File(confDir, "hdfs-site.xml"), config.site.get("hdfs-site"));
    ClusterFiles.writeSite(new File(confDir, "capacity-scheduler.xml"), config.site.get("capacity-scheduler"));
  }

  private Map<String, Object> appliedDocument() {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("nodes", Map.of("count", options.nodes, "memoryMb", config.nodeMemoryMb, "vcores", config.nodeVcores));
    doc.put("memoryScale", config.memoryScale);
    doc.put("vcoreScale", config.vcoreScale);
    doc.put("rule", "node memory above --node-memory-mb scales every yarn-site *-mb value by memoryScale (vcores likewise); "
        + "maximum allocation capped at the node, minimum at the maximum; addresses, hosts and local directories are the sandbox's");
    doc.put("classifications", config.record);
    doc.put("ignored", config.ignored);
    return doc;
  }

  /** "localhost:43123" -> "127.0.0.1:43123": clients must not depend on how localhost resolves (::1 first). */
  static String loopback(String address) {
    int colon = address.lastIndexOf(':');
    return Loopback.HOST + address.substring(colon);
  }

  /** The DataNodes' disk as the NameNode reports it (CloudWatch's HDFSUtilization is used / capacity). */
  Map<String, Object> hdfsStatus() {
    try {
      org.apache.hadoop.fs.FsStatus st = dfs.getFileSystem().getStatus();
      return Map.of("capacityBytes", st.getCapacity(), "usedBytes", st.getUsed(), "remainingBytes", st.getRemaining());
    } catch (IOException e) {
      return Map.of("error", String.valueOf(e.getMessage()));
    }
  }

  MiniYARNCluster yarn() {
    return yarn;
  }

  int nodeCount() {
    return options.nodes;
  }

  /**
   * A stopped node replaced, as EMR replenishes a fleet's (or group's) capacity after a Spot reclaim: a new
   * NodeManager with the old one's configuration (its directories) and new ports registers with the ResourceManager
   * as a new node, and takes the old one's index. Hadoop services cannot be started again once stopped.
   */
  synchronized NodeManager replaceNode(int index) throws ReflectiveOperationException {
    NodeManager old = yarn.getNodeManager(index);
    Configuration c = new YarnConfiguration(old.getConfig());
    for (String key : new String[] {
        YarnConfiguration.NM_ADDRESS, YarnConfiguration.NM_LOCALIZER_ADDRESS, YarnConfiguration.NM_WEBAPP_ADDRESS,
        YarnConfiguration.NM_COLLECTOR_SERVICE_ADDRESS}) {
      c.set(key, Loopback.HOST + ":0");
    }
    NodeManager nm = new NodeManager();
    nm.init(c);
    nm.start();
    java.lang.reflect.Field f = MiniYARNCluster.class.getDeclaredField("nodeManagers");
    f.setAccessible(true);
    ((NodeManager[]) f.get(yarn))[index] = nm;
    WebAppIsolation.applyToNode(nm);
    return nm;
  }

  void requestStop(String reason) {
    stopReason.compareAndSet(null, reason);
    stopRequested.countDown();
  }

  private void awaitStop() {
    while (true) {
      try {
        stopRequested.await();
        return;
      } catch (InterruptedException e) {
        // only a stop request ends the wait
      }
    }
  }

  /** The parent holds our stdin: when it goes away (crash, kill -9), EOF arrives and the sandbox stops itself. */
  private void watchStdin() {
    Thread t = new Thread(() -> {
      try {
        while (System.in.read() != -1) {
          // input is ignored; only its end matters
        }
      } catch (IOException e) {
        // a broken stdin is the same as a closed one
      }
      if (yarn != null && control != null) requestStop("stdin closed");
      else Runtime.getRuntime().halt(1);
    }, "stdin-watch");
    t.setDaemon(true);
    t.start();
  }

  @SuppressWarnings("restriction")
  private void installSignalHandler() {
    sun.misc.Signal.handle(new sun.misc.Signal("TERM"), s -> requestStop("SIGTERM"));
    sun.misc.Signal.handle(new sun.misc.Signal("INT"), s -> requestStop("SIGINT"));
  }

  /** Stop in dependency order, then make sure no container process outlives the NodeManagers. */
  private void stopQuietly() {
    new File(options.dir, "ready.json").delete();
    if (control != null) control.stop();
    try {
      if (yarn != null) yarn.stop();
    } catch (Throwable t) {
      // keep going: HDFS and the processes below must still stop
    }
    try {
      if (dfs != null) dfs.shutdown();
    } catch (Throwable t) {
      // same
    }
    ProcessHandle.current().descendants().forEach(ProcessHandle::destroy);
    long deadline = System.currentTimeMillis() + 5_000;
    while (ProcessHandle.current().descendants().anyMatch(ProcessHandle::isAlive) && System.currentTimeMillis() < deadline) {
      try {
        TimeUnit.MILLISECONDS.sleep(100);
      } catch (InterruptedException e) {
        break;
      }
    }
    ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
  }

  /** failed.json tells the launcher why (a port taken, memory, anything else) in one line it can show. */
  private static void fail(File dir, Throwable t) {
    String kind = "other";
    Throwable root = t;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BindException) kind = "port";
      if (c instanceof OutOfMemoryError) kind = "memory";
      root = c;
    }
    String message = root.getClass().getSimpleName() + ": " + root.getMessage();
    if (t instanceof IllegalArgumentException || t instanceof IllegalStateException) message = t.getMessage();
    try {
      ClusterFiles.writeJsonAtomically(new File(dir, "failed.json"), Map.of("kind", kind, "message", message));
    } catch (IOException e) {
      // stderr below still says it
    }
    PrintStream err = System.err;
    err.println("error: " + message);
    t.printStackTrace(err);
  }
}
