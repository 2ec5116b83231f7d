// `labs start --target emr` costs, as ratios measured in the same run: a warm start (the student's cluster is up and
// nothing changed) against the cold start before it, and the step polling against what a waiter must at least see.
import { loadEntry } from './bundle.mjs';

/** How many calls of one operation a start made. */
export const callsOf = (start, op) => start.byOp[op] ?? 0;

export async function emrStartBench() {
  const e = await loadEntry('emr-start-entry.ts');
  const { cold, warm, steps, statesPerStep } = await e.coldThenWarm();
  const n = callsOf;
  return {
    cold,
    warm,
    steps,
    // each step: the waiter's Describe calls until it sees the end, plus one to read the final state
    describeStepPerStep: n(warm, 'DescribeStep') / steps,
    minimumDescribes: statesPerStep,
  };
}
