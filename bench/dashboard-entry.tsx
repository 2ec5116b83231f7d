// Bundled by bench/dashboard.mjs (esbuild) so the bench can drive the TypeScript sources without a build of its own.
import { EventEmitter } from 'node:events';
import { render } from 'ink';
import { emrSource } from '../src/app/dashboard-emr-source.js';
import { refreshOnce, REFRESH_SECONDS } from '../src/app/dashboard-feed.js';
import { DEFAULT_EMR_QUOTAS, sustainableInterval } from '../src/core/emr-quotas.js';
import { initialDashboardState, reduceDashboard, type DashboardState } from '../src/core/dashboard/state.js';
import { Dashboard } from '../src/ui/Dashboard.js';
import { createStore } from '../src/ui/store.js';
import { COHORT, COURSE, fakeCohort, naiveCalls } from '../test/helpers/fake-cohort.js';

/**
 * API calls of each of `refreshes` refreshes of a cohort of n clusters (all RUNNING: the costliest case), and the
 * shortest interval at which the worst refresh's EMR calls stay within every bucket's refill (and the account's).
 */
export async function callsPerRefresh(n: number, refreshes = 4): Promise<{ perRefresh: number[]; naive: number; state: DashboardState; fitSeconds: number; fitOperation?: string | undefined }> {
  const fake = fakeCohort(n, { state: 'RUNNING' });
  let state = initialDashboardState({ mode: 'cohort', target: 'emr', label: COHORT, now: Date.now() });
  const source = emrSource({ clients: fake.aws.clients, course: COURSE, cohort: COHORT, intervalSeconds: REFRESH_SECONDS.emr.default });
  const perRefresh: number[] = [];
  let fit: { seconds: number; operation?: string | undefined } = { seconds: 0 };
  for (let i = 0; i < refreshes; i++) {
    const from = fake.aws.calls().length;
    fake.reset();
    await refreshOnce(source, (e) => (state = reduceDashboard(state, e)));
    perRefresh.push(fake.total());
    const emrCalls: Record<string, number> = {};
    for (const c of fake.aws.calls().slice(from).filter((x) => x.service === 'emr')) emrCalls[c.operation] = (emrCalls[c.operation] ?? 0) + 1;
    const f = sustainableInterval(DEFAULT_EMR_QUOTAS, emrCalls);
    if (f.seconds > fit.seconds) fit = f;
  }
  fake.aws.restore();
  return { perRefresh, naive: naiveCalls(n), state, fitSeconds: fit.seconds, fitOperation: fit.operation };
}

/** ms to lay out and write one frame of this state on a terminal of the given size. */
export function frameMs(state: DashboardState, columns: number, rows: number): number {
  const stdout = Object.assign(new EventEmitter(), { columns, rows, write: () => true });
  const store = createStore(reduceDashboard, state);
  const t0 = performance.now();
  const app = render(<Dashboard store={store} interactive={false} size={{ columns, rows }} />, { stdout: stdout as never, debug: true, patchConsole: false, exitOnCtrlC: false });
  app.unmount();
  return performance.now() - t0;
}

export const emptyCohort = () => initialDashboardState({ mode: 'cohort', target: 'emr', label: COHORT, now: Date.now() });

export const defaultInterval = REFRESH_SECONDS.emr.default;
