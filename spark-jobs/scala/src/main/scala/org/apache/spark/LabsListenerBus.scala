package org.apache.spark

/**
 * The one door LabKit needs into Spark's internals: waiting until the listener bus has delivered every event
 * posted so far. LiveListenerBus.waitUntilEmpty is private[spark] (Spark's own tests use it), so only code in this
 * package can call it; labkit.py reaches the same method through py4j. Without it, a listener read right after an
 * action may miss the action's last task-end events and report too few shuffle bytes. The Spark version is pinned
 * (3.5.x, the one of emr-7.x), so this internal call cannot change under us.
 */
object LabsListenerBus {
  def waitUntilEmpty(sc: SparkContext, timeoutMs: Long): Unit = sc.listenerBus.waitUntilEmpty(timeoutMs)
}
