// Dashboard costs, as ratios measured in the same run: API calls per refresh against the naive one-call-per-metric
// reading (DescribeCluster + ListSteps + one GetMetricStatistics per metric, per cluster), and the time to draw a
// 200-row cohort frame against an empty one.
import { loadEntry } from './bundle.mjs';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function dashboardBench(runs = 15) {
  process.env.NO_COLOR = '1';
  process.env.FORCE_COLOR = '0';
  const d = await loadEntry('dashboard-entry.tsx');
  const calls = [];
  let big;
  for (const n of [1, 50, 200]) {
    const { perRefresh, naive, state, fitSeconds, fitOperation } = await d.callsPerRefresh(n);
    calls.push({ n, worst: Math.max(...perRefresh), steady: perRefresh.at(-1), naive, fitSeconds, fitOperation, interval: d.defaultInterval });
    if (n === 200) big = state;
  }
  // Tall enough that all 200 rows are drawn.
  const size = { columns: 140, rows: 220 };
  const empty = d.emptyCohort();
  d.frameMs(big, size.columns, size.rows); // warm up
  d.frameMs(empty, size.columns, size.rows);
  const full = [];
  const base = [];
  for (let i = 0; i < runs; i++) {
    base.push(d.frameMs(empty, size.columns, size.rows));
    full.push(d.frameMs(big, size.columns, size.rows));
  }
  return { calls, render: { fullMs: median(full), baseMs: median(base), ratio: median(full) / median(base), runs } };
}
