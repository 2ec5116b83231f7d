import type { Configuration } from '@aws-sdk/client-emr';
import type { EmrConfiguration, Lab } from '../lab/lab-schema.js';

/** EMR's Glue Data Catalog client for Spark SQL's Hive metastore (classification spark-hive-site). */
export const GLUE_FACTORY = 'com.amazonaws.glue.catalog.metastore.AWSGlueDataCatalogHiveClientFactory';

/**
 * The magic committer on EMR (6.15+): EMR's own MagicCommitProtocol is already Spark's commit protocol for s3a://
 * paths and uses EMR's MagicV2 committer; it only needs S3A's committer factory and magic support switched on in
 * core-site. Apache's PathOutputCommitProtocol / BindingParquetOutputCommitter are for vanilla Spark (the local
 * engine) and must not be set on EMR.
 */
export const MAGIC_COMMITTER_CORE_SITE: Record<string, string> = {
  'mapreduce.outputcommitter.factory.scheme.s3a': 'org.apache.hadoop.fs.s3a.commit.S3ACommitterFactory',
  'fs.s3a.committer.magic.enabled': 'true',
  'fs.s3a.committer.name': 'magicv2',
  'fs.s3a.committer.magic.track.commits.in.memory.enabled': 'true',
};

/**
 * Spark settings that belong to the cluster rather than to one application: they configure services on every node
 * (external shuffle service, history server) or must agree across applications. Everything else a lab sets travels
 * with each step as --conf, so labs with different Spark settings can share one cluster.
 */
const CLUSTER_WIDE_PREFIXES = ['spark.dynamicAllocation.', 'spark.shuffle.service.', 'spark.history.', 'spark.eventLog.', 'spark.decommission.'];

export function clusterWideSparkConf(lab: Lab): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(lab.spark.conf)) {
    if (CLUSTER_WIDE_PREFIXES.some((p) => k.startsWith(p))) out[k] = String(v);
  }
  return out;
}

/** Merge classifications of the same name (later properties win, nested ones merge too); output sorted for stable shapes. */
export function mergeConfigurations(...lists: ReadonlyArray<readonly EmrConfiguration[]>): Configuration[] {
  const byName = new Map<string, { props: Record<string, string>; nested: EmrConfiguration[][] }>();
  for (const list of lists) {
    for (const c of list) {
      const entry = byName.get(c.Classification) ?? { props: {}, nested: [] };
      Object.assign(entry.props, c.Properties ?? {});
      if (c.Configurations?.length) entry.nested.push(c.Configurations);
      byName.set(c.Classification, entry);
    }
  }
  return [...byName.keys()].sort().map((name) => {
    const { props, nested } = byName.get(name)!;
    const out: Configuration = { Classification: name, Properties: Object.fromEntries(Object.entries(props).sort(([a], [b]) => a.localeCompare(b))) };
    if (nested.length) out.Configurations = mergeConfigurations(...nested);
    return out;
  });
}

/** The Configurations of a cluster for this lab: cluster-wide Spark settings, Glue catalog, committer, the lab's own. */
export function labConfigurations(lab: Lab): Configuration[] {
  const composed: EmrConfiguration[] = [];
  const sparkDefaults = clusterWideSparkConf(lab);
  if (Object.keys(sparkDefaults).length) composed.push({ Classification: 'spark-defaults', Properties: sparkDefaults });
  if (lab.cluster.catalog === 'glue') {
    composed.push({ Classification: 'spark-hive-site', Properties: { 'hive.metastore.client.factory.class': GLUE_FACTORY } });
  }
  if (lab.cluster.committer === 'magic') composed.push({ Classification: 'core-site', Properties: MAGIC_COMMITTER_CORE_SITE });
  return mergeConfigurations(composed, lab.cluster.configurations);
}
