import type { CheckResult } from '../lab/checks.js';
import type { RunEvent, RunRecord, SparkProgress, StepRecord } from './run-record.js';

/** What a live view of one run shows; built from run events by a pure reducer, drawn by ui/ or printed plainly. */
export interface RunView {
  setup?: string | undefined;
  run?: RunRecord | undefined;
  steps: StepRecord[];
  progress: Record<string, SparkProgress>;
  checks?: CheckResult[] | undefined;
  done: boolean;
}

export const emptyRunView: RunView = { steps: [], progress: {}, done: false };

export function reduceRunView(view: RunView, event: RunEvent): RunView {
  switch (event.type) {
    case 'setup':
      return { ...view, setup: event.message };
    case 'run-start':
      return { ...view, setup: undefined, run: event.run, steps: event.run.steps };
    case 'step-start':
    case 'step-end':
      return { ...view, steps: view.steps.map((s) => (s.name === event.step.name ? event.step : s)) };
    case 'step-progress':
      return { ...view, progress: { ...view.progress, [event.step]: event.progress } };
    case 'checks':
      return { ...view, checks: event.results };
    case 'run-end':
      return { ...view, run: event.run, steps: event.run.steps, checks: event.run.checks, done: true };
  }
}

/** "stage 4 (count at x.py:12): 3/8 tasks, 2 jobs done" */
export function describeProgress(p: SparkProgress | undefined): string {
  if (!p) return 'starting Spark';
  const parts: string[] = [];
  if (p.stage) parts.push(`stage ${p.stage.id} (${p.stage.name.split(' at ')[0]}): ${p.stage.tasksDone}/${p.stage.tasksTotal} tasks`);
  parts.push(`${p.jobsCompleted} job${p.jobsCompleted === 1 ? '' : 's'} done`);
  return parts.join(', ');
}

/** Where a run ran, in words: "run ... on local Spark / the EMR sandbox / EMR". */
export function targetLabel(target: RunRecord['target']): string {
  return target === 'local' ? 'local Spark' : target === 'sandbox' ? 'the EMR sandbox' : 'EMR';
}
