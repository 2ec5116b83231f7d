// `npm run bench`: every speed and memory target of the project, as ratios against a baseline measured in the
// same run. Exits 1 when a target is missed, so it can gate a release; it is not part of the test suite.
import { coldStart } from './cold-start.mjs';
import { dashboardBench } from './dashboard.mjs';
import { cohortBench } from './cohort.mjs';
import { callsOf as n, emrStartBench } from './emr-start.mjs';
import { SANDBOX_BUDGET_MB, sandboxBench } from './sandbox.mjs';

const targets = [];
const report = (name, value, limit, detail) => {
  const ok = value <= limit;
  targets.push(ok);
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name.padEnd(34)} ${value.toFixed(2)}x  (target <= ${limit}x)  ${detail}`);
};

console.log('cold start (median of interleaved runs, vs `node -e 0`)');
const cold = coldStart(Number(process.env.BENCH_RUNS ?? 15));
const base = cold.find((c) => c.name === 'baseline');
for (const c of cold.filter((c) => c.name !== 'baseline')) {
  const limit = c.name === 'labs list' ? 2.5 : 3;
  report(c.name, c.ratio, limit, `${c.medianMs.toFixed(0)} ms vs ${base.medianMs.toFixed(0)} ms, ${c.runs} runs`);
}

console.log('\ndashboard: API calls per refresh (worst of 4 refreshes, all clusters RUNNING) vs one call per metric');
const dash = await dashboardBench(Number(process.env.BENCH_RUNS ?? 15));
const callLimits = { 1: 0.7, 50: 0.1, 200: 0.05 };
for (const c of dash.calls) {
  report(`${c.n} cluster${c.n === 1 ? '' : 's'}: calls per refresh`, c.worst / c.naive, callLimits[c.n], `${c.worst} calls (steady ${c.steady}) vs ${c.naive} naive`);
  report(`${c.n} cluster${c.n === 1 ? '' : 's'}: EMR buckets at ${c.interval}s refresh`, c.fitSeconds / c.interval, 1, `the worst refresh fits a ${c.fitSeconds}s interval (set by ${c.fitOperation ?? 'none'}) vs the ${c.interval}s default`);
}
console.log('\ndashboard: drawing a 200-row cohort frame (median, vs an empty cohort frame)');
report('200-row frame', dash.render.ratio, 80, `${dash.render.fullMs.toFixed(0)} ms vs ${dash.render.baseMs.toFixed(0)} ms, ${dash.render.runs} runs`);

console.log('\nlabs start --target emr: a warm start (cluster up, artifacts unchanged) vs the cold start before it, 4-step lab');
const emr = await emrStartBench();
const { warm } = emr;
const first = emr.cold;
// Step polling and result reads are the same on both; what a warm start saves is everything before the steps queue.
const setup = (c) => c.total - n(c, 'DescribeStep') - n(c, 'GetObject');
report('warm vs cold: calls to queue steps', setup(warm) / setup(first), 0.5, `${setup(warm)} calls vs ${setup(first)} (no bucket set-up, no RunJobFlow, no cluster wait)`);
report('warm vs cold: uploads (PutObject)', n(warm, 'PutObject') / Math.max(1, n(first, 'PutObject')), 0, `${n(warm, 'PutObject')} vs ${n(first, 'PutObject')}`);
report('AddJobFlowSteps vs one per step', n(warm, 'AddJobFlowSteps') / emr.steps, 0.25, `${n(warm, 'AddJobFlowSteps')} call for ${emr.steps} steps`);
report('DescribeStep per step vs minimum', emr.describeStepPerStep / emr.minimumDescribes, 1.5, `${emr.describeStepPerStep} per step vs ${emr.minimumDescribes} state changes a waiter must see`);

console.log('\nlabs cohort: a class of 200 against EMR\'s token buckets (fake EMR, simulated time)');
const cohort = await cohortBench(200);
const phase = (name, p) => {
  report(`${name}: wall vs bucket minimum`, p.seconds / p.minimum, 1.2, `${p.seconds.toFixed(0)} s vs ${p.minimum.toFixed(0)} s; ${p.failed} failed, ${p.throttled} throttled, ${p.duplicates} duplicates`);
  report(`${name}: failed + throttled + duplicates`, p.failed + p.throttled + p.duplicates, 0, 'must be none');
  console.log(`      ${name}: ${cohort.perStudent(p).toFixed(2)} EMR calls per student (${Object.entries(p.calls).map(([k, v]) => `${k} ${v}`).join(', ')})`);
};
phase('cohort up', cohort.up);
phase('cohort run', cohort.run);
const nv = cohort.naive;
console.log(`      naive all-at-once up: ${nv.seconds.toFixed(0)} s (${(nv.seconds / nv.minimum).toFixed(2)}x the minimum), ${200 - nv.failed} of 200 made, ${nv.failed} failed, ${nv.throttled} throttled answers, ${(Object.values(nv.calls).reduce((a, b) => a + b, 0) / 200).toFixed(2)} calls per student`);
report('cohort up: clusters made, naive vs paced', (200 - nv.failed) / Math.max(1, 200 - cohort.up.failed), 1, `${200 - nv.failed} vs ${200 - cohort.up.failed} made: pacing never makes fewer`);

if (process.env.BENCH_SANDBOX !== '0') {
  console.log('\nthe EMR sandbox: day2-joins end to end through the CLI, on local[*] then on the sandbox (YARN, cluster deploy mode)');
  const sb = await sandboxBench();
  report('sandbox up vs day2-joins on local', sb.upSeconds / sb.localSeconds, 1.5, `${sb.upSeconds.toFixed(0)} s to WAITING vs ${sb.localSeconds.toFixed(0)} s for the local run`);
  report('day2-joins: sandbox vs local[*]', sb.sandboxSeconds / sb.localSeconds, 2, `${sb.sandboxSeconds.toFixed(0)} s vs ${sb.localSeconds.toFixed(0)} s`);
  report('sandbox peak memory vs 8 GiB', sb.peakMb / SANDBOX_BUDGET_MB, 1, `${sb.peakMb.toFixed(0)} MB resident at the peak (server, YARN/HDFS, History Server, containers)`);
}

process.exitCode = targets.every(Boolean) ? 0 : 1;
