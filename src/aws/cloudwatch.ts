import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { aws } from './errors.js';

export const EMR_NAMESPACE = 'AWS/ElasticMapReduce';
export const CLUSTER_METRICS = ['IsIdle', 'AppsRunning', 'AppsPending', 'ContainerPending', 'YARNMemoryAvailablePercentage', 'HDFSUtilization', 'CoreNodesRunning'] as const;

/** GetMetricData takes up to 500 queries a call. */
const MAX_QUERIES = 500;

export type ClusterMetrics = Record<string, Partial<Record<string, number>>>;

/**
 * The latest value of each metric for each cluster: one GetMetricData call per 500 queries (one per refresh for a
 * class), not one call per metric. EMR publishes every 5 minutes.
 */
export async function latestClusterMetrics(cw: CloudWatchClient, clusterIds: string[], o: { now: Date; periodSeconds?: number; metrics?: readonly string[] }): Promise<ClusterMetrics> {
  const metrics = o.metrics ?? CLUSTER_METRICS;
  const period = o.periodSeconds ?? 300;
  const queries: { q: MetricDataQuery; cluster: string; metric: string }[] = [];
  clusterIds.forEach((cluster, ci) =>
    metrics.forEach((metric, mi) =>
      queries.push({
        cluster,
        metric,
        q: { Id: `m${ci}_${mi}`, MetricStat: { Metric: { Namespace: EMR_NAMESPACE, MetricName: metric, Dimensions: [{ Name: 'JobFlowId', Value: cluster }] }, Period: period, Stat: 'Average' }, ReturnData: true },
      }),
    ),
  );
  const result: ClusterMetrics = Object.fromEntries(clusterIds.map((id) => [id, {}]));
  const start = new Date(o.now.getTime() - 3 * period * 1000);
  for (let i = 0; i < queries.length; i += MAX_QUERIES) {
    const batch = queries.slice(i, i + MAX_QUERIES);
    const byId = new Map(batch.map((b) => [b.q.Id!, b]));
    let token: string | undefined;
    do {
      const out = await aws('read EMR metrics from CloudWatch', () =>
        cw.send(new GetMetricDataCommand({ MetricDataQueries: batch.map((b) => b.q), StartTime: start, EndTime: o.now, ScanBy: 'TimestampDescending', NextToken: token })),
      );
      for (const r of out.MetricDataResults ?? []) {
        const b = byId.get(r.Id ?? '');
        const value = r.Values?.[0];
        if (b && value !== undefined && result[b.cluster]![b.metric] === undefined) result[b.cluster]![b.metric] = value;
      }
      token = out.NextToken;
    } while (token);
  }
  return result;
}
