import type { Cluster } from '@aws-sdk/client-emr';
import type { Config } from '../../core/config.js';
import { explainClusterEnd } from '../../core/emr/cluster-end.js';
import { isLiveClusterState } from '../../core/emr/cluster-states.js';
import { TAG } from '../../core/emr/tags.js';
import type { ClusterPlan } from '../../core/run/run-plan.js';
import { createClusterIdempotent, describeCluster, waitForClusterReady, type CreateOptions, type WaitOptions } from '../../aws/emr.js';
import { clusterIdFromArn, EMR_CLUSTER_TYPE, findTagged } from '../../aws/tagging.js';
import type { EmrContext } from '../../aws/session.js';

export interface ClusterWho {
  config: Config;
  student: string;
  cohort?: string | undefined;
}

/** The tags that say "this student's cluster in this course" (and cohort, when there is one). */
export function studentTags(w: ClusterWho): Record<string, string> {
  return { [TAG.course]: w.config.course, [TAG.student]: w.student, ...(w.cohort ? { [TAG.cohort]: w.cohort } : {}) };
}

const isActive = (c: Cluster) => isLiveClusterState(c.Status?.State);

/**
 * Live clusters carrying all these tags, through the tagging index: one call (100 a page), then one Describe each
 * (the index also lists clusters that ended, and lags behind their state).
 */
export async function liveClustersTagged(ctx: EmrContext, wanted: Record<string, string>): Promise<Cluster[]> {
  const tagged = await findTagged(ctx.clients.tagging, EMR_CLUSTER_TYPE, wanted);
  const clusters: Cluster[] = [];
  for (const r of tagged) {
    const id = clusterIdFromArn(r.arn);
    if (!id) continue;
    const c = await describeCluster(ctx.clients.emr, id);
    if (isActive(c)) clusters.push(c);
  }
  return clusters;
}

/** The student's live clusters (optionally of one shape). */
export function findStudentClusters(ctx: EmrContext, w: ClusterWho, shape?: string): Promise<Cluster[]> {
  return liveClustersTagged(ctx, { ...studentTags(w), ...(shape ? { [TAG.shape]: shape } : {}) });
}

export interface EnsureOptions extends ClusterWho {
  /** the cluster to find or make: its request, shape and idempotency key (core/emr/cluster-plan.ts clusterRequest) */
  cluster: ClusterPlan;
  /** false: return a cluster that is still starting (steps may be queued on it; EMR runs them once it is up) */
  waitReady?: boolean;
  wait: WaitOptions;
  create?: CreateOptions;
  onMessage: (message: string) => void;
}

/**
 * The student's cluster for this lab, ready for steps: a live one of the same shape if there is one, else a new one
 * (tagged, with auto-termination) made idempotently. Ctrl-C while it starts leaves it tagged: the next command finds it.
 */
export async function ensureCluster(ctx: EmrContext, o: EnsureOptions): Promise<{ cluster: Cluster; created: boolean }> {
  let cluster = (await findStudentClusters(ctx, o, o.cluster.shape))[0];
  let created = false;
  if (cluster) {
    o.onMessage(`using cluster ${cluster.Id} (${cluster.Status?.State})`);
  } else {
    const input = o.cluster.request;
    const fleets = Boolean(input.Instances?.InstanceFleets?.length);
    o.onMessage(`creating an EMR cluster (${input.ReleaseLabel}, ${fleets ? 'instance fleets' : 'instance groups'}, auto-terminates after ${Math.round((input.AutoTerminationPolicy?.IdleTimeout ?? 0) / 60)} min idle)`);
    const made = await createClusterIdempotent(ctx.clients.emr, input, o.create);
    created = !made.reused;
    cluster = await describeCluster(ctx.clients.emr, made.clusterId);
  }
  if (cluster.Status?.State === 'WAITING' || cluster.Status?.State === 'RUNNING') return { cluster, created };
  if (o.waitReady === false) {
    o.onMessage(`cluster ${cluster.Id}: ${cluster.Status?.State}; the steps wait in its queue until it is up (about 7-10 minutes)`);
    return { cluster, created };
  }
  let last: string | undefined = cluster.Status?.State;
  o.onMessage(`cluster ${cluster.Id}: ${last} (clusters take about 7-10 minutes to start)`);
  const ready = await waitForClusterReady(ctx.clients.emr, cluster.Id!, {
    ...o.wait,
    onState: (s) => {
      if (s !== last) o.onMessage(`cluster ${cluster!.Id}: ${s}`);
      last = s;
    },
  });
  if (!isActive(ready) || ready.Status?.State === 'STARTING' || ready.Status?.State === 'BOOTSTRAPPING') throw explainClusterEnd(ready);
  return { cluster: ready, created };
}
