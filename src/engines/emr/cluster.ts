import type { Cluster } from '@aws-sdk/client-emr';
import type { Config } from '../../core/config.js';
import { clusterShape, idempotencyKey, planCluster } from '../../core/emr-cluster-plan.js';
import { TAG } from '../../core/emr-tags.js';
import { EnvironmentError } from '../../core/errors.js';
import type { Lab } from '../../core/lab-schema.js';
import { ACTIVE_STATES, createClusterIdempotent, describeCluster, waitForClusterReady, type CreateOptions, type WaitOptions } from '../../aws/emr.js';
import { ClusterListing, sharedListing } from '../../aws/emr-lookup.js';
import type { EmrContext } from './emr-context.js';

export interface ClusterWho {
  config: Config;
  student: string;
  cohort?: string | undefined;
}

/** The tags that say "this student's cluster in this course" (and cohort, when there is one). */
export function studentTags(w: ClusterWho): Record<string, string> {
  return { [TAG.course]: w.config.course, [TAG.student]: w.student, ...(w.cohort ? { [TAG.cohort]: w.cohort } : {}) };
}

const isActive = (c: Cluster) => Boolean(c.Status?.State && ACTIVE_STATES.includes(c.Status.State));

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
  lab?: Lab | undefined;
  fleets: boolean;
  now: Date;
  /** false: return a cluster that is still starting (steps may be queued on it; EMR runs them once it is up) */
  waitReady?: boolean;
  wait: WaitOptions;
  create?: CreateOptions;
  /** the command's shared listing (else the one shared for these clients, else listed now) */
  listing?: ClusterListing | undefined;
  /** false: a found cluster is returned as listed (Id, state, tags), not described: enough for `cohort up` */
  describeFound?: boolean;
  onMessage: (message: string) => void;
}

/** Why a cluster ended, in words, with the fix: EMR's state-change reason code says which kind of problem it is. */
export function explainClusterEnd(c: Cluster): EnvironmentError {
  const reason = c.Status?.StateChangeReason;
  const code = reason?.Code ?? 'UNKNOWN';
  const message = reason?.Message ?? 'no reason given';
  const hints: Record<string, string> = {
    VALIDATION_ERROR: 'check the roles (`aws emr create-default-roles`), emr.subnetIds and the instance types in the course config',
    INSTANCE_FAILURE: 'EC2 could not start the instances: try another subnet (emr.subnetIds) or --fleets',
    INSTANCE_FLEET_TIMEOUT: 'no capacity in time: add instance types to the profile or subnets to emr.subnetIds',
    BOOTSTRAP_FAILURE: 'a bootstrap action failed: read its log under the cluster\'s LogUri (node/<instance>/bootstrap-actions)',
    INTERNAL_ERROR: 'an EMR-internal error: run the command again',
    ALL_STEPS_COMPLETED: 'the cluster ended after its steps: run the command again to get a new one',
    USER_REQUEST: 'someone terminated it (`labs cluster down` or the console): run the command again for a new one',
  };
  return new EnvironmentError(`cluster ${c.Id} ended ${c.Status?.State}: ${code}: ${message}`, hints[code] ?? 'run `labs cluster status` and read the cluster\'s logs');
}

/**
 * The student's cluster for this lab, ready for steps: a live one of the same shape if there is one, else a new one
 * (tagged, with auto-termination) made idempotently. Ctrl-C while it starts leaves it tagged: the next command finds it.
 */
export async function ensureCluster(ctx: EmrContext, o: EnsureOptions): Promise<{ cluster: Cluster; created: boolean }> {
  const shape = clusterShape(o.config, o.lab, o.fleets);
  const listing = o.listing ?? sharedListing(ctx.clients.emr);
  let cluster = (await findStudentClusters(ctx, o, shape, listing))[0];
  let created = false;
  if (cluster) {
    o.onMessage(`reusing cluster ${cluster.Id} (${cluster.Status?.State})`);
    if (o.describeFound !== false) cluster = await describeCluster(ctx.clients.emr, cluster.Id!);
  } else {
    const input = planCluster({ config: o.config, lab: o.lab, student: o.student, cohort: o.cohort, fleets: o.fleets, idempotencyKey: idempotencyKey(o.config.course, o.cohort, o.student, shape), now: o.now, bucket: ctx.layout.bucket });
    o.onMessage(`creating an EMR cluster (${o.config.emr.releaseLabel}, ${o.fleets ? 'instance fleets' : 'instance groups'}, auto-terminates after ${Math.round(o.config.emr.idleTimeoutSeconds / 60)} min idle)`);
    // the look-up above was the idempotency check: a fresh listing, or the command's, which it keeps up to date
    const made = await createClusterIdempotent(ctx.clients.emr, input, { ...o.create, lookedUp: true });
    created = !made.reused;
    if (made.reused) o.onMessage(`reusing cluster ${made.clusterId}: an earlier attempt made it`);
    if (o.describeFound === false && created) {
      // just made: STARTING, as asked; a Describe would say nothing new (and costs a token of a 1/s bucket)
      cluster = { Id: made.clusterId, Name: input.Name, Status: { State: 'STARTING' }, Tags: input.Tags, InstanceCollectionType: o.fleets ? 'INSTANCE_FLEET' : 'INSTANCE_GROUP' };
    } else {
      cluster = await describeCluster(ctx.clients.emr, made.clusterId);
    }
    listing?.remember(cluster);
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
