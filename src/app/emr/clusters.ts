import type { Cluster } from '@aws-sdk/client-emr';
import type { Config } from '../../core/config.js';
import { clusterRequest } from '../../core/emr/cluster-plan.js';
import { TAG, tagValue, isExpired, CREATED_BY } from '../../core/emr/tags.js';
import { InputError } from '../../core/errors.js';
import { latestClusterMetrics } from '../../aws/cloudwatch.js';
import { cancelSteps, describeCluster, listSteps, sparkUiUrl, terminateClusters, type WaitOptions } from '../../aws/emr.js';
import { ensureCluster, findStudentClusters, liveClustersTagged } from '../../engines/emr/cluster.js';
import { ensureLayoutBucket, type EmrContext } from '../../aws/session.js';
import type { PersistentUiIds } from './persistent-ui-ids.js';

export interface ClusterView {
  id: string;
  name: string;
  state: string;
  student?: string | undefined;
  lab?: string | undefined;
  shape?: string | undefined;
  fleets: boolean;
  createdAt?: string | undefined;
  expiresAt?: string | undefined;
  idle?: boolean | undefined;
  appsRunning?: number | undefined;
  yarnMemoryAvailablePercent?: number | undefined;
}

export function viewOf(c: Cluster): ClusterView {
  return {
    id: c.Id ?? '',
    name: c.Name ?? '',
    state: c.Status?.State ?? 'UNKNOWN',
    student: tagValue(c.Tags, TAG.student),
    lab: tagValue(c.Tags, TAG.lab),
    shape: tagValue(c.Tags, TAG.shape),
    fleets: c.InstanceCollectionType === 'INSTANCE_FLEET',
    createdAt: c.Status?.Timeline?.CreationDateTime ? new Date(c.Status.Timeline.CreationDateTime).toISOString() : undefined,
    expiresAt: tagValue(c.Tags, TAG.expiresAt),
  };
}

export async function clusterUp(ctx: EmrContext, config: Config, o: { fleets: boolean; now: Date; wait: WaitOptions; startEstimate?: string; onMessage: (m: string) => void }): Promise<{ cluster: ClusterView; created: boolean }> {
  // The cluster's LogUri is in the student's bucket: it must exist before EMR writes there.
  await ensureLayoutBucket(ctx, config, o.onMessage);
  const student = ctx.layout.student;
  const request = clusterRequest({ config, student, fleets: o.fleets, now: o.now, bucket: ctx.layout.bucket });
  const { cluster, created } = await ensureCluster(ctx, { config, student, cluster: request, wait: o.wait, startEstimate: o.startEstimate, onMessage: o.onMessage });
  return { cluster: viewOf(cluster), created };
}

/** The student's live clusters with their latest CloudWatch metrics (one GetMetricData call for all). */
export async function clusterStatus(ctx: EmrContext, config: Config, now: Date): Promise<ClusterView[]> {
  const views = (await findStudentClusters(ctx, { config, student: ctx.layout.student })).map(viewOf);
  if (!views.length) return views;
  const metrics = await latestClusterMetrics(ctx.clients.cloudwatch, views.map((v) => v.id), { now, metrics: ['IsIdle', 'AppsRunning', 'YARNMemoryAvailablePercentage'] });
  return views.map((v) => {
    const m = metrics[v.id] ?? {};
    return { ...v, idle: m.IsIdle === undefined ? undefined : m.IsIdle >= 1, appsRunning: m.AppsRunning, yarnMemoryAvailablePercent: m.YARNMemoryAvailablePercentage };
  });
}

export async function studentClusters(ctx: EmrContext, config: Config): Promise<ClusterView[]> {
  return (await findStudentClusters(ctx, { config, student: ctx.layout.student })).map(viewOf);
}

export async function terminate(ctx: EmrContext, ids: string[]): Promise<void> {
  if (ids.length) await terminateClusters(ctx.clients.emr, ids);
}

/** Cancel the lab's pending and running steps on the student's clusters (their names start with the lab id). */
export async function stopLab(ctx: EmrContext, config: Config, labId: string): Promise<{ clusterId: string; stepIds: string[] }[]> {
  const stopped: { clusterId: string; stepIds: string[] }[] = [];
  for (const c of await findStudentClusters(ctx, { config, student: ctx.layout.student })) {
    const steps = await listSteps(ctx.clients.emr, c.Id!, ['PENDING', 'RUNNING']);
    const ids = steps.filter((s) => s.Name?.startsWith(`${labId}:`)).map((s) => s.Id!);
    if (ids.length) {
      await cancelSteps(ctx.clients.emr, c.Id!, ids);
      stopped.push({ clusterId: c.Id!, stepIds: ids });
    }
  }
  return stopped;
}

/**
 * A Spark UI link for the student's cluster: live while it runs, persistent after it ended (`clusterId` picks an
 * ended one). The URL is a credential: the caller prints it and keeps it nowhere.
 */
export async function sparkUi(ctx: EmrContext, config: Config, clusterId?: string, uiIds?: PersistentUiIds): Promise<{ clusterId: string; url: string; persistent: boolean }> {
  const cluster = clusterId ? await describeCluster(ctx.clients.emr, clusterId) : (await findStudentClusters(ctx, { config, student: ctx.layout.student }))[0];
  if (!cluster?.Id) throw new InputError(`${ctx.layout.student} has no live EMR cluster`, 'start a lab with --target emr, or pass --cluster <id> for an ended one');
  const known = uiIds?.get(cluster.Id);
  const { url, persistent, persistentUiId } = await sparkUiUrl(ctx.clients.emr, cluster, { persistentUiId: known });
  if (persistentUiId && persistentUiId !== known) uiIds?.set(cluster.Id, persistentUiId);
  return { clusterId: cluster.Id, url, persistent };
}

/** Live clusters of this course past their expires-at tag: what `labs gc` terminates. */
export async function expiredClusters(ctx: EmrContext, config: Config, now: Date): Promise<ClusterView[]> {
  const live = await liveClustersTagged(ctx, { [TAG.course]: config.course, [TAG.createdBy]: CREATED_BY });
  return live.filter((c) => isExpired(c.Tags, now)).map(viewOf);
}
