import type { InstanceShape } from './cost.js';
import type { MetricUnit } from './format.js';
import type { RunRecord } from '../run/run-record.js';
import type { SparkRange } from './sparkline.js';
import type { SparkSnapshot } from '../run/spark-metrics.js';

/**
 * The live dashboard's state: what the poller (app/dashboard-feed.ts) has learnt, plus the few things the keyboard
 * changes (selection, sort, filter, details). One pure reducer over typed events; views are derived by the selectors
 * in dashboard-views.ts. Nothing secret lives here: presigned Spark UI links stay in the component that shows them.
 */
/** the sandbox is EMR behind another endpoint: the same screen, fed by the same EMR and CloudWatch calls */
export type DashboardTarget = 'emr' | 'sandbox' | 'local';
export type DashboardMode = 'student' | 'cohort';

/** A cluster as discovery sees it (ListClusters state + tags). Times are epoch ms. */
export interface ClusterInfo {
  id: string;
  name?: string | undefined;
  arn?: string | undefined;
  state: string;
  stateReason?: string | undefined;
  student?: string | undefined;
  /** the labs:lab tag: the lab the cluster was made for */
  lab?: string | undefined;
  createdAt?: number | undefined;
  readyAt?: number | undefined;
  endedAt?: number | undefined;
}

/** What changes rarely, so the poller reads it once per cluster: its instances and its auto-termination timeout. */
export interface ClusterDetails {
  instances?: InstanceShape[] | undefined;
  idleTimeoutSeconds?: number | undefined;
}

export interface StepInfo {
  id: string;
  /** EMR's step name, "lab:step runId" for steps this tool adds */
  name: string;
  lab?: string | undefined;
  step?: string | undefined;
  state: string;
  createdAt?: number | undefined;
  startedAt?: number | undefined;
  endedAt?: number | undefined;
  /** EMR's failure reason and message */
  failure?: string | undefined;
  logFile?: string | undefined;
  args?: string[] | undefined;
}

/** The last `labs check` of a student: lab, checks passed out of total. */
export interface CheckSummary {
  lab: string;
  passed: number;
  total: number;
  at?: string | undefined;
}

export interface ClusterView extends ClusterInfo {
  details: ClusterDetails;
  /** undefined until the poller has listed them (it lists steps within a per-refresh budget) */
  steps?: StepInfo[] | undefined;
  latest: Partial<Record<string, number>>;
  /** the last N values of each metric, oldest first: the sparklines */
  history: Record<string, number[]>;
}

export interface LocalView {
  /** the newest run of each lab on this machine */
  runs: RunRecord[];
  spark?: SparkSnapshot | undefined;
  history: Record<string, number[]>;
}

export type CohortSortKey = 'student' | 'state' | 'lab' | 'idle' | 'cost' | 'check';
export const SORT_KEYS: readonly CohortSortKey[] = ['student', 'state', 'lab', 'idle', 'cost', 'check'];

/**
 * Selections are kept by key (cluster id, step id), not by index, so a re-sort on a refresh keeps the same one selected.
 * Cohort view: a row (student's cluster) -> enter opens its details -> a step -> enter opens the step.
 * Student view: a step -> enter opens the step.
 */
export interface DashboardUi {
  selectedCluster?: string | undefined;
  openCluster?: string | undefined;
  selectedStep?: string | undefined;
  stepOpen: boolean;
  sortKey: CohortSortKey;
  filter: string;
  filtering: boolean;
}

export interface RefreshStatus {
  count: number;
  at?: number | undefined;
  /** API (or Spark REST) calls the last refresh made */
  calls?: number | undefined;
  error?: { message: string; hint?: string | undefined } | undefined;
  /** the source slowed down or read less than asked to stay within API rate limits, and says why */
  note?: string | undefined;
}

export interface DashboardState {
  mode: DashboardMode;
  target: DashboardTarget;
  /** the cohort name, or the student id */
  label: string;
  historyLength: number;
  now: number;
  clusters: Record<string, ClusterView>;
  /** cluster ids in discovery order */
  order: string[];
  checks: Record<string, CheckSummary>;
  local: LocalView;
  refresh: RefreshStatus;
  ui: DashboardUi;
}

export interface MetricDef {
  label: string;
  unit: MetricUnit;
  range?: SparkRange;
}

/** CloudWatch's AWS/ElasticMapReduce metrics the dashboard draws (the poller asks for them), in display order. */
export const EMR_METRICS: Readonly<Record<string, MetricDef>> = {
  AppsRunning: { label: 'apps running', unit: 'count' },
  AppsPending: { label: 'apps pending', unit: 'count' },
  ContainerPending: { label: 'containers pending', unit: 'count' },
  YARNMemoryAvailablePercentage: { label: 'YARN memory free', unit: 'percent', range: { min: 0, max: 100 } },
  HDFSUtilization: { label: 'HDFS used', unit: 'percent', range: { min: 0, max: 100 } },
  CoreNodesRunning: { label: 'core nodes', unit: 'count' },
  IsIdle: { label: 'idle', unit: 'flag', range: { min: 0, max: 1 } },
};

/** What the local engine's Spark REST snapshot feeds into sparklines. */
export const LOCAL_METRICS: Readonly<Record<Exclude<keyof SparkSnapshot, 'appId' | 'stage'>, MetricDef>> = {
  jobsRunning: { label: 'jobs running', unit: 'count' },
  jobsCompleted: { label: 'jobs done', unit: 'count' },
  jobsFailed: { label: 'jobs failed', unit: 'count' },
  stagesActive: { label: 'stages active', unit: 'count' },
  stagesCompleted: { label: 'stages done', unit: 'count' },
  tasksActive: { label: 'tasks active', unit: 'count' },
  tasksCompleted: { label: 'tasks done', unit: 'count' },
  tasksFailed: { label: 'tasks failed', unit: 'count' },
  shuffleReadBytes: { label: 'shuffle read', unit: 'bytes' },
  shuffleWriteBytes: { label: 'shuffle write', unit: 'bytes' },
  spillMemoryBytes: { label: 'spill (memory)', unit: 'bytes' },
  spillDiskBytes: { label: 'spill (disk)', unit: 'bytes' },
  executors: { label: 'executors', unit: 'count' },
  memoryUsedBytes: { label: 'executor memory', unit: 'bytes' },
};

export type DashboardEvent =
  // from the poller
  | { type: 'refresh-start'; at: number }
  /** every cluster in view, replacing the previous set (what is learnt about a cluster that stays is kept) */
  | { type: 'clusters'; at: number; clusters: ClusterInfo[] }
  | { type: 'cluster-details'; clusterId: string; details: ClusterDetails }
  | { type: 'steps'; clusterId: string; steps: StepInfo[] }
  /** latest value of each metric per cluster */
  | {
      type: 'metrics';
      at: number;
      values: Record<string, Partial<Record<string, number>>>;
      /** the window's datapoints per metric, oldest first, when the source has them (CloudWatch): the sparkline */
      series?: Record<string, Partial<Record<string, number[]>>> | undefined;
    }
  | { type: 'checks'; byStudent: Record<string, CheckSummary> }
  | { type: 'local-runs'; at: number; runs: RunRecord[] }
  /** undefined: no Spark application is answering */
  | { type: 'spark'; at: number; snapshot: SparkSnapshot | undefined }
  | { type: 'refresh-end'; at: number; calls: number; note?: string | undefined }
  | { type: 'refresh-failed'; at: number; message: string; hint?: string | undefined }
  // from the keyboard and the clock
  | { type: 'tick'; now: number }
  /** keys: the rows of the list being moved through, as currently shown (sorted, filtered) */
  | { type: 'move'; by: number; keys: readonly string[] }
  /** enter: open the row on screen as selected (the first one while nothing was chosen) */
  | { type: 'open'; key: string | undefined }
  /** escape: close the innermost open thing */
  | { type: 'close' }
  /** no key: the next sort key */
  | { type: 'sort'; key?: CohortSortKey | undefined }
  | { type: 'filtering'; on: boolean }
  | { type: 'filter'; text: string };

export function initialDashboardState(o: { mode: DashboardMode; target: DashboardTarget; label: string; now: number; historyLength?: number }): DashboardState {
  return {
    mode: o.mode,
    target: o.target,
    label: o.label,
    historyLength: o.historyLength ?? 40,
    now: o.now,
    clusters: {},
    order: [],
    checks: {},
    local: { runs: [], history: {} },
    refresh: { count: 0 },
    ui: { stepOpen: false, sortKey: 'student', filter: '', filtering: false },
  };
}

function appendCapped(history: readonly number[] | undefined, value: number, cap: number): number[] {
  const next = [...(history ?? []), value];
  return next.length > cap ? next.slice(next.length - cap) : next;
}

function withMetrics(c: ClusterView, values: Partial<Record<string, number>>, cap: number, series?: Partial<Record<string, number[]>>): ClusterView {
  const history = { ...c.history };
  for (const [metric, v] of Object.entries(values)) {
    const window = series?.[metric];
    // A window replaces the history: it already holds every point, and appending would count the latest twice.
    if (window?.length) history[metric] = window.slice(-cap);
    else if (v !== undefined) history[metric] = appendCapped(history[metric], v, cap);
  }
  return { ...c, latest: { ...values }, history };
}

function withSpark(local: LocalView, s: SparkSnapshot | undefined, cap: number): LocalView {
  if (!s) return { ...local, spark: undefined };
  const history = { ...local.history };
  for (const key of Object.keys(LOCAL_METRICS) as (keyof typeof LOCAL_METRICS)[]) history[key] = appendCapped(history[key], s[key], cap);
  return { ...local, spark: s, history };
}

/** The selected key among the rows shown: the chosen one while it is there, else the first row. */
export function effectiveKey(current: string | undefined, keys: readonly string[]): string | undefined {
  return current !== undefined && keys.includes(current) ? current : keys[0];
}

/** Move the selection by `by` within `keys` (the rows as currently shown), clamped at both ends. */
function moved(current: string | undefined, by: number, keys: readonly string[]): string | undefined {
  const from = Math.max(0, keys.indexOf(effectiveKey(current, keys) ?? ''));
  return keys[Math.min(keys.length - 1, Math.max(0, from + by))];
}

/** Whether the arrows move through clusters (the cohort table) or through steps. */
export const movesClusters = (s: DashboardState) => s.mode === 'cohort' && s.ui.openCluster === undefined;

const later = (now: number, at: number) => Math.max(now, at);

export function reduceDashboard(s: DashboardState, e: DashboardEvent): DashboardState {
  switch (e.type) {
    case 'refresh-start':
      return { ...s, now: later(s.now, e.at) };
    case 'clusters': {
      const clusters: Record<string, ClusterView> = {};
      for (const info of e.clusters) {
        const prev = s.clusters[info.id];
        clusters[info.id] = prev ? { ...prev, ...info } : { ...info, details: {}, latest: {}, history: {} };
      }
      return { ...s, now: later(s.now, e.at), clusters, order: e.clusters.map((c) => c.id) };
    }
    case 'cluster-details': {
      const c = s.clusters[e.clusterId];
      return c ? { ...s, clusters: { ...s.clusters, [c.id]: { ...c, details: { ...c.details, ...e.details } } } } : s;
    }
    case 'steps': {
      const c = s.clusters[e.clusterId];
      return c ? { ...s, clusters: { ...s.clusters, [c.id]: { ...c, steps: e.steps } } } : s;
    }
    case 'metrics': {
      const clusters = { ...s.clusters };
      for (const [id, values] of Object.entries(e.values)) {
        const c = clusters[id];
        if (c) clusters[id] = withMetrics(c, values, s.historyLength, e.series?.[id]);
      }
      return { ...s, now: later(s.now, e.at), clusters };
    }
    case 'checks':
      return { ...s, checks: e.byStudent };
    case 'local-runs':
      return { ...s, now: later(s.now, e.at), local: { ...s.local, runs: e.runs } };
    case 'spark':
      return { ...s, now: later(s.now, e.at), local: withSpark(s.local, e.snapshot, s.historyLength) };
    case 'refresh-end':
      return { ...s, now: later(s.now, e.at), refresh: { count: s.refresh.count + 1, at: e.at, calls: e.calls, ...(e.note ? { note: e.note } : {}) } };
    case 'refresh-failed':
      return { ...s, now: later(s.now, e.at), refresh: { ...s.refresh, count: s.refresh.count + 1, at: e.at, error: { message: e.message, hint: e.hint } } };
    case 'tick':
      return { ...s, now: later(s.now, e.now) };
    case 'move':
      if (s.ui.stepOpen) return s;
      return movesClusters(s)
        ? { ...s, ui: { ...s.ui, selectedCluster: moved(s.ui.selectedCluster, e.by, e.keys) } }
        : { ...s, ui: { ...s.ui, selectedStep: moved(s.ui.selectedStep, e.by, e.keys) } };
    case 'open':
      if (e.key === undefined) return s;
      if (movesClusters(s)) return { ...s, ui: { ...s.ui, selectedCluster: e.key, openCluster: e.key, selectedStep: undefined } };
      return { ...s, ui: { ...s.ui, selectedStep: e.key, stepOpen: true } };
    case 'close':
      if (s.ui.stepOpen) return { ...s, ui: { ...s.ui, stepOpen: false } };
      return { ...s, ui: { ...s.ui, openCluster: undefined, selectedStep: undefined } };
    case 'sort': {
      const next = e.key ?? SORT_KEYS[(SORT_KEYS.indexOf(s.ui.sortKey) + 1) % SORT_KEYS.length]!;
      return { ...s, ui: { ...s.ui, sortKey: next } };
    }
    case 'filtering':
      return { ...s, ui: { ...s.ui, filtering: e.on } };
    case 'filter':
      return { ...s, ui: { ...s.ui, filter: e.text } };
  }
}
