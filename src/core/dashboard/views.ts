import { isLiveClusterState } from '../emr/cluster-states.js';
import { costBetween, describeShape } from './cost.js';
import { formatDuration, formatMetric, formatUsd } from './format.js';
import {
  EMR_METRICS,
  LOCAL_METRICS,
  type CheckSummary,
  type ClusterView,
  type CohortSortKey,
  type DashboardState,
  type MetricDef,
  type StepInfo,
  effectiveKey,
  movesClusters,
} from './state.js';
import type { RunRecord } from '../run/run-record.js';
import type { SparkRange } from './sparkline.js';

/** What the screens show, derived from the state: pure, so the ink view, the plain text and --json agree. */

export const isLiveCluster = (c: Pick<ClusterView, 'state'>) => isLiveClusterState(c.state);

/**
 * When the cluster became idle, as EMR's auto-termination counts it (no steps, no YARN apps), or undefined when it is
 * busy or not up. A RUNNING cluster has a step: busy whatever the 5-minute-old IsIdle says. A WAITING one is idle
 * unless IsIdle says 0 (a notebook or spark-shell holds YARN). Idle since its last step ended, or since it was ready.
 */
export function idleSince(c: ClusterView): number | undefined {
  if (c.state !== 'WAITING' || c.latest.IsIdle === 0) return undefined;
  const lastEnd = Math.max(0, ...(c.steps ?? []).map((s) => s.endedAt ?? 0));
  const since = Math.max(c.readyAt ?? c.createdAt ?? 0, lastEnd);
  return since > 0 ? since : undefined;
}

/** Seconds left before auto-termination ends the cluster, if it stays idle; undefined when not counting down. */
export function idleSecondsLeft(c: ClusterView, now: number): number | undefined {
  const since = idleSince(c);
  const timeout = c.details.idleTimeoutSeconds;
  if (since === undefined || timeout === undefined) return undefined;
  return Math.max(0, timeout - (now - since) / 1000);
}

export function idleMinutes(c: ClusterView, now: number): number | undefined {
  const since = idleSince(c);
  return since === undefined ? undefined : Math.max(0, (now - since) / 60_000);
}

export function clusterCost(c: ClusterView, now: number): number | undefined {
  if (!c.details.instances || c.createdAt === undefined) return undefined;
  return costBetween(c.details.instances, c.createdAt, c.endedAt ?? now);
}

export function clusterAgeSeconds(c: ClusterView, now: number): number | undefined {
  return c.createdAt === undefined ? undefined : ((c.endedAt ?? now) - c.createdAt) / 1000;
}

/** The running step, else the newest one. */
export function currentStep(c: ClusterView): StepInfo | undefined {
  const steps = c.steps ?? [];
  return steps.find((s) => s.state === 'RUNNING') ?? [...steps].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0))[0];
}

/** The student view's cluster: the newest live one, else the newest. */
export function studentCluster(s: DashboardState): ClusterView | undefined {
  const all = s.order.map((id) => s.clusters[id]!).sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  return all.find(isLiveCluster) ?? all[0];
}

// ---------- the cohort table ----------

export interface CohortRow {
  key: string;
  student: string;
  clusterId: string;
  state: string;
  lab: string;
  step: string;
  idleMinutes?: number | undefined;
  costUsd?: number | undefined;
  check?: CheckSummary | undefined;
  /** AppsRunning over the last refreshes */
  apps: number[];
}

export interface CohortTotals {
  students: number;
  shown: number;
  live: number;
  running: number;
  idle: number;
  costUsd: number;
  /** clusters whose cost is unknown (an instance type outside the price table, or not read yet) */
  costUnknown: number;
  checked: number;
  passed: number;
}

const STATE_ORDER = ['RUNNING', 'WAITING', 'BOOTSTRAPPING', 'STARTING', 'TERMINATING', 'TERMINATED_WITH_ERRORS', 'TERMINATED'];

function checkRank(c: CheckSummary | undefined): number {
  if (!c) return 1;
  return c.passed === c.total ? 2 : 0;
}

const byKey: Record<CohortSortKey, (a: CohortRow, b: CohortRow) => number> = {
  student: (a, b) => a.student.localeCompare(b.student),
  state: (a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state),
  lab: (a, b) => `${a.lab}:${a.step}`.localeCompare(`${b.lab}:${b.step}`),
  idle: (a, b) => (b.idleMinutes ?? -1) - (a.idleMinutes ?? -1),
  cost: (a, b) => (b.costUsd ?? -1) - (a.costUsd ?? -1),
  check: (a, b) => checkRank(a.check) - checkRank(b.check),
};

export function cohortRow(c: ClusterView, s: DashboardState): CohortRow {
  const step = currentStep(c);
  const student = c.student ?? '?';
  return {
    key: c.id,
    student,
    clusterId: c.id,
    state: c.state,
    lab: step?.lab ?? c.lab ?? '-',
    step: step ? `${step.step ?? step.name} ${step.state}` : c.steps ? 'no steps' : '…',
    idleMinutes: idleMinutes(c, s.now),
    // the sandbox's instance types are only recorded: nothing is billed
    costUsd: s.target === 'sandbox' ? 0 : clusterCost(c, s.now),
    check: s.checks[student],
    apps: c.history.AppsRunning ?? [],
  };
}

function matches(r: CohortRow, filter: string): boolean {
  const f = filter.trim().toLowerCase();
  return !f || [r.student, r.clusterId, r.state, r.lab, r.step].some((x) => x.toLowerCase().includes(f));
}

/** Rows sorted by the sort key (then by student) and filtered; totals over every student and over the shown rows. */
export function cohortRows(s: DashboardState): { rows: CohortRow[]; totals: CohortTotals } {
  const all = s.order.map((id) => cohortRow(s.clusters[id]!, s));
  const rows = all.filter((r) => matches(r, s.ui.filter)).sort((a, b) => byKey[s.ui.sortKey](a, b) || byKey.student(a, b));
  const totals: CohortTotals = {
    students: new Set(all.map((r) => r.student)).size,
    shown: rows.length,
    live: all.filter((r) => isLiveClusterState(r.state)).length,
    running: all.filter((r) => r.state === 'RUNNING').length,
    idle: all.filter((r) => r.idleMinutes !== undefined).length,
    costUsd: all.reduce((a, r) => a + (r.costUsd ?? 0), 0),
    costUnknown: all.filter((r) => r.costUsd === undefined).length,
    checked: all.filter((r) => r.check).length,
    passed: all.filter((r) => r.check && r.check.passed === r.check.total).length,
  };
  return { rows, totals };
}

export const formatCheck = (c: CheckSummary | undefined) => (c ? `${c.lab} ${c.passed}/${c.total}` : '-');

// ---------- the student view (also the cohort's details pane) ----------

export interface StepRow {
  key: string;
  name: string;
  state: string;
  duration: string;
  failure?: string | undefined;
  hint?: string | undefined;
  /** what the step ran, for its details */
  command?: string | undefined;
}

export interface MetricRow {
  key: string;
  label: string;
  values: number[];
  current: string;
  range?: SparkRange | undefined;
}

export interface StudentPanel {
  title: string;
  facts: [string, string][];
  steps: StepRow[];
  metrics: MetricRow[];
  /** a link that is not secret (local Spark UI); EMR links are presigned and fetched on demand */
  uiLink?: string | undefined;
  /** true when `u` can fetch a presigned Spark UI link for this cluster */
  canFetchUi: boolean;
  clusterId?: string | undefined;
  note?: string | undefined;
}

function metricRows(defs: Readonly<Record<string, MetricDef>>, history: Record<string, number[]>, latest: Partial<Record<string, number>>): MetricRow[] {
  return Object.entries(defs)
    .filter(([key]) => history[key]?.length || latest[key] !== undefined)
    .map(([key, d]) => ({ key, label: d.label, values: history[key] ?? [], current: formatMetric(latest[key] ?? history[key]?.at(-1), d.unit), range: d.range }));
}

const seconds = (from: number | undefined, to: number | undefined, now: number) => (from === undefined ? undefined : ((to ?? now) - from) / 1000);

export function emrStepRow(st: StepInfo, now: number): StepRow {
  return {
    key: st.id,
    name: st.lab && st.step ? `${st.lab}:${st.step}` : st.name,
    state: st.state,
    duration: formatDuration(seconds(st.startedAt, st.endedAt, now)),
    failure: st.failure,
    hint: st.logFile ? `log: ${st.logFile}` : undefined,
    command: st.args?.join(' '),
  };
}

export function clusterPanel(c: ClusterView, s: DashboardState): StudentPanel {
  const left = idleSecondsLeft(c, s.now);
  const idle = idleSince(c);
  const facts: [string, string][] = [
    ['cluster', `${c.id}${c.student ? ` (${c.student})` : ''}`],
    ['state', c.stateReason && !isLiveCluster(c) ? `${c.state}: ${c.stateReason}` : c.state],
    ['shape', c.details.instances ? describeShape(c.details.instances) : '…'],
    ['age', formatDuration(clusterAgeSeconds(c, s.now))],
    [
      'idle',
      idle === undefined
        ? isLiveCluster(c) ? 'busy' : '-'
        : `${formatDuration((s.now - idle) / 1000)}${left === undefined ? '' : `, auto-terminates in ${formatDuration(left)}`}`,
    ],
    ['cost so far', s.target === 'sandbox' ? '$0 (the sandbox, on your machine)' : formatUsd(clusterCost(c, s.now))],
  ];
  return {
    title: `${s.label}: cluster ${c.id}`,
    facts,
    steps: [...(c.steps ?? [])].sort((a, b) => (a.createdAt ?? 0) - (b.createdAt ?? 0)).map((st) => emrStepRow(st, s.now)),
    metrics: metricRows(EMR_METRICS, c.history, c.latest),
    canFetchUi: isLiveCluster(c) || c.arn !== undefined,
    clusterId: c.id,
  };
}

/** The run to show locally: a running one first, else the newest. */
export function currentLocalRun(runs: readonly RunRecord[]): RunRecord | undefined {
  const sorted = [...runs].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return sorted.find((r) => r.state === 'RUNNING') ?? sorted[0];
}

export function localPanel(s: DashboardState): StudentPanel {
  const run = currentLocalRun(s.local.runs);
  const spark = s.local.spark;
  if (!run) return { title: 'local Spark', facts: [], steps: [], metrics: [], canFetchUi: false, note: 'no runs yet: `labs start <lab>` runs one' };
  const running = run.steps.find((st) => st.state === 'RUNNING');
  const facts: [string, string][] = [
    ['lab', `${run.lab} run ${run.runId}`],
    ['state', run.state],
    ['age', formatDuration(seconds(Date.parse(run.startedAt), run.endedAt ? Date.parse(run.endedAt) : undefined, s.now))],
    ['cost so far', '$0 (your machine)'],
  ];
  if (spark?.stage) facts.push(['stage', `${spark.stage.id} (${spark.stage.name.split(' at ')[0]}): ${spark.stage.tasksDone}/${spark.stage.tasksTotal} tasks`]);
  const latest = spark ? (Object.fromEntries(Object.keys(LOCAL_METRICS).map((k) => [k, spark[k as keyof typeof LOCAL_METRICS]])) as Record<string, number>) : {};
  return {
    title: `${s.label}: local Spark`,
    facts,
    steps: run.steps.map((st) => ({
      key: st.name,
      name: `${run.lab}:${st.name}`,
      state: st.state,
      duration: formatDuration(st.seconds ?? seconds(st.startedAt ? Date.parse(st.startedAt) : undefined, undefined, s.now)),
      failure: st.failure?.summary,
      hint: st.failure?.hint,
      command: st.argv.join(' '),
    })),
    metrics: spark || Object.keys(s.local.history).length ? metricRows(LOCAL_METRICS, s.local.history, latest) : [],
    uiLink: running?.uiUrl,
    canFetchUi: false,
  };
}

/** The student view: the student's cluster on EMR, the newest run on the local engine. */
export function studentPanel(s: DashboardState): StudentPanel {
  if (s.target === 'local') return localPanel(s);
  const c = studentCluster(s);
  if (!c) {
    return {
      title: `${s.label}: no cluster`,
      facts: [],
      steps: [],
      metrics: [],
      canFetchUi: false,
      note: s.refresh.count ? 'no cluster tagged for you: `labs start <lab> --target emr` makes one' : 'looking for your cluster…',
    };
  }
  return clusterPanel(c, s);
}

/** The panel on screen: the opened cohort row's cluster, or the student's own. */
export function panelInView(s: DashboardState): StudentPanel | undefined {
  if (s.mode === 'student') return studentPanel(s);
  const c = s.ui.openCluster === undefined ? undefined : s.clusters[s.ui.openCluster];
  return c ? clusterPanel(c, s) : undefined;
}

/** The keys the arrows move through on the current screen. */
export function selectableKeys(s: DashboardState): string[] {
  if (movesClusters(s)) return cohortRows(s).rows.map((r) => r.key);
  return panelInView(s)?.steps.map((st) => st.key) ?? [];
}

/** The row shown as selected on the current screen (a cluster in the cohort table, else a step). */
export function selectedKey(s: DashboardState): string | undefined {
  return effectiveKey(movesClusters(s) ? s.ui.selectedCluster : s.ui.selectedStep, selectableKeys(s));
}

/** The step whose details are open, if any. */
export function openStep(s: DashboardState): StepRow | undefined {
  return s.ui.stepOpen ? panelInView(s)?.steps.find((st) => st.key === s.ui.selectedStep) : undefined;
}

/** Each student's newest checked run (local run records), as the cohort table's last check result. */
export function checksFromRuns(runs: readonly RunRecord[]): Record<string, CheckSummary> {
  const out: Record<string, CheckSummary & { startedAt: string }> = {};
  for (const r of runs) {
    if (!r.checks?.length) continue;
    const prev = out[r.student];
    if (prev && prev.startedAt >= r.startedAt) continue;
    // a check scoped to other targets than the run's counts neither way: out of the total, not a pass
    const graded = r.checks.filter((c) => !c.notApplicable);
    out[r.student] = { lab: r.lab, passed: graded.filter((c) => c.passed).length, total: graded.length, at: r.endedAt ?? r.startedAt, startedAt: r.startedAt };
  }
  return Object.fromEntries(Object.entries(out).map(([k, { startedAt: _s, ...v }]) => [k, v]));
}
