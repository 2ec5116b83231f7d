import { checkFailed, type CheckResult } from '../lab/checks.js';
import type { Diagnosis } from './diagnose.js';

/** EMR's step states; the local engine uses the same words so status output reads the same on both. */
export type StepState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type RunState = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** Engines a run can target: local Spark, the EMR sandbox on this machine (the EMR engine behind another endpoint), EMR. */
export type EngineTarget = 'local' | 'sandbox' | 'emr';

export interface StepRecord {
  name: string;
  state: StepState;
  argv: string[];
  /** where the step writes result.json: a local directory or an s3:// URI */
  out: string;
  startedAt?: string | undefined;
  endedAt?: string | undefined;
  seconds?: number | undefined;
  exitCode?: number | undefined;
  uiUrl?: string | undefined;
  /** stdout/stderr of the step (local paths) */
  logs?: { stdout: string; stderr: string } | undefined;
  /** on EMR: where the step ran, so `labs logs` can read its log from the cluster's LogUri later */
  emr?: { clusterId: string; stepId: string; logUri: string } | undefined;
  failure?: Diagnosis | undefined;
}

export interface RunRecord {
  lab: string;
  runId: string;
  target: EngineTarget;
  student: string;
  state: RunState;
  startedAt: string;
  endedAt?: string | undefined;
  /** the run's directory (local) or prefix (emr) */
  dir: string;
  steps: StepRecord[];
  checks?: CheckResult[] | undefined;
  /** where Spark's event logs go, for the History Server */
  eventLogDir?: string | undefined;
  /** a run of the student's exercise files: their workspace (absent: the bundled reference solution ran) */
  exercise?: string | undefined;
}

/** Live progress of a running step, read from Spark's REST API. */
export interface SparkProgress {
  jobsRunning: number;
  jobsCompleted: number;
  /** the active stage with the most work left, if any */
  stage?: { id: number; name: string; tasksDone: number; tasksTotal: number } | undefined;
  stagesCompleted: number;
}

export type RunEvent =
  | { type: 'setup'; message: string }
  | { type: 'run-start'; run: RunRecord }
  | { type: 'step-start'; step: StepRecord }
  | { type: 'step-progress'; step: string; progress: SparkProgress }
  | { type: 'step-end'; step: StepRecord }
  | { type: 'checks'; results: CheckResult[] }
  | { type: 'run-end'; run: RunRecord };

export type RunListener = (event: RunEvent) => void;

/** A run id that sorts by time: 20261125-101500-3f9a */
export function newRunId(now: Date, random: () => number = Math.random): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  const suffix = Math.floor(random() * 0xffff).toString(16).padStart(4, '0');
  return `${stamp}-${suffix}`;
}

/** The run's overall state from its steps and checks. */
export function runState(steps: readonly StepRecord[], checks: readonly CheckResult[] | undefined): RunState {
  // A step still queued or running keeps the run going, whatever EMR already reports for the others.
  if (steps.some((s) => s.state === 'PENDING' || s.state === 'RUNNING')) return 'RUNNING';
  // FAILED before CANCELLED: the steps after a failed one are cancelled, and the run failed rather than was stopped
  if (steps.some((s) => s.state === 'FAILED')) return 'FAILED';
  if (steps.some((s) => s.state === 'CANCELLED')) return 'CANCELLED';
  return checks && checks.some(checkFailed) ? 'FAILED' : 'COMPLETED';
}
