import { checkApplies, checkStep, evaluateChecks, type Answers } from '../core/lab/checks.js';
import type { Config } from '../core/config.js';
import { InputError } from '../core/errors.js';
import type { Lab } from '../core/lab/lab-schema.js';
import { newRunId, runState, type RunListener, type RunRecord, type StepRecord } from '../core/run/run-record.js';
import { initialRecords } from '../core/run/run-plan.js';
import type { Engine, RunContext } from '../engines/engine.js';
import type { RunStore } from './run-store.js';
import { watchRun } from './watch-run.js';

export interface StartOptions {
  lab: Lab;
  config: Config;
  engine: Engine;
  store: RunStore;
  onEvent: RunListener;
  signal: AbortSignal;
  eventLogDir?: string;
  now?: () => Date;
  /** false: queue the steps and return (`--no-wait`; only an engine that queues steps, i.e. EMR, can) */
  wait?: boolean;
  /** the file used for a lab's job path instead of the bundled one, by project-relative path */
  jobFiles?: Readonly<Record<string, string>>;
  /** the student's exercise workspace when `lab` runs their files (the record says so; grading reads it) */
  exercise?: string | undefined;
}

/**
 * Run a lab: prepare the engine, plan the run, submit the plan, watch its steps in order (stopping at the first that
 * does not complete), then evaluate its checks on the steps' result.json. The run record is saved after every change.
 */
export async function startLab(opts: StartOptions): Promise<RunRecord> {
  const { lab, engine, store, onEvent, signal } = opts;
  const now = opts.now ?? (() => new Date());
  if (opts.wait === false && !engine.queues) {
    throw new InputError('--no-wait is for --target emr: on this machine the steps run inside the command', 'drop --no-wait, or add --target emr');
  }
  await engine.prepare(onEvent, signal, lab);

  const plan = engine.plan(lab, newRunId(now()), { jobFiles: opts.jobFiles });
  const run: RunRecord = {
    lab: lab.id,
    runId: plan.runId,
    target: engine.target,
    student: opts.config.student,
    state: 'RUNNING',
    startedAt: now().toISOString(),
    dir: plan.dir,
    steps: initialRecords(plan),
    eventLogDir: opts.eventLogDir,
    ...(opts.exercise ? { exercise: opts.exercise } : {}),
  };
  store.save(run);
  onEvent({ type: 'run-start', run: structuredClone(run) });

  try {
    run.steps = await engine.submit(plan, onEvent, signal, { waitReady: opts.wait !== false });
    store.save(run);
    if (opts.wait === false) return structuredClone(run);
    run.steps = await watchRun(engine, plan, run.steps, { mode: 'wait', plan, onEvent, signal }, (steps) => {
      run.steps = steps;
      store.save(run);
    });
    if (run.steps.every((s) => s.state === 'COMPLETED')) {
      run.checks = await runChecks(lab, engine, plan, undefined, run.steps);
      onEvent({ type: 'checks', results: run.checks });
    }
  } catch (e) {
    // An environment error mid-run (a port taken, the emulator down): the record must not stay RUNNING.
    run.state = signal.aborted ? 'CANCELLED' : 'FAILED';
    run.endedAt = now().toISOString();
    store.save(run);
    throw e;
  } finally {
    await engine.dispose?.();
  }
  run.state = runState(run.steps, run.checks);
  run.endedAt = now().toISOString();
  store.save(run);
  onEvent({ type: 'run-end', run: structuredClone(run) });
  return run;
}

/** Each step's parsed result.json (undefined for a step that wrote none), by step name. */
export async function readResults(lab: Lab, engine: Engine, ctx: RunContext): Promise<Map<string, unknown>> {
  const results = new Map<string, unknown>();
  for (const step of lab.steps) results.set(step.name, await engine.readResult(ctx, step.name));
  return results;
}

/**
 * What the lab's metric checks read: each applicable one's CloudWatch value over its step's window, from the engine
 * (only cluster engines read metrics; a metric check never applies on local, the schema sees to that).
 */
async function readMetrics(lab: Lab, engine: Engine, ctx: RunContext, steps: readonly StepRecord[]): Promise<Map<string, number | undefined>> {
  const metrics = new Map<string, number | undefined>();
  for (const check of lab.checks) {
    if (!check.metric || !checkApplies(check, engine.target) || !engine.readMetric) continue;
    const record = steps.find((s) => s.name === checkStep(lab, check));
    metrics.set(check.name, record ? await engine.readMetric(ctx, record, check.metric) : undefined);
  }
  return metrics;
}

/**
 * The lab's checks on a run's results, as they apply on the engine's target (a check scoped elsewhere is n/a); with
 * the run's step records, its metric checks read CloudWatch over their step's window.
 */
export async function runChecks(lab: Lab, engine: Engine, ctx: RunContext, answers?: Answers, steps: readonly StepRecord[] = []) {
  const metrics = await readMetrics(lab, engine, ctx, steps);
  return evaluateChecks(lab, await readResults(lab, engine, ctx), { target: engine.target, answers, metrics });
}
