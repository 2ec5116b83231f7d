// A class of 200 at EMR's rate limits, in simulated time on the fake EMR's token buckets: wall time of cohort up and
// run against the bucket minimum (RunJobFlow / AddJobFlowSteps: 10 at once, then 0.5/s: 380 s for 200), against
// the naive all-at-once (no pacing, the SDK's backoff), and EMR calls per student.
import { loadEntry } from './bundle.mjs';

export async function cohortBench(n = 200) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const e = await loadEntry('cohort-entry.ts');
  const { up, run } = await e.paced(n);
  const naive = await e.naive(n);
  return { n, up, run, naive, perStudent: (p) => e.emrTotal(p.calls) / n };
}
