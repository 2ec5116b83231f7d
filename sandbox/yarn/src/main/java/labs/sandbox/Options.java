package labs.sandbox;

import java.io.File;

/** The command line of the contract: --dir DIR --nodes N --node-memory-mb M --node-vcores V [--configurations FILE]. */
final class Options {
  final File dir;
  final int nodes;
  final int nodeMemoryMb;
  final int nodeVcores;
  final File configurations;

  private Options(File dir, int nodes, int nodeMemoryMb, int nodeVcores, File configurations) {
    this.dir = dir;
    this.nodes = nodes;
    this.nodeMemoryMb = nodeMemoryMb;
    this.nodeVcores = nodeVcores;
    this.configurations = configurations;
  }

  static final String USAGE =
      "usage: MiniCluster --dir DIR [--nodes N] [--node-memory-mb M] [--node-vcores V] [--configurations FILE.json]";

  /** Throws IllegalArgumentException with a one-line reason on bad input. */
  static Options parse(String[] args) {
    File dir = null;
    File configurations = null;
    int nodes = 2;
    int memory = 3072;
    int vcores = 2;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) throw new IllegalArgumentException(flag + " needs a value");
      String value = args[++i];
      switch (flag) {
        case "--dir" -> dir = new File(value).getAbsoluteFile();
        case "--nodes" -> nodes = positive(flag, value);
        case "--node-memory-mb" -> memory = positive(flag, value);
        case "--node-vcores" -> vcores = positive(flag, value);
        case "--configurations" -> configurations = new File(value).getAbsoluteFile();
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    if (dir == null) throw new IllegalArgumentException("--dir is required");
    if (nodes < 2) throw new IllegalArgumentException("--nodes must be at least 2 (a node can be taken away)");
    if (memory < 1024) throw new IllegalArgumentException("--node-memory-mb must be at least 1024 (a Spark container needs ~1 GB)");
    if (configurations != null && !configurations.isFile()) {
      throw new IllegalArgumentException("--configurations " + configurations + ": no such file");
    }
    return new Options(dir, nodes, memory, vcores, configurations);
  }

  private static int positive(String flag, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) return n;
    } catch (NumberFormatException e) {
      // falls through to the one message
    }
    throw new IllegalArgumentException(flag + " must be a positive whole number, got '" + value + "'");
  }
}
