package labs.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the services run with: the cluster's RunJobFlow Configurations (yarn-site, capacity-scheduler, core-site,
 * hdfs-site) on top of the sandbox's defaults, with the sizes this machine cannot give shrunk. Every property a
 * lab sent is recorded with what was applied and how, for DIR/applied-configuration.json.
 *
 * The sizing rule: a node has --node-memory-mb M and --node-vcores V. When yarn-site asks for more node memory X
 * (yarn.nodemanager.resource.memory-mb, as EMR derives from an instance type), every yarn-site memory amount
 * (*-mb) is multiplied by M/X, so allocations keep their proportion to the node; the same holds for vcores. Then
 * the scheduler's maximum allocation is capped at the node and the minimum at the maximum. A node asked smaller
 * than M is given as asked. Addresses, host names, bind hosts and local directories are the sandbox's own
 * (loopback, under DIR), whatever was sent: they name EC2 hosts and /mnt paths that do not exist here.
 */
final class SandboxConfiguration {
  static final List<String> APPLIED = List.of("yarn-site", "capacity-scheduler", "core-site", "hdfs-site");

  static final String NM_MEMORY = "yarn.nodemanager.resource.memory-mb";
  static final String NM_VCORES = "yarn.nodemanager.resource.cpu-vcores";
  static final String MIN_MB = "yarn.scheduler.minimum-allocation-mb";
  static final String MAX_MB = "yarn.scheduler.maximum-allocation-mb";
  static final String MIN_VCORES = "yarn.scheduler.minimum-allocation-vcores";
  static final String MAX_VCORES = "yarn.scheduler.maximum-allocation-vcores";
  static final String SCHEDULER = "yarn.resourcemanager.scheduler.class";
  static final String CAPACITY_SCHEDULER = "org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler";
  static final String REPLICATION = "dfs.replication";

  /** A property's fate, as applied-configuration.json shows it. */
  record Entry(String requested, String applied, String how) {}

  final int nodeMemoryMb;
  final int nodeVcores;
  final double memoryScale;
  final double vcoreScale;
  /** the properties each service gets: yarn-site and capacity-scheduler go to the ResourceManager/NodeManagers */
  final Map<String, Map<String, String>> site = new LinkedHashMap<>();
  final Map<String, Map<String, Entry>> record = new LinkedHashMap<>();
  final Set<String> ignored;

  SandboxConfiguration(Options o, Map<String, Map<String, String>> requested) {
    for (String c : APPLIED) {
      site.put(c, new TreeMap<>());
      record.put(c, new TreeMap<>());
    }
    ignored = new java.util.TreeSet<>(requested.keySet());
    ignored.removeAll(APPLIED);

    Map<String, String> yarn = requested.getOrDefault("yarn-site", Map.of());
    int askedMemory = intOr(yarn.get(NM_MEMORY), o.nodeMemoryMb);
    int askedVcores = intOr(yarn.get(NM_VCORES), o.nodeVcores);
    nodeMemoryMb = Math.min(askedMemory, o.nodeMemoryMb);
    nodeVcores = Math.min(askedVcores, o.nodeVcores);
    memoryScale = askedMemory > o.nodeMemoryMb ? (double) o.nodeMemoryMb / askedMemory : 1.0;
    vcoreScale = askedVcores > o.nodeVcores ? (double) o.nodeVcores / askedVcores : 1.0;

    defaults(o);
    for (String c : APPLIED) {
      for (Map.Entry<String, String> p : requested.getOrDefault(c, Map.of()).entrySet()) apply(c, p.getKey(), p.getValue());
    }
    keepAllocationsConsistent();
  }

  /** The sandbox's own values, used where the lab sends nothing (and shown as sandbox-default). */
  private void defaults(Options o) {
    Map<String, String> y = site.get("yarn-site");
    y.put(NM_MEMORY, Integer.toString(nodeMemoryMb));
    y.put(NM_VCORES, Integer.toString(nodeVcores));
    y.put(MIN_MB, "128");
    y.put(MAX_MB, Integer.toString(nodeMemoryMb));
    y.put(MIN_VCORES, "1");
    y.put(MAX_VCORES, Integer.toString(nodeVcores));
    y.put(SCHEDULER, CAPACITY_SCHEDULER);
    // Off: a JVM reserves far more address space than it uses, and 2.1 x its container would kill Spark at once.
    y.put("yarn.nodemanager.vmem-check-enabled", "false");
    // A stopped node is SHUTDOWN at once; one that stops heartbeating is LOST after this (EMR/YARN: 10 min).
    y.put("yarn.nm.liveness-monitor.expiry-interval-ms", "30000");
    y.put("yarn.resourcemanager.nodemanagers.heartbeat-interval-ms", "500");
    // Graceful decommission waits at most this long for running containers (YARN defaults to 3600 s).
    y.put("yarn.resourcemanager.nodemanager-graceful-decommission-timeout-secs", "120");
    y.put("yarn.resourcemanager.decommissioning-nodes-watcher.poll-interval-secs", "1");
    y.put("yarn.log-aggregation-enable", "false");
    Map<String, String> cs = site.get("capacity-scheduler");
    cs.put("yarn.scheduler.capacity.root.queues", "default");
    cs.put("yarn.scheduler.capacity.root.default.capacity", "100");
    cs.put("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
    cs.put("yarn.scheduler.capacity.root.default.user-limit-factor", "1");
    cs.put("yarn.scheduler.capacity.root.default.state", "RUNNING");
    // Hadoop's 0.1 would let one ApplicationMaster at a time run on a cluster this small (StepConcurrencyLevel > 1).
    cs.put("yarn.scheduler.capacity.maximum-am-resource-percent", "0.5");
    site.get("hdfs-site").put(REPLICATION, "1");
    site.get("hdfs-site").put("dfs.permissions.enabled", "false");
    for (String c : APPLIED) {
      for (Map.Entry<String, String> p : site.get(c).entrySet()) record.get(c).put(p.getKey(), new Entry(null, p.getValue(), "sandbox-default"));
    }
  }

  private void apply(String classification, String key, String value) {
    Map<String, String> target = site.get(classification);
    Map<String, Entry> rec = record.get(classification);
    if (isNetwork(key)) {
      rec.put(key, new Entry(value, null, "sandbox-loopback"));
      return;
    }
    if (isLocalDirectory(key)) {
      rec.put(key, new Entry(value, null, "sandbox-directory"));
      return;
    }
    if (key.equals(SCHEDULER) && !value.equals(CAPACITY_SCHEDULER)) {
      rec.put(key, new Entry(value, CAPACITY_SCHEDULER, "sandbox-scheduler"));
      return;
    }
    if (key.equals(NM_MEMORY)) {
      put(target, rec, key, value, Integer.toString(nodeMemoryMb), nodeMemoryMb == intOr(value, -1) ? "as-given" : "scaled");
      return;
    }
    if (key.equals(NM_VCORES)) {
      put(target, rec, key, value, Integer.toString(nodeVcores), nodeVcores == intOr(value, -1) ? "as-given" : "scaled");
      return;
    }
    if (classification.equals("yarn-site") && isMemoryAmount(key) && memoryScale < 1.0) {
      long v = longOr(value, -1);
      if (v > 0) {
        put(target, rec, key, value, Long.toString(Math.max(1, Math.round(v * memoryScale))), "scaled");
        return;
      }
    }
    if (classification.equals("yarn-site") && key.endsWith("-vcores") && vcoreScale < 1.0) {
      long v = longOr(value, -1);
      if (v > 0) {
        put(target, rec, key, value, Long.toString(Math.max(1, Math.round(v * vcoreScale))), "scaled");
        return;
      }
    }
    if (key.equals(REPLICATION) && intOr(value, 1) > 1) {
      put(target, rec, key, value, "1", "capped");
      return;
    }
    put(target, rec, key, value, value, "as-given");
  }

  /** Maximum allocation within a node, minimum within the maximum: otherwise the RM refuses to start. */
  private void keepAllocationsConsistent() {
    Map<String, String> y = site.get("yarn-site");
    cap(y, MAX_MB, nodeMemoryMb);
    cap(y, MIN_MB, intOr(y.get(MAX_MB), nodeMemoryMb));
    cap(y, MAX_VCORES, nodeVcores);
    cap(y, MIN_VCORES, intOr(y.get(MAX_VCORES), nodeVcores));
  }

  private void cap(Map<String, String> y, String key, int limit) {
    int v = intOr(y.get(key), limit);
    if (v <= limit) return;
    y.put(key, Integer.toString(limit));
    Entry was = record.get("yarn-site").get(key);
    record.get("yarn-site").put(key, new Entry(was == null ? null : was.requested(), Integer.toString(limit), "capped"));
  }

  private static void put(Map<String, String> target, Map<String, Entry> rec, String key, String requested, String applied, String how) {
    target.put(key, applied);
    rec.put(key, new Entry(requested, applied, how));
  }

  static boolean isNetwork(String key) {
    return key.endsWith("address") || key.endsWith("hostname") || key.endsWith("bind-host")
        || key.equals("fs.defaultFS") || key.equals("fs.default.name") || key.endsWith(".hosts") && key.startsWith("dfs.");
  }

  static boolean isLocalDirectory(String key) {
    return key.endsWith("local-dirs") || key.endsWith("log-dirs") || key.equals("hadoop.tmp.dir")
        || key.endsWith("name.dir") || key.endsWith("data.dir") || key.endsWith("edits.dir") || key.endsWith("checkpoint.dir")
        || key.endsWith("recovery.dir") || key.equals("yarn.resourcemanager.nodes.exclude-path") || key.equals("yarn.resourcemanager.nodes.include-path");
  }

  /** yarn-site memory sizes are named *-mb (yarn.scheduler.maximum-allocation-mb, yarn.app.mapreduce.am.resource.mb). */
  static boolean isMemoryAmount(String key) {
    return key.endsWith("-mb") || key.endsWith(".mb");
  }

  private static int intOr(String s, int fallback) {
    return (int) longOr(s, fallback);
  }

  private static long longOr(String s, long fallback) {
    if (s == null) return fallback;
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
