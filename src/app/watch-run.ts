import type { RunListener, StepRecord, StepState } from '../core/run/run-record.js';
import type { Engine, RunContext, StepOutcome } from '../engines/engine.js';
import type { RunPlan } from '../core/run/run-plan.js';

const LIVE: StepState[] = ['PENDING', 'RUNNING'];
export const isLive = (s: StepRecord) => LIVE.includes(s.state);

/**
 * The run's steps in order, each seen to its end (`wait`) or looked at once (`look`: a queued run refreshed). A step
 * that does not complete ends the run: the later steps need its output, so whatever of them is still queued is
 * cancelled, here and nowhere else (EMR would cancel them itself after CANCEL_AND_WAIT, but not on a cluster that
 * runs steps side by side). `onChange` sees the steps after every change (the caller saves the run record).
 */
export async function watchRun(
  engine: Engine,
  run: RunContext,
  steps: readonly StepRecord[],
  how: { mode: 'wait'; plan: RunPlan; onEvent: RunListener; signal: AbortSignal } | { mode: 'look' },
  onChange: (steps: StepRecord[]) => void = () => {},
): Promise<StepRecord[]> {
  const out = steps.map((s) => ({ ...s }));
  for (const [i, prev] of out.entries()) {
    if (!isLive(prev)) continue;
    let seen: StepOutcome;
    if (how.mode === 'wait') {
      if (how.signal.aborted) {
        await endRest(engine, run, out, i, []);
        break;
      }
      seen = await engine.awaitStep(how.plan, prev, how.onEvent, how.signal);
    } else {
      if (!engine.lookStep) return out;
      seen = await engine.lookStep(run, prev);
    }
    out[i] = seen.record;
    onChange(out);
    if (!isLive(seen.record) && seen.record.state !== 'COMPLETED') {
      await endRest(engine, run, out, i + 1, seen.stillLive ? [seen.record] : []);
      onChange(out);
      break;
    }
  }
  return out;
}

/** Cancel the steps from `from` on that are still queued (and `also`, a step that ended here but not where it ran). */
async function endRest(engine: Engine, run: RunContext, steps: StepRecord[], from: number, also: StepRecord[]): Promise<void> {
  const rest = steps.slice(from).filter(isLive);
  if (rest.length || also.length) await engine.cancel(run, [...also, ...rest]);
  for (const s of rest) s.state = 'CANCELLED';
}
