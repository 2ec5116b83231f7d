import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { aws } from './errors.js';

export const EMR_NAMESPACE = 'AWS/ElasticMapReduce';
export const CLUSTER_METRICS = ['IsIdle', 'AppsRunning', 'AppsPending', 'ContainerPending', 'YARNMemoryAvailablePercentage', 'HDFSUtilization', 'CoreNodesRunning'] as const;

/** GetMetricData takes up to 500 queries a call. */
const MAX_QUERIES = 500;

export type ClusterMetrics = Record<string, Partial<Record<string, number>>>;

/** Each metric's datapoints of the window, oldest first, for each cluster: the dashboard's sparklines. */
export type ClusterMetricSeries = Record<string, Partial<Record<string, number[]>>>;

/**
 * The latest value of each metric for each cluster: one GetMetricData call per 500 queries (one per refresh for a
 * class), not one call per metric. EMR publishes every 5 minutes.
 */
export async function latestClusterMetrics(cw: CloudWatchClient, clusterIds: string[], o: { now: Date; periodSeconds?: number; metrics?: readonly string[] }): Promise<ClusterMetrics> {
  return (await clusterMetricWindow(cw, clusterIds, { ...o, periods: 3 })).latest;
}

/**
 * Every datapoint of the last `periods` periods (default 12: an hour of EMR's 5-minute metrics) with the latest
 * of each, in the same calls: GetMetricData returns the whole window of a query at once, so a sparkline can show
 * all of it from the first refresh instead of one point per refresh.
 */
export async function clusterMetricWindow(
  cw: CloudWatchClient,
  clusterIds: string[],
  o: { now: Date; periodSeconds?: number; metrics?: readonly string[]; periods?: number },
): Promise<{ latest: ClusterMetrics; series: ClusterMetricSeries }> {
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
  const latest: ClusterMetrics = Object.fromEntries(clusterIds.map((id) => [id, {}]));
  const series: ClusterMetricSeries = Object.fromEntries(clusterIds.map((id) => [id, {}]));
  const start = new Date(o.now.getTime() - (o.periods ?? 12) * period * 1000);
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
        if (!b) continue;
        const value = r.Values?.[0];
        if (value !== undefined && latest[b.cluster]![b.metric] === undefined) latest[b.cluster]![b.metric] = value;
        // newest first (TimestampDescending); a later page holds older points of the same query
        if (r.Values?.length) series[b.cluster]![b.metric] = [...[...r.Values].reverse(), ...(series[b.cluster]![b.metric] ?? [])];
      }
      token = out.NextToken;
    } while (token);
  }
  return { latest, series };
}

/**
 * One metric of one cluster over a window, as GetMetricData gives it with that statistic per period (oldest first):
 * what a lab's metric check reads for a step's window.
 */
export async function clusterMetricValues(
  cw: CloudWatchClient,
  clusterId: string,
  o: { metric: string; stat: string; start: Date; end: Date; periodSeconds: number },
): Promise<number[]> {
  const values: number[] = [];
  let token: string | undefined;
  do {
    const out = await aws('read an EMR metric from CloudWatch', () =>
      cw.send(
        new GetMetricDataCommand({
          MetricDataQueries: [{ Id: 'm', MetricStat: { Metric: { Namespace: EMR_NAMESPACE, MetricName: o.metric, Dimensions: [{ Name: 'JobFlowId', Value: clusterId }] }, Period: o.periodSeconds, Stat: o.stat }, ReturnData: true }],
          StartTime: o.start,
          EndTime: o.end,
          ScanBy: 'TimestampAscending',
          NextToken: token,
        }),
      ),
    );
    for (const r of out.MetricDataResults ?? []) values.push(...(r.Values ?? []));
    token = out.NextToken;
  } while (token);
  return values;
}
