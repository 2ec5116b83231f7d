import type { Cluster } from '@aws-sdk/client-emr';
import type { Config } from '../../core/config.js';
import { explainClusterEnd } from '../../core/emr/cluster-end.js';
import { isLiveClusterState } from '../../core/emr/cluster-states.js';
import { TAG } from '../../core/emr/tags.js';
import type { ClusterPlan } from '../../core/run/run-plan.js';
import { createClusterIdempotent, describeCluster, waitForClusterReady, type CreateOptions, type WaitOptions } from '../../aws/emr.js';
import { ClusterListing, sharedListing } from '../../aws/emr-lookup.js';
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
 * Live clusters carrying all these tags: from the listing the command shares (`cohort` commands), else listed now.
 * ListClusters decides what exists; the tagging index only saves DescribeCalls (aws/emr-lookup.ts).
 */
export function liveClustersTagged(ctx: EmrContext, wanted: Record<string, string>, listing?: ClusterListing): Promise<Cluster[]> {
  const l = listing ?? sharedListing(ctx.clients.emr) ?? new ClusterListing(ctx.clients, { prefetchTags: wanted });
  return l.find(wanted);
}

/** The student's live clusters (optionally of one shape). */
export function findStudentClusters(ctx: EmrContext, w: ClusterWho, shape?: string, listing?: ClusterListing): Promise<Cluster[]> {
  return liveClustersTagged(ctx, { ...studentTags(w), ...(shape ? { [TAG.shape]: shape } : {}) }, listing);
}

export interface EnsureOptions extends ClusterWho {
  /** the cluster to find or make: its request, shape and idempotency key (core/emr/cluster-plan.ts clusterRequest) */
  cluster: ClusterPlan;
  /** false: return a cluster that is still starting (steps may be queued on it; EMR runs them once it is up) */
  waitReady?: boolean;
  wait: WaitOptions;
  create?: CreateOptions;
  /** the command's shared listing (else the one shared for these clients, else listed now) */
  listing?: ClusterListing | undefined;
  /** false: a found cluster is returned as listed (Id, state, tags), not described: enough for `cohort up` */
  describeFound?: boolean;
  /** how long a cluster takes to come up here, for the message while it starts (EMR: EMR_CLUSTER_START) */
  startEstimate?: string;
  onMessage: (message: string) => void;
}

/** EMR's usual time from RunJobFlow to WAITING. */
export const EMR_CLUSTER_START = 'about 7-10 minutes';

/**
 * The student's cluster for this lab, ready for steps: a live one of the same shape if there is one, else a new one
 * (tagged, with auto-termination) made idempotently. Ctrl-C while it starts leaves it tagged: the next command finds it.
 */
export async function ensureCluster(ctx: EmrContext, o: EnsureOptions): Promise<{ cluster: Cluster; created: boolean }> {
  const listing = o.listing ?? sharedListing(ctx.clients.emr);
  let cluster = (await findStudentClusters(ctx, o, o.cluster.shape, listing))[0];
  let created = false;
  if (cluster) {
    o.onMessage(`reusing cluster ${cluster.Id} (${cluster.Status?.State})`);
    if (o.describeFound !== false) cluster = await describeCluster(ctx.clients.emr, cluster.Id!);
  } else {
    const input = o.cluster.request;
    const fleets = Boolean(input.Instances?.InstanceFleets?.length);
    o.onMessage(`creating an EMR cluster (${input.ReleaseLabel}, ${fleets ? 'instance fleets' : 'instance groups'}, auto-terminates after ${Math.round((input.AutoTerminationPolicy?.IdleTimeout ?? 0) / 60)} min idle)`);
    // the look-up above was the idempotency check: a fresh listing, or the command's, which it keeps up to date
    const made = await createClusterIdempotent(ctx.clients.emr, input, { ...o.create, lookedUp: true });
    created = !made.reused;
    if (made.reused) o.onMessage(`reusing cluster ${made.clusterId}: an earlier attempt made it`);
    if (o.describeFound === false && created) {
      // just made: STARTING, as asked; a Describe would say nothing new (and costs a token of a 1/s bucket)
      cluster = { Id: made.clusterId, Name: input.Name, Status: { State: 'STARTING' }, Tags: input.Tags, InstanceCollectionType: fleets ? 'INSTANCE_FLEET' : 'INSTANCE_GROUP' };
    } else {
      cluster = await describeCluster(ctx.clients.emr, made.clusterId);
    }
    listing?.remember(cluster);
  }
  if (cluster.Status?.State === 'WAITING' || cluster.Status?.State === 'RUNNING') return { cluster, created };
  const estimate = o.startEstimate ?? EMR_CLUSTER_START;
  if (o.waitReady === false) {
    o.onMessage(`cluster ${cluster.Id}: ${cluster.Status?.State}; the steps wait in its queue until it is up (${estimate})`);
    return { cluster, created };
  }
  let last: string | undefined = cluster.Status?.State;
  o.onMessage(`cluster ${cluster.Id}: ${last} (clusters take ${estimate} to start)`);
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
