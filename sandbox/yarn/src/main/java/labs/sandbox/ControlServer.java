package labs.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.service.Service;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.apache.hadoop.yarn.server.nodemanager.NodeManager;
import org.apache.hadoop.yarn.server.resourcemanager.RMContext;
import org.apache.hadoop.yarn.server.resourcemanager.rmnode.RMNode;
import org.apache.hadoop.yarn.server.resourcemanager.rmnode.RMNodeDecommissioningEvent;
import org.apache.hadoop.yarn.server.resourcemanager.rmnode.RMNodeEvent;
import org.apache.hadoop.yarn.server.resourcemanager.rmnode.RMNodeEventType;

/**
 * The sandbox's own controls on loopback HTTP: GET /status, POST /nodes/{index}/stop (a node lost, as a Spot
 * reclaim does), POST /nodes/{index}/decommission (graceful: YARN stops placing containers there and lets running
 * ones finish), POST /nodes/{index}/replace (a stopped node replaced by a new one, as EMR replenishes capacity),
 * POST /shutdown. Answers are JSON.
 */
final class ControlServer {
  private static final Pattern NODE = Pattern.compile("^/nodes/(\\d+)/(stop|decommission|replace)$");
  private final MiniCluster cluster;
  private HttpServer server;

  ControlServer(MiniCluster cluster) {
    this.cluster = cluster;
  }

  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(Loopback.HOST, 0), 16);
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "sandbox-control");
      t.setDaemon(true);
      return t;
    }));
    server.createContext("/", this::handle);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  void stop() {
    if (server != null) server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      Matcher node = NODE.matcher(path);
      if (path.equals("/status")) {
        if (!method.equals("GET")) reply(ex, 405, Map.of("error", "GET only"));
        else reply(ex, 200, status());
      } else if (path.equals("/shutdown")) {
        if (!method.equals("POST")) reply(ex, 405, Map.of("error", "POST only"));
        else {
          reply(ex, 202, Map.of("stopping", true));
          cluster.requestStop("POST /shutdown");
        }
      } else if (node.matches()) {
        if (!method.equals("POST")) reply(ex, 405, Map.of("error", "POST only"));
        else nodeAction(ex, Integer.parseInt(node.group(1)), node.group(2));
      } else {
        reply(ex, 404, Map.of("error", "no such endpoint: " + path));
      }
    } catch (RuntimeException e) {
      reply(ex, 500, Map.of("error", String.valueOf(e.getMessage())));
    }
  }

  private void nodeAction(HttpExchange ex, int index, String action) throws IOException {
    if (index >= cluster.nodeCount()) {
      reply(ex, 404, Map.of("error", "no node " + index + " (nodes 0.." + (cluster.nodeCount() - 1) + ")"));
      return;
    }
    NodeManager nm = cluster.yarn().getNodeManager(index);
    NodeId id = nm.getNMContext().getNodeId();
    if (action.equals("replace")) {
      if (nm.getServiceState() == Service.STATE.STARTED) {
        reply(ex, 409, Map.of("error", "node " + index + " is running: stop it first", "nodeId", id.toString()));
        return;
      }
      NodeManager fresh;
      try {
        fresh = cluster.replaceNode(index);
      } catch (ReflectiveOperationException e) {
        reply(ex, 500, Map.of("error", "could not replace node " + index + ": " + e));
        return;
      }
      NodeId newId = fresh.getNMContext().getNodeId();
      reply(ex, 200, Map.of("index", index, "replaced", id.toString(), "nodeId", newId.toString(), "rmState", awaitState(newId, "RUNNING")));
      return;
    }
    if (nm.getServiceState() != Service.STATE.STARTED) {
      reply(ex, 409, Map.of("error", "node " + index + " is already stopped", "nodeId", id.toString()));
      return;
    }
    if (action.equals("stop")) {
      // What a reclaimed Spot instance looks like to YARN: the NodeManager goes without a word, its containers die
      // with it, and the ResourceManager declares the node LOST and tells each ApplicationMaster its containers
      // are gone. YARN would wait yarn.nm.liveness-monitor.expiry-interval-ms for the missing heartbeats; the
      // expiry is sent at once so a lab sees the loss when it asks for it.
      nm.stop();
      RMContext rm = cluster.yarn().getResourceManager().getRMContext();
      rm.getDispatcher().getEventHandler().handle(new RMNodeEvent(id, RMNodeEventType.EXPIRE));
      reply(ex, 200, Map.of("index", index, "nodeId", id.toString(), "stopped", true, "rmState", awaitState(id, "LOST")));
    } else {
      RMContext rm = cluster.yarn().getResourceManager().getRMContext();
      int timeout = timeoutSeconds(ex, rm);
      rm.getDispatcher().getEventHandler().handle(new RMNodeDecommissioningEvent(id, timeout));
      reply(ex, 202, Map.of("index", index, "nodeId", id.toString(), "timeoutSeconds", timeout, "rmState", awaitState(id, "DECOMMISSIONING")));
    }
  }

  /** ?timeoutSeconds=N, else yarn-site's graceful decommission timeout (the RM's watcher needs a number). */
  private static int timeoutSeconds(HttpExchange ex, RMContext rm) {
    String q = ex.getRequestURI().getQuery();
    if (q != null) {
      Matcher m = Pattern.compile("(?:^|&)timeoutSeconds=(\\d+)").matcher(q);
      if (m.find()) return Integer.parseInt(m.group(1));
    }
    return rm.getYarnConfiguration().getInt("yarn.resourcemanager.nodemanager-graceful-decommission-timeout-secs", 3600);
  }

  /** The RM handles node events on its dispatcher thread: answer once it shows the state (or after 10 s). */
  private String awaitState(NodeId id, String wanted) {
    long deadline = System.currentTimeMillis() + 10_000;
    String state = rmState(id);
    while (!wanted.equals(state) && System.currentTimeMillis() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        break;
      }
      state = rmState(id);
    }
    return state;
  }

  private Map<String, Object> status() {
    RMContext rm = cluster.yarn().getResourceManager().getRMContext();
    List<Map<String, Object>> nodes = new ArrayList<>();
    int live = 0;
    for (int i = 0; i < cluster.nodeCount(); i++) {
      NodeManager nm = cluster.yarn().getNodeManager(i);
      NodeId id = nm.getNMContext().getNodeId();
      Map<String, Object> n = new LinkedHashMap<>(cluster.nodeSummary(i));
      n.put("service", nm.getServiceState().toString());
      String state = rmState(id);
      n.put("rmState", state);
      if ("RUNNING".equals(state) && nm.getServiceState() == Service.STATE.STARTED) live++;
      nodes.add(n);
    }
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("rmState", cluster.yarn().getResourceManager().getServiceState().toString());
    s.put("liveNodeManagers", live);
    s.put("nodeManagers", nodes);
    s.put("hdfs", cluster.hdfsStatus());
    return s;
  }

  private String rmState(NodeId id) {
    RMContext rm = cluster.yarn().getResourceManager().getRMContext();
    RMNode n = rm.getRMNodes().get(id);
    if (n == null) n = rm.getInactiveRMNodes().get(id);
    return n == null ? "UNKNOWN" : n.getState().toString();
  }

  private static void reply(HttpExchange ex, int code, Object body) throws IOException {
    byte[] bytes = ClusterFiles.JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
