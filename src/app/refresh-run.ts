import { isLabsError, type LabsError } from '../core/errors.js';
import type { Lab } from '../core/lab/lab-schema.js';
import { runState, type RunRecord } from '../core/run/run-record.js';
import type { Engine } from '../engines/engine.js';
import type { RunStore } from './run-store.js';
import { runChecks } from './start.js';
import { watchRun } from './watch-run.js';

/** True for a run whose steps were queued (`labs start --target emr --no-wait`) and may have moved on since. */
export const isQueuedRun = (run: RunRecord) => run.state === 'RUNNING' && run.target !== 'local' && run.steps.some((s) => s.emr);

/**
 * A queued run brought up to date and saved: its steps as the engine sees them now, then its checks once every step
 * has completed, exactly as a waiting `labs start` would have ended it.
 */
export async function refreshRun(run: RunRecord, lab: Lab, engine: Engine, store: RunStore, now: () => Date = () => new Date()): Promise<RunRecord> {
  if (run.state !== 'RUNNING' || !engine.lookStep) return run;
  const ctx = { lab, runId: run.runId, student: run.student, dir: run.dir };
  run.steps = await watchRun(engine, ctx, run.steps, { mode: 'look' });
  if (run.steps.every((s) => s.state === 'COMPLETED')) run.checks = await runChecks(lab, engine, ctx, undefined, run.steps);
  run.state = runState(run.steps, run.checks);
  if (run.state !== 'RUNNING') run.endedAt = now().toISOString();
  store.save(run);
  return run;
}

/**
 * Every queued run refreshed, with one engine per student and target (EMR, the sandbox). The first AWS problem (no credentials, throttling) stops
 * the refresh and is returned: the runs then show as last stored, which still beats no status at all.
 */
export async function refreshQueuedRuns(runs: RunRecord[], labOf: (id: string) => Lab, engineFor: (student: string, target: RunRecord['target']) => Engine, store: RunStore): Promise<LabsError | undefined> {
  const engines = new Map<string, Engine>();
  try {
    for (const run of runs.filter(isQueuedRun)) {
      const key = `${run.target}/${run.student}`;
      let engine = engines.get(key);
      if (!engine) engines.set(key, (engine = engineFor(run.student, run.target)));
      await refreshRun(run, labOf(run.lab), engine, store);
    }
    return undefined;
  } catch (e) {
    if (isLabsError(e)) return e;
    throw e;
  } finally {
    for (const engine of engines.values()) await engine.dispose?.();
  }
}
