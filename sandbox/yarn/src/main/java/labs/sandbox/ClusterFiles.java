package labs.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/** The files the sandbox leaves in DIR for its users: JSON documents written whole (tmp + rename) and client XML. */
final class ClusterFiles {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ClusterFiles() {}

  /** A reader polling for the file never sees half of it: it appears complete or not at all. */
  static void writeJsonAtomically(File target, Object document) throws IOException {
    File tmp = new File(target.getParentFile(), "." + target.getName() + ".tmp");
    JSON.writeValue(tmp, document);
    Files.move(tmp.toPath(), target.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** One *-site.xml holding exactly these properties (no Hadoop defaults: a client adds its own). */
  static void writeSite(File file, Map<String, String> properties) throws IOException {
    Configuration c = new Configuration(false);
    properties.forEach(c::set);
    File tmp = new File(file.getParentFile(), "." + file.getName() + ".tmp");
    try (OutputStream out = new FileOutputStream(tmp)) {
      c.writeXml(out);
    }
    Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
