package labs.sandbox;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.module.jaxb.JaxbAnnotationModule;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import javax.xml.bind.annotation.XmlRootElement;
import org.apache.hadoop.shaded.javax.ws.rs.Produces;
import org.apache.hadoop.shaded.javax.ws.rs.core.MediaType;
import org.apache.hadoop.shaded.javax.ws.rs.core.MultivaluedMap;
import org.apache.hadoop.shaded.javax.ws.rs.ext.MessageBodyWriter;
import org.apache.hadoop.shaded.javax.ws.rs.ext.Provider;

/**
 * JSON for the ResourceManager's and NodeManagers' REST API (/ws/v1/...), in the shape YARN documents:
 * {"apps":{"app":[...]}}, {"clusterMetrics":{...}}.
 *
 * Why: hadoop-client-minicluster 3.3.4 relocates Jersey's JAXB support (org.apache.hadoop.shaded.javax.xml.bind)
 * but not the javax.xml.bind annotations on YARN's web DAOs, so Jersey no longer sees them as JAXB types: /apps fails
 * half-written (Jackson walks into ApplicationId's protobuf) and /metrics loses its root element. This writer reads
 * those annotations with Jackson's JAXB module, wraps the root element as Jersey's "natural" notation does, and
 * is found by Jersey through META-INF/services ahead of its own providers. It takes only @XmlRootElement classes
 * of org.apache.hadoop.yarn; everything else is left to Jersey.
 */
@Provider
@Produces(MediaType.APPLICATION_JSON)
public final class YarnJsonWriter implements MessageBodyWriter<Object> {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .registerModule(new JaxbAnnotationModule())
      // JAXB names the subclass it wrote (xsi:type), which Jersey's JSON shows as "type": "capacityScheduler".
      .addMixIn(org.apache.hadoop.yarn.server.resourcemanager.webapp.dao.SchedulerInfo.class, NamesItsType.class)
      .enable(SerializationFeature.WRAP_ROOT_VALUE)
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  @Override
  public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
    return type.getName().startsWith("org.apache.hadoop.yarn.") && type.isAnnotationPresent(XmlRootElement.class)
        && mediaType.isCompatible(MediaType.APPLICATION_JSON_TYPE);
  }

  @Override
  public long getSize(Object t, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
    return -1;
  }

  @Override
  public void writeTo(Object t, Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType,
      MultivaluedMap<String, Object> headers, OutputStream out) throws java.io.IOException {
    MAPPER.writeValue(new NonClosing(out), t);
  }

  @com.fasterxml.jackson.annotation.JsonTypeInfo(
      use = com.fasterxml.jackson.annotation.JsonTypeInfo.Id.NAME,
      include = com.fasterxml.jackson.annotation.JsonTypeInfo.As.PROPERTY,
      property = "type")
  private abstract static class NamesItsType {}

  /** Jersey closes the entity stream itself. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws java.io.IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws java.io.IOException {
      flush();
    }
  }
}
