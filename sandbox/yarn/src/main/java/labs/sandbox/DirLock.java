package labs.sandbox;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileLock;

/**
 * One MiniCluster per DIR: a second one (or a restart while the first is still stopping) would format the same
 * HDFS directories under the first one's DataNode. The OS drops the lock when this JVM ends, however it ends.
 */
final class DirLock {
  private static FileLock held;

  private DirLock() {}

  static synchronized boolean take(File dir) {
    try {
      RandomAccessFile file = new RandomAccessFile(new File(dir, ".minicluster.lock"), "rw");
      held = file.getChannel().tryLock();
      if (held == null) {
        file.close();
        return false;
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
