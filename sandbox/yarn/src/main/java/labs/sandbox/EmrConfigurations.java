package labs.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * EMR's RunJobFlow `Configurations`: [{"Classification": "yarn-site", "Properties": {...}, "Configurations": [...]}].
 * Classifications that nest (export sections of hadoop-env, ...) carry no Hadoop site properties, so only the top
 * level's Properties are read; later entries of the same classification win, as in EMR's merge.
 */
final class EmrConfigurations {
  private EmrConfigurations() {}

  static Map<String, Map<String, String>> read(File file) throws IOException {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    if (file == null) return out;
    JsonNode root = new ObjectMapper().readTree(file);
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(file + ": expected a JSON array of {Classification, Properties}");
    }
    for (JsonNode entry : root) {
      JsonNode classification = entry.get("Classification");
      if (classification == null || !classification.isTextual()) {
        throw new IllegalArgumentException(file + ": an entry has no \"Classification\"");
      }
      Map<String, String> props = out.computeIfAbsent(classification.asText(), k -> new LinkedHashMap<>());
      JsonNode properties = entry.get("Properties");
      if (properties == null) continue;
      for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> p = it.next();
        props.put(p.getKey(), p.getValue().isTextual() ? p.getValue().asText() : p.getValue().toString());
      }
    }
    return out;
  }
}
