package labs.sandbox;

import java.lang.reflect.Field;
import org.apache.hadoop.http.HttpServer2;
import org.apache.hadoop.service.Service;
import org.apache.hadoop.shaded.com.google.inject.servlet.GuiceFilter;
import org.apache.hadoop.shaded.org.eclipse.jetty.servlet.FilterHolder;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.nodemanager.NodeManager;
import org.apache.hadoop.yarn.server.nodemanager.webapp.WebServer;
import org.apache.hadoop.yarn.webapp.WebApp;

/**
 * One JVM, several YARN web apps: the ResourceManager's and one per NodeManager. Jetty creates each app's
 * GuiceFilter by class name, and such a filter routes through Guice's one static pipeline, which holds whichever
 * web app started last (Guice logs "Multiple Servlet injectors detected"). Left so, every port serves the last
 * NodeManager: the RM's /ws/v1/cluster answers 404 and node 0's /ws/v1/node shows node 1. Each WebApp also keeps
 * a GuiceFilter made by its own injector; copying that filter's pipeline into the one Jetty uses gives every port
 * its own routes again, as on a real cluster where each daemon is its own JVM.
 */
final class WebAppIsolation {
  private WebAppIsolation() {}

  static void apply(MiniYARNCluster yarn, int nodes) throws ReflectiveOperationException {
    isolate((WebApp) field(yarn.getResourceManager(), "webApp"));
    for (int i = 0; i < nodes; i++) applyToNode(yarn.getNodeManager(i));
  }

  /** A NodeManager started later (a replaced node): its web app gets its own routes too. */
  static void applyToNode(NodeManager nm) throws ReflectiveOperationException {
    for (Service s : nm.getServices()) {
      if (s instanceof WebServer) isolate((WebApp) field(s, "webApp"));
    }
  }

  private static void isolate(WebApp app) throws ReflectiveOperationException {
    if (app == null) return;
    Object own = field(field(app, "guiceFilter"), "injectedPipeline");
    HttpServer2 http = app.httpServer();
    for (FilterHolder holder : http.getWebAppContext().getServletHandler().getFilters()) {
      if (holder.getFilter() instanceof GuiceFilter filter) set(filter, "injectedPipeline", own);
    }
  }

  private static Object field(Object target, String name) throws ReflectiveOperationException {
    Field f = find(target.getClass(), name);
    f.setAccessible(true);
    return f.get(target);
  }

  private static void set(Object target, String name, Object value) throws ReflectiveOperationException {
    Field f = find(target.getClass(), name);
    f.setAccessible(true);
    f.set(target, value);
  }

  private static Field find(Class<?> c, String name) throws NoSuchFieldException {
    for (Class<?> k = c; k != null; k = k.getSuperclass()) {
      try {
        return k.getDeclaredField(name);
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    throw new NoSuchFieldException(c.getName() + "." + name);
  }
}
