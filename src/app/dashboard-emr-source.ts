import type { Cluster, ClusterSummary, StepSummary } from '@aws-sdk/client-emr';
import type { AwsClients } from '../aws/clients.js';
import { clusterMetricWindow } from '../aws/cloudwatch.js';
import { ACTIVE_STATES, describeCluster, listClusters } from '../aws/emr.js';
import { idleTimeoutSeconds, instanceShape, recentSteps } from '../aws/emr-dashboard.js';
import { clusterIdFromArn, EMR_CLUSTER_TYPE, findTagged } from '../aws/tagging.js';
import type { CheckSummary, ClusterInfo, DashboardEvent, StepInfo } from '../core/dashboard/state.js';
import { TAG } from '../core/emr/tags.js';
import { nameMayMatch, parseClusterName } from '../core/emr-cluster-name.js';
import { ACCOUNT_BUCKET, callsPerInterval, emrQuotas, operationOf, sustainableInterval, type Bucket } from '../core/emr-quotas.js';
import { pacedEmr } from '../aws/emr-pacing.js';
import type { DashboardSource } from './dashboard-feed.js';

export type DashboardClients = Pick<AwsClients, 'emr' | 'cloudwatch' | 'tagging'>;

export interface EmrSourceOptions {
  clients: DashboardClients;
  course: string;
  /** cohort view: every cluster of this cohort */
  cohort?: string | undefined;
  /** student view: this student's clusters */
  student?: string | undefined;
  now?: () => Date;
  /**
   * Reads per refresh of what is read cluster by cluster (tags the index lacks, steps, instances, auto-termination;
   * each one call, but a fleet cluster's instances take two, once). It caps a refresh at a fixed cost whatever the
   * class size; what does not fit is read on the next refreshes.
   */
  detailBudget?: number;
  /** the students' last check results (no API calls: local run records) */
  checks?: () => Record<string, CheckSummary>;
  /** the cluster whose details are open: its metrics are read in full, the others' only for the table */
  focus?: () => string | undefined;
  /** seconds between refreshes: what each EMR bucket's refill allows per refresh is computed from it */
  intervalSeconds?: number | undefined;
  /** the course config's emr.apiQuotas (raised quotas) */
  quotas?: Readonly<Record<string, Bucket>> | undefined;
}

/** The metrics the cohort table needs for every row: idle minutes and the apps sparkline. */
const TABLE_METRICS = ['IsIdle', 'AppsRunning'] as const;

/** A client whose send() is counted: the API-call budget is measured on what really goes out, paginators included. */
function counted<C extends object>(client: C, count: (operation: string) => void): C {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'send' || typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        count(operationOf((args[0] as object).constructor.name));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const ms = (d: Date | undefined) => (d ? new Date(d).getTime() : undefined);

function info(c: Cluster | ClusterSummary, tags: Record<string, string>): ClusterInfo {
  return {
    id: c.Id!,
    name: c.Name,
    arn: c.ClusterArn,
    state: c.Status?.State ?? 'UNKNOWN',
    stateReason: c.Status?.StateChangeReason?.Message ?? c.Status?.StateChangeReason?.Code,
    student: tags[TAG.student],
    lab: tags[TAG.lab],
    createdAt: ms(c.Status?.Timeline?.CreationDateTime),
    readyAt: ms(c.Status?.Timeline?.ReadyDateTime),
    endedAt: ms(c.Status?.Timeline?.EndDateTime),
  };
}

/** "day2-joins:joins 20261125-101500-3f9a" (core/emr/steps-plan.ts's emrStepName) -> lab and step. */
export function stepInfo(s: StepSummary): StepInfo {
  const name = s.Name ?? s.Id ?? '?';
  const m = /^([^:\s]+):(\S+)(?: (\S+))?$/.exec(name);
  const f = s.Status?.FailureDetails;
  return {
    id: s.Id ?? name,
    name,
    lab: m?.[1],
    step: m?.[2],
    state: s.Status?.State ?? 'UNKNOWN',
    createdAt: ms(s.Status?.Timeline?.CreationDateTime),
    startedAt: ms(s.Status?.Timeline?.StartDateTime),
    endedAt: ms(s.Status?.Timeline?.EndDateTime),
    failure: f ? [f.Reason, f.Message].filter(Boolean).join(': ') || undefined : undefined,
    logFile: f?.LogFile,
    args: s.Config?.Args,
  };
}

const tagMap = (tags: Cluster['Tags']) => Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/**
 * The dashboard's view of EMR. Per refresh, a fixed number of calls whatever the number of metrics:
 * - the Resource Groups Tagging API: the clusters carrying the cohort's (or the student's) tags, 100 a page;
 * - ListClusters (active states): every cluster's state, 50 a page;
 * - GetMetricData through clusterMetricWindow: every metric of every cluster on screen (the window's datapoints), 500 queries a call;
 * - at most `detailBudget` per-cluster reads, each made once per cluster (instances, auto-termination, tags the
 *   index does not have yet) or when it can have changed (steps: never read, cluster RUNNING, or state changed).
 */
export function emrSource(o: EmrSourceOptions): DashboardSource {
  const now = o.now ?? (() => new Date());
  const budget = o.detailBudget ?? 10;
  const wanted: Record<string, string> = { [TAG.course]: o.course, ...(o.cohort ? { [TAG.cohort]: o.cohort } : { [TAG.student]: o.student ?? '' }) };
  const cohortView = Boolean(o.cohort);
  const quotas = emrQuotas(o.quotas);
  const intervalSeconds = o.intervalSeconds ?? 30;
  let calls = 0;
  let emrCalls: Record<string, number> = {};
  let minIntervalMs = 0;
  let note: string | undefined;
  const count = () => void calls++;
  const countEmr = (op: string) => {
    calls++;
    emrCalls[op] = (emrCalls[op] ?? 0) + 1;
  };
  // paced: even a first refresh of a big class never bursts past a bucket
  const emr = counted(pacedEmr(o.clients.emr, o.quotas), countEmr);
  const cloudwatch = counted(o.clients.cloudwatch, count);
  const tagging = counted(o.clients.tagging, count);
  /** what one refresh may spend of an operation's bucket at the interval it runs at */
  const allowed = (op: string) => callsPerInterval(quotas, op, Math.max(intervalSeconds, minIntervalMs / 1000));

  const tagsOf = new Map<string, Record<string, string>>();
  /** clusters the index lists that are no longer active: described once, they do not change any more */
  const ended = new Map<string, ClusterInfo>();
  const stepsRead = new Map<string, { state: string; at: number }>();
  const shapeRead = new Set<string>();
  const timeoutRead = new Set<string>();

  const isOurs = (id: string) => {
    const tags = tagsOf.get(id);
    return tags !== undefined && Object.entries(wanted).every(([k, v]) => tags[k] === v);
  };

  async function refresh(emit: (e: DashboardEvent) => void): Promise<number> {
    calls = 0;
    emrCalls = {};
    const [tagged, active] = await Promise.all([findTagged(tagging, EMR_CLUSTER_TYPE, wanted), listClusters(emr, { states: ACTIVE_STATES })]);
    for (const r of tagged) {
      const id = clusterIdFromArn(r.arn);
      if (id) tagsOf.set(id, r.tags);
    }
    const activeById = new Map(active.filter((c) => c.Id).map((c) => [c.Id!, c]));
    let left = budget;

    // Tagged but not active: ended; read its end once. Active but not in the index: the index lags behind a new
    // cluster (and emulators have no EMR in theirs); read its tags once.
    const taggedIds = tagged.map((r) => clusterIdFromArn(r.arn)).filter((id): id is string => id !== undefined);
    // A Name of ours says whose cluster it is (core/emr-cluster-name.ts): shown at once, without a DescribeCluster.
    for (const c of active) {
      const named = parseClusterName(c.Name);
      if (!tagsOf.has(c.Id!) && named) tagsOf.set(c.Id!, { [TAG.course]: named.course, [TAG.student]: named.student, ...(named.cohort ? { [TAG.cohort]: named.cohort } : {}), ...(named.lab ? { [TAG.lab]: named.lab } : {}) });
    }
    const newestFirst = (a: ClusterSummary, b: ClusterSummary) => (ms(b.Status?.Timeline?.CreationDateTime) ?? 0) - (ms(a.Status?.Timeline?.CreationDateTime) ?? 0);
    const unknown = active.filter((c) => !tagsOf.has(c.Id!));
    const toDescribe = [
      ...taggedIds.filter((id) => !activeById.has(id) && !ended.has(id)),
      // candidates by Name first; other Names (a cluster tagged by hand, or by another tool) when the budget is left
      ...unknown.filter((c) => nameMayMatch(c.Name, wanted)).sort(newestFirst).map((c) => c.Id!),
      ...unknown.filter((c) => !nameMayMatch(c.Name, wanted)).sort(newestFirst).map((c) => c.Id!),
    ].slice(0, Math.max(0, Math.min(left, allowed('DescribeCluster'))));
    left -= toDescribe.length;
    for (const c of await Promise.all(toDescribe.map((id) => describeCluster(emr, id)))) {
      if (!tagsOf.has(c.Id!)) tagsOf.set(c.Id!, tagMap(c.Tags));
      if (!activeById.has(c.Id!)) ended.set(c.Id!, info(c, tagsOf.get(c.Id!)!));
    }

    const clusters: ClusterInfo[] = [
      ...[...activeById.values()].filter((c) => isOurs(c.Id!)).map((c) => info(c, tagsOf.get(c.Id!)!)),
      ...[...ended.values()].filter((c) => isOurs(c.id) && !activeById.has(c.id)),
    ];
    emit({ type: 'clusters', at: now().getTime(), clusters });

    if (o.checks) emit({ type: 'checks', byStudent: o.checks() });
    // Details and metrics side by side: a slow per-cluster read (throttled, retried) must not hold the metrics back.
    await Promise.all([readDetails(clusters, left, emit), readMetrics(clusters.filter((c) => activeById.has(c.id)).map((c) => c.id), emit)]);
    // What this refresh cost each bucket, against what the interval refills: a big class lists in more pages than a
    // 0.5/s ListClusters bucket refills in 5 s, so the next refresh waits longer, and the screen says why.
    const fit = sustainableInterval(quotas, emrCalls);
    minIntervalMs = fit.seconds > intervalSeconds ? fit.seconds * 1000 : 0;
    note = minIntervalMs
      ? `refreshing every ${fit.seconds}s, not ${intervalSeconds}s: ${fit.operation === ACCOUNT_BUCKET ? `${Object.values(emrCalls).reduce((a, b) => a + b, 0)} EMR calls` : `${emrCalls[fit.operation!]} ${fit.operation} calls`} a refresh, and EMR refills ${quotas[fit.operation!]!.perSecond}/s`
      : undefined;
    return calls;
  }

  /** Every metric of the clusters whose details are shown, the table's metrics of the others: 500 queries a call. */
  async function readMetrics(live: string[], emit: (e: DashboardEvent) => void): Promise<void> {
    if (!live.length) return;
    const focus = o.focus?.();
    const full = cohortView ? live.filter((id) => id === focus) : live;
    const table = live.filter((id) => !full.includes(id));
    const at = now();
    const none = { latest: {}, series: {} };
    const [a, b] = await Promise.all([
      full.length ? clusterMetricWindow(cloudwatch, full, { now: at }) : none,
      table.length ? clusterMetricWindow(cloudwatch, table, { now: at, metrics: TABLE_METRICS }) : none,
    ]);
    emit({ type: 'metrics', at: at.getTime(), values: { ...a.latest, ...b.latest }, series: { ...a.series, ...b.series } });
  }

  /** Per-cluster reads, most useful first, within what is left of the budget. */
  async function readDetails(clusters: ClusterInfo[], left: number, emit: (e: DashboardEvent) => void): Promise<void> {
    const jobs: { rank: number; age: number; op: string; run: () => Promise<void> }[] = [];
    for (const c of clusters) {
      const seen = stepsRead.get(c.id);
      const live = ACTIVE_STATES.includes(c.state as never);
      if (!seen || seen.state !== c.state || c.state === 'RUNNING') {
        jobs.push({
          rank: !seen || seen.state !== c.state ? 0 : 3,
          op: 'ListSteps',
          age: seen?.at ?? 0,
          run: async () => {
            const steps = await recentSteps(emr, c.id);
            stepsRead.set(c.id, { state: c.state, at: now().getTime() });
            emit({ type: 'steps', clusterId: c.id, steps: steps.map(stepInfo) });
          },
        });
      }
      if (!shapeRead.has(c.id)) {
        jobs.push({
          rank: 1,
          age: 0,
          op: 'ListInstanceGroups',
          run: async () => {
            shapeRead.add(c.id);
            emit({ type: 'cluster-details', clusterId: c.id, details: { instances: await instanceShape(emr, c.id) } });
          },
        });
      }
      if (live && !timeoutRead.has(c.id)) {
        jobs.push({
          rank: 2,
          age: 0,
          op: 'GetAutoTerminationPolicy',
          run: async () => {
            // Read once, even when it fails (an emulator without the API, a role without the permission): the
            // idle countdown is then unknown, and asking again every refresh would only spend the budget.
            timeoutRead.add(c.id);
            emit({ type: 'cluster-details', clusterId: c.id, details: { idleTimeoutSeconds: await idleTimeoutSeconds(emr, c.id) } });
          },
        });
      }
    }
    // Round-robin among running clusters: the one read longest ago goes first; each operation within what its
    // bucket refills in one interval.
    const spent: Record<string, number> = { ...emrCalls };
    const chosen = jobs
      .sort((a, b) => a.rank - b.rank || a.age - b.age)
      .filter((j) => {
        if ((spent[j.op] ?? 0) >= allowed(j.op)) return false;
        spent[j.op] = (spent[j.op] ?? 0) + 1;
        return true;
      })
      .slice(0, Math.max(0, left));
    await Promise.all(chosen.map((j) => j.run().catch(() => undefined)));
  }

  return { refresh, minIntervalMs: () => minIntervalMs, note: () => note };
}
