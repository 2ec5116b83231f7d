import type { Answers } from '../core/lab/checks.js';
import { InputError } from '../core/errors.js';
import type { Lab } from '../core/lab/lab-schema.js';
import { runState, type RunRecord } from '../core/run/run-record.js';
import type { Engine } from '../engines/engine.js';
import { isQueuedRun, refreshRun } from './refresh-run.js';
import type { RunStore } from './run-store.js';
import { runChecks } from './start.js';
import { exerciseLab } from '../core/lab/exercise.js';

/**
 * Re-evaluate a lab's checks on its latest run (e.g. after the lab.yaml's checks changed) and save them.
 * `answers` (from --answer) grades the lab's answer checks; without it they stay pending.
 */
export async function checkLatest(lab: Lab, engine: Engine, store: RunStore, answers?: Answers): Promise<RunRecord> {
  const run = store.latest(lab.id);
  if (!run) throw new InputError(`${lab.id} has no run yet`, `run it first: labs start ${lab.id}`);
  if (isQueuedRun(run)) {
    // queued with --no-wait: ask EMR first; a run that just ended had its checks evaluated by the refresh
    await refreshRun(run, lab, engine, store);
    if (run.state !== 'RUNNING' && !answers) return run;
  }
  if (run.state === 'RUNNING') throw new InputError(`${lab.id} is still running (run ${run.runId})`, 'wait for it to finish; `labs status` shows where it is');
  // an exercise run ran only the exercise's steps: grade only their checks
  const graded = run.exercise ? exerciseLab(lab) : lab;
  run.checks = await runChecks(graded, engine, { lab: graded, runId: run.runId, student: run.student, dir: run.dir }, answers, run.steps);
  run.state = runState(run.steps, run.checks);
  store.save(run);
  return run;
}
