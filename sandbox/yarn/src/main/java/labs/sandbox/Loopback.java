package labs.sandbox;

import org.apache.hadoop.conf.Configuration;

/**
 * Every listener on 127.0.0.1. MiniYARNCluster names its services "localhost:0" (ephemeral ports) and
 * MiniDFSCluster "127.0.0.1:0"; the bind hosts make each server bind loopback only rather than the wildcard address,
 * whatever a lab's configuration says (those keys are the sandbox's: SandboxConfiguration.isNetwork).
 */
final class Loopback {
  static final String HOST = "127.0.0.1";

  private Loopback() {}

  static void yarn(Configuration c) {
    c.set("yarn.resourcemanager.hostname", "localhost");
    c.set("yarn.resourcemanager.bind-host", HOST);
    c.set("yarn.nodemanager.hostname", "localhost");
    c.set("yarn.nodemanager.bind-host", HOST);
    c.set("yarn.timeline-service.bind-host", HOST);
    c.set("yarn.router.bind-host", HOST);
  }

  /**
   * The ResourceManager's five addresses on free loopback ports chosen here. MiniYARNCluster's own ephemeral mode
   * ("localhost:0") leaves port 0 in the RM's configuration where applications read the web proxy from, so every
   * tracking URL would be http://localhost:0/proxy/...; with "fixed ports" it takes these as given. A port taken
   * between choosing and binding fails the start with a BindException (failed.json kind "port").
   */
  static void resourceManagerPorts(Configuration c) throws java.io.IOException {
    String[] keys = {
        "yarn.resourcemanager.address", "yarn.resourcemanager.scheduler.address", "yarn.resourcemanager.resource-tracker.address",
        "yarn.resourcemanager.admin.address", "yarn.resourcemanager.webapp.address"};
    java.net.ServerSocket[] held = new java.net.ServerSocket[keys.length];
    try {
      for (int i = 0; i < keys.length; i++) {
        held[i] = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(HOST));
        c.set(keys[i], HOST + ":" + held[i].getLocalPort());
      }
    } finally {
      for (java.net.ServerSocket s : held) if (s != null) s.close();
    }
    c.setBoolean("yarn.minicluster.fixed.ports", true);
  }

  static void hdfs(Configuration c) {
    for (String k : new String[] {
        "dfs.namenode.rpc-bind-host", "dfs.namenode.servicerpc-bind-host", "dfs.namenode.lifeline.rpc-bind-host",
        "dfs.namenode.http-bind-host", "dfs.namenode.https-bind-host"}) {
      c.set(k, HOST);
    }
    c.set("dfs.namenode.http-address", HOST + ":0");
    c.set("dfs.namenode.https-address", HOST + ":0");
    c.set("dfs.namenode.secondary.http-address", HOST + ":0");
    c.set("dfs.namenode.backup.address", HOST + ":0");
    c.set("dfs.namenode.backup.http-address", HOST + ":0");
    c.set("dfs.datanode.address", HOST + ":0");
    c.set("dfs.datanode.http.address", HOST + ":0");
    c.set("dfs.datanode.https.address", HOST + ":0");
    c.set("dfs.datanode.ipc.address", HOST + ":0");
    c.set("dfs.datanode.hostname", HOST);
    c.set("dfs.journalnode.rpc-address", HOST + ":0");
    c.set("dfs.journalnode.http-address", HOST + ":0");
    c.set("dfs.journalnode.https-address", HOST + ":0");
  }
}
