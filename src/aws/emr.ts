import {
  AddJobFlowStepsCommand,
  CancelStepsCommand,
  CreatePersistentAppUICommand,
  DescribeClusterCommand,
  DescribePersistentAppUICommand,
  DescribeStepCommand,
  GetOnClusterAppUIPresignedURLCommand,
  GetPersistentAppUIPresignedURLCommand,
  paginateListClusters,
  paginateListSteps,
  RunJobFlowCommand,
  TerminateJobFlowsCommand,
  waitUntilClusterRunning,
  waitUntilStepComplete,
  type Cluster,
  type ClusterState,
  type ClusterSummary,
  type EMRClient,
  type RunJobFlowInput,
  type Step,
  type StepConfig,
  type StepState,
  type StepSummary,
} from '@aws-sdk/client-emr';
import { nameMayMatch } from '../core/emr-cluster-name.js';
import { LIVE_CLUSTER_STATES } from '../core/emr/cluster-states.js';
import { hasTags, TAG, tagValue } from '../core/emr/tags.js';
import { EnvironmentError } from '../core/errors.js';
import { aws, errorName, toLabsError } from './errors.js';

export const ACTIVE_STATES: ClusterState[] = [...LIVE_CLUSTER_STATES];

export async function describeCluster(emr: EMRClient, clusterId: string): Promise<Cluster> {
  const out = await aws(`describe cluster ${clusterId}`, () => emr.send(new DescribeClusterCommand({ ClusterId: clusterId })));
  if (!out.Cluster) throw new EnvironmentError(`EMR returned no cluster for ${clusterId}`);
  return out.Cluster;
}

export async function listClusters(emr: EMRClient, o: { states?: ClusterState[]; createdAfter?: Date } = {}): Promise<ClusterSummary[]> {
  return aws('list EMR clusters', async () => {
    const out: ClusterSummary[] = [];
    for await (const page of paginateListClusters({ client: emr }, { ClusterStates: o.states ?? ACTIVE_STATES, CreatedAfter: o.createdAfter })) {
      out.push(...(page.Clusters ?? []));
    }
    return out;
  });
}

/**
 * Active clusters carrying every wanted tag. ListClusters has no tag filter and returns no tags: the cluster Name
 * says which clusters may match (core/emr-cluster-name.ts), and only those are described.
 */
export async function findClustersByTags(emr: EMRClient, wanted: Record<string, string>, o: { createdAfter?: Date } = {}): Promise<Cluster[]> {
  const found: Cluster[] = [];
  for (const summary of await listClusters(emr, o)) {
    if (!summary.Id || !nameMayMatch(summary.Name, wanted)) continue;
    const cluster = await describeCluster(emr, summary.Id);
    if (hasTags(cluster.Tags, wanted)) found.push(cluster);
  }
  return found;
}

export interface CreateOptions {
  /** pauses before each look-up for a cluster whose RunJobFlow response was lost (EMR lists a new cluster quickly) */
  lookupDelaysMs?: number[];
  sleep?: (ms: number) => Promise<void>;
  /** the caller has just looked for this key (e.g. in a listing shared by a whole cohort): do not look again first */
  lookedUp?: boolean;
  /**
   * false: the caller looks for twins itself afterwards (`cohort up` does it once for the class with one listing,
   * instead of one ListClusters per student, which its bucket would take 400 s to allow for 200)
   */
  twinCheck?: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * RunJobFlow with our own idempotency: it has no client token, and the SDK retries a request whose response was
 * lost. So: look for a cluster with this idempotency key first; after a failure, look again before giving up
 * (the request may have succeeded); after success, terminate any twin the SDK's retries created.
 */
export async function createClusterIdempotent(emr: EMRClient, input: RunJobFlowInput, o: CreateOptions = {}): Promise<{ clusterId: string; reused: boolean }> {
  const key = tagValue(input.Tags, TAG.idempotencyKey);
  if (!key) throw new Error('createClusterIdempotent: the request has no idempotency-key tag');
  const sleep = o.sleep ?? defaultSleep;
  const since = new Date(Date.now() - 60 * 60_000);
  const byKey = () => findClustersByTags(emr, { [TAG.idempotencyKey]: key }, { createdAfter: since });

  if (!o.lookedUp) {
    const existing = await byKey();
    if (existing[0]?.Id) return { clusterId: existing[0].Id, reused: true };
  }

  let clusterId: string | undefined;
  try {
    clusterId = (await emr.send(new RunJobFlowCommand(input))).JobFlowId;
  } catch (e) {
    // Ctrl-C before RunJobFlow was sent (abort-boundary.ts): nothing was made, nothing to look up.
    if (errorName(e) === 'AbortError') throw toLabsError(e, 'create the EMR cluster');
    // EMR answered no (4xx: invalid, throttled, denied): nothing was made. Else (a timeout, a lost connection, a 5xx)
    // the cluster may exist: look before giving up.
    const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status !== undefined && status >= 400 && status < 500) throw toLabsError(e, 'create the EMR cluster');
    for (const delay of o.lookupDelaysMs ?? [2000, 5000, 10000]) {
      await sleep(delay);
      const created = await byKey().catch(() => []);
      if (created[0]?.Id) return { clusterId: created[0].Id, reused: false };
    }
    throw toLabsError(e, 'create the EMR cluster');
  }
  if (!clusterId) throw new EnvironmentError('EMR accepted RunJobFlow but returned no cluster id', 'run `labs cluster status` to see whether a cluster was made');
  if (o.twinCheck === false) return { clusterId, reused: false };
  const twins = (await byKey().catch(() => [])).map((c) => c.Id!).filter((id) => id !== clusterId);
  if (twins.length) await terminateClusters(emr, twins);
  return { clusterId, reused: false };
}

/**
 * Queue steps on a cluster in one call (EMR runs them in this order); their ids, in the same order.
 * `executionRoleArn`: the runtime role every step of this call runs as (core/runtime-role.ts).
 */
export async function addSteps(emr: EMRClient, clusterId: string, steps: StepConfig[], executionRoleArn?: string): Promise<string[]> {
  const out = await aws(`add steps to cluster ${clusterId}`, () => emr.send(new AddJobFlowStepsCommand({ JobFlowId: clusterId, Steps: steps, ...(executionRoleArn ? { ExecutionRoleArn: executionRoleArn } : {}) })));
  const ids = out.StepIds ?? [];
  if (ids.length !== steps.length) throw new EnvironmentError(`EMR accepted ${steps.length} steps but returned ${ids.length} step ids (cluster ${clusterId})`, '`labs status` shows what was queued');
  return ids;
}

export async function describeStep(emr: EMRClient, clusterId: string, stepId: string): Promise<Step> {
  const out = await aws(`describe step ${stepId}`, () => emr.send(new DescribeStepCommand({ ClusterId: clusterId, StepId: stepId })));
  if (!out.Step) throw new EnvironmentError(`EMR returned no step for ${stepId}`);
  return out.Step;
}

export interface WaitOptions {
  /** seconds */
  maxWaitTime: number;
  abortSignal?: AbortSignal | undefined;
  /** seconds between polls: the waiter's own backoff between these (EMR's defaults are 30..120) */
  minDelay?: number;
  maxDelay?: number;
  /** sees every state the waiter observes: progress at the waiter's pace, no extra calls */
  onState?: (state: string) => void;
}

/** The client seen by a waiter, reporting each Describe* response's state as it passes. */
function observed(emr: EMRClient, onState: ((s: string) => void) | undefined, pick: (out: unknown) => string | undefined): EMRClient {
  if (!onState) return emr;
  return new Proxy(emr, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<EMRClient['send']>) => {
        const out = await (target.send as (...a: unknown[]) => Promise<unknown>)(...args);
        const state = pick(out);
        if (state) onState(state);
        return out;
      };
    },
  });
}

function waiterConfig(emr: EMRClient, o: WaitOptions, pick: (out: unknown) => string | undefined) {
  return {
    client: observed(emr, o.onState, pick),
    maxWaitTime: o.maxWaitTime,
    abortSignal: o.abortSignal,
    ...(o.minDelay !== undefined ? { minDelay: o.minDelay } : {}),
    ...(o.maxDelay !== undefined ? { maxDelay: o.maxDelay } : {}),
  };
}

/** Wait until the cluster takes steps (WAITING or RUNNING); returns the cluster either way so callers can explain. */
export async function waitForClusterReady(emr: EMRClient, clusterId: string, o: WaitOptions): Promise<Cluster> {
  try {
    // Aborted before the wait began: the waiter would poll once and might even succeed.
    o.abortSignal?.throwIfAborted();
    await waitUntilClusterRunning(
      waiterConfig(emr, o, (out) => (out as { Cluster?: Cluster }).Cluster?.Status?.State),
      { ClusterId: clusterId },
    );
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw toLabsError(e, `wait for cluster ${clusterId}`);
    if ((e as Error).name === 'TimeoutError') {
      throw new EnvironmentError(`cluster ${clusterId} was not ready after ${Math.round(o.maxWaitTime / 60)} min`, '`labs cluster status` shows where it is; run the command again to keep waiting');
    }
    // FAILURE (the cluster terminated): the caller reads the state-change reason below.
  }
  return describeCluster(emr, clusterId);
}

/** Wait for a step to end (COMPLETED, FAILED or CANCELLED) and return it as EMR last described it. */
export async function waitForStep(emr: EMRClient, clusterId: string, stepId: string, o: WaitOptions): Promise<Step> {
  try {
    o.abortSignal?.throwIfAborted();
    await waitUntilStepComplete(waiterConfig(emr, o, (out) => (out as { Step?: Step }).Step?.Status?.State), { ClusterId: clusterId, StepId: stepId });
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'AbortError') throw toLabsError(e, `wait for step ${stepId}`);
    if (name === 'TimeoutError') return { Id: stepId, Status: { State: 'RUNNING' } };
  }
  return describeStep(emr, clusterId, stepId);
}

/** Steps of a cluster in the given states, newest first (EMR's order). */
export async function listSteps(emr: EMRClient, clusterId: string, states: StepState[]): Promise<StepSummary[]> {
  return aws(`list the steps of ${clusterId}`, async () => {
    const out: StepSummary[] = [];
    for await (const page of paginateListSteps({ client: emr }, { ClusterId: clusterId, StepStates: states })) out.push(...(page.Steps ?? []));
    return out;
  });
}

export async function cancelSteps(emr: EMRClient, clusterId: string, stepIds: string[]): Promise<void> {
  const out = await aws(`cancel steps on ${clusterId}`, () =>
    emr.send(new CancelStepsCommand({ ClusterId: clusterId, StepIds: stepIds, StepCancellationOption: 'SEND_INTERRUPT' })),
  );
  const failed = (out.CancelStepsInfoList ?? []).filter((i) => i.Status === 'FAILED');
  if (failed.length) throw new EnvironmentError(`EMR could not cancel ${failed.map((f) => f.StepId).join(', ')}: ${failed[0]!.Reason ?? 'no reason given'}`, 'a step that already finished cannot be cancelled');
}

export async function terminateClusters(emr: EMRClient, clusterIds: string[], onBatch?: (ids: string[]) => void): Promise<void> {
  // TerminateJobFlows takes at most 10 ids per call.
  for (let i = 0; i < clusterIds.length; i += 10) {
    const batch = clusterIds.slice(i, i + 10);
    await aws(`terminate ${batch.join(', ')}`, () => emr.send(new TerminateJobFlowsCommand({ JobFlowIds: batch })));
    onBatch?.(batch);
  }
}

/** Whether EMR still knows a persistent app UI made earlier (they are not listable, so the id is remembered). */
async function persistentUiExists(emr: EMRClient, id: string): Promise<boolean> {
  try {
    const out = await emr.send(new DescribePersistentAppUICommand({ PersistentAppUIId: id }));
    return Boolean(out.PersistentAppUI?.PersistentAppUIId);
  } catch (e) {
    if ((e as Error).name === 'InvalidRequestException') return false;
    throw toLabsError(e, 'describe the persistent Spark UI');
  }
}

export interface SparkUiOptions {
  applicationId?: string | undefined;
  /** a persistent app UI made for this cluster before: reused while EMR still has it, instead of making another */
  persistentUiId?: string | undefined;
}

/**
 * Spark UI links without SSH. While the cluster lives: the on-cluster Spark History Server; after it ends: a
 * persistent app UI (one per cluster: pass the id it returned last time). Presigned URLs grant access: return them
 * to print, never store or log them; the persistent UI's id is no secret and may be kept.
 */
export async function sparkUiUrl(emr: EMRClient, cluster: Cluster, o: SparkUiOptions = {}): Promise<{ url: string; persistent: boolean; persistentUiId?: string }> {
  const clusterId = cluster.Id!;
  const app = o.applicationId ? { ApplicationId: o.applicationId } : {};
  const live = cluster.Status?.State && ACTIVE_STATES.includes(cluster.Status.State);
  if (live) {
    const out = await aws('get the Spark UI link', () => emr.send(new GetOnClusterAppUIPresignedURLCommand({ ClusterId: clusterId, OnClusterAppUIType: 'SparkHistoryServer', ...app })));
    if (out.PresignedURL) return { url: out.PresignedURL, persistent: false };
  }
  if (!cluster.ClusterArn) throw new EnvironmentError(`cluster ${clusterId} has no ARN to open a persistent UI for`);
  let id = o.persistentUiId && (await persistentUiExists(emr, o.persistentUiId)) ? o.persistentUiId : undefined;
  id ??= (await aws('create a persistent Spark UI', () => emr.send(new CreatePersistentAppUICommand({ TargetResourceArn: cluster.ClusterArn })))).PersistentAppUIId;
  if (!id) throw new EnvironmentError(`EMR made no persistent Spark UI for ${clusterId}`, 'try again in a minute');
  const out = await aws('get the persistent Spark UI link', () => emr.send(new GetPersistentAppUIPresignedURLCommand({ PersistentAppUIId: id, PersistentAppUIType: 'SHS', ...app })));
  if (!out.PresignedURL) throw new EnvironmentError('EMR did not return a Spark UI link yet', 'try again in a minute: the persistent UI takes a moment to start');
  return { url: out.PresignedURL, persistent: true, persistentUiId: id };
}
