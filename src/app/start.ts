import { evaluateChecks, type Answers } from '../core/checks.js';
import type { Config } from '../core/config.js';
import { InputError } from '../core/errors.js';
import type { Lab } from '../core/lab-schema.js';
import { newRunId, runState, type RunListener, type RunRecord } from '../core/run-record.js';
import type { Engine, RunContext } from '../engines/engine.js';
import type { RunStore } from './run-store.js';

export interface StartOptions {
  lab: Lab;
  config: Config;
  engine: Engine;
  store: RunStore;
  onEvent: RunListener;
  signal: AbortSignal;
  eventLogDir?: string;
  now?: () => Date;
  /** false: queue the steps and return (`--no-wait`; only an engine with submitRun, i.e. EMR, can) */
  wait?: boolean;
  /** the student's exercise workspace when `lab` runs their files (the record says so; grading reads it) */
  exercise?: string | undefined;
}

/**
 * Run a lab: prepare the engine, run its steps in order (stopping at the first that does not complete),
 * then evaluate its checks on the steps' result.json. The run record is saved after every change.
 */
export async function startLab(opts: StartOptions): Promise<RunRecord> {
  const { lab, engine, store, onEvent, signal } = opts;
  const now = opts.now ?? (() => new Date());
  if (opts.wait === false && !engine.submitRun) {
    throw new InputError('--no-wait is for --target emr: on this machine the steps run inside the command', 'drop --no-wait, or add --target emr');
  }
  await engine.prepare(onEvent, signal, lab);

  const runId = newRunId(now());
  const ctx: RunContext = { lab, runId, student: opts.config.student, dir: engine.runDir(lab, runId) };
  const run: RunRecord = {
    lab: lab.id,
    runId,
    target: engine.target,
    student: opts.config.student,
    state: 'RUNNING',
    startedAt: now().toISOString(),
    dir: ctx.dir,
    steps: lab.steps.map((s) => ({ name: s.name, state: 'PENDING', argv: [], out: '' })),
    eventLogDir: opts.eventLogDir,
    ...(opts.exercise ? { exercise: opts.exercise } : {}),
  };
  store.save(run);
  onEvent({ type: 'run-start', run: structuredClone(run) });

  try {
    if (opts.wait === false) {
      run.steps = await engine.submitRun!(ctx, onEvent, signal);
      store.save(run);
      return structuredClone(run);
    }
    for (const [i, step] of lab.steps.entries()) {
      if (signal.aborted) {
        for (const left of run.steps.slice(i)) left.state = 'CANCELLED';
        break;
      }
      const record = await engine.runStep(ctx, step, onEvent, signal);
      run.steps[i] = record;
      store.save(run);
      if (record.state !== 'COMPLETED') {
        // the steps after it need its output: they do not run (EMR cancels them too)
        for (const later of run.steps.slice(i + 1)) later.state = 'CANCELLED';
        break;
      }
    }
    if (run.steps.every((s) => s.state === 'COMPLETED')) {
      run.checks = await runChecks(lab, engine, ctx);
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

export async function runChecks(lab: Lab, engine: Engine, ctx: RunContext, answers?: Answers) {
  return evaluateChecks(lab, await readResults(lab, engine, ctx), answers);
}
