// A class of n on the fake EMR with EMR's token buckets, on a simulated clock: the flows test and `npm run bench`
// both drive it. Time is @sinonjs/fake-timers' (Date, setTimeout, setInterval), so bottleneck's refills, the SDK-free
// sleeps and the fake's buckets all see the same clock, and 380 s pass in a moment.
import FakeTimers from '@sinonjs/fake-timers';
import { cohortClusters, cohortDown, cohortGrade, cohortRun, cohortUp, studentEngine } from '../../src/app/emr/cohort.js';
import { pacerOf } from '../../src/aws/emr-pacing.js';
import type { CohortProgress } from '../../src/core/cohort-progress.js';
import type { Config } from '../../src/core/config.js';
import { TAG, tagValue } from '../../src/core/emr/tags.js';
import { connect, type EmrContext } from '../../src/aws/session.js';
import { emrConfig, joinsLab, tempProject } from '../flows/emr-project.js';
import { FakeAws, type FakeOptions } from './fake-aws.js';

export type Clock = FakeTimers.InstalledClock;

export function installClock(): Clock {
  return FakeTimers.install({ now: Date.parse('2026-12-01T09:00:00Z'), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'], shouldClearNativeTimers: true });
}

/** Runs `work` while simulated time passes in `stepMs` steps; its result and the simulated seconds it took. */
export async function simulated<T>(clock: Clock, work: () => Promise<T>, stepMs = 100): Promise<{ value: T; seconds: number }> {
  const t0 = Date.now();
  let settled = false;
  const p = work();
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  while (!settled) await clock.tickAsync(stepMs);
  return { value: await p, seconds: (Date.now() - t0) / 1000 };
}

export interface ClassOf {
  fake: FakeAws;
  ctx: EmrContext;
  config: Config;
  project: { root: string; home: string };
  students: { student: string }[];
}

export async function classOf(n: number, fake: FakeOptions = {}, config: Record<string, unknown> = {}): Promise<ClassOf> {
  const f = new FakeAws({ rateLimits: true, stepOutcome: () => ({ state: 'COMPLETED', result: { plan: 'BroadcastHashJoin' } }), ...fake });
  const cfg = emrConfig({ student: 'instructor', emr: { cohortMaxClusters: Math.max(n, 1), cohortMaxHourlyUsd: 1000 }, ...config });
  const ctx = await connect(cfg, { clients: f.clients });
  const students = Array.from({ length: n }, (_, i) => ({ student: `s${String(i).padStart(3, '0')}` }));
  return { fake: f, ctx, config: cfg, project: tempProject(), students };
}

export const COHORT = 'fall-27';

export function up(c: ClassOf, o: { concurrency?: number; signal?: AbortSignal; onProgress?: (p: CohortProgress) => void; lookupDelaysMs?: number[] } = {}) {
  return cohortUp(c.ctx, c.config, c.students, { cohort: COHORT, concurrency: o.concurrency ?? 8, fleets: false, now: new Date(), onMessage: () => {}, onProgress: o.onProgress, signal: o.signal, create: o.lookupDelaysMs ? { lookupDelaysMs: o.lookupDelaysMs } : {} });
}

export function engineOptions(c: ClassOf) {
  return { labsHome: c.project.home, cohort: COHORT, projectRoot: c.project.root, cacheDir: c.project.home, clients: c.ctx.clients };
}

export function run(c: ClassOf, o: { concurrency?: number; onProgress?: (p: CohortProgress) => void } = {}) {
  return cohortRun(c.config, joinsLab(), c.students.map((s) => s.student), { ...engineOptions(c), ctx: c.ctx, concurrency: o.concurrency ?? 8, onMessage: () => {}, onProgress: o.onProgress, fleets: false });
}

export function grade(c: ClassOf, o: { concurrency?: number } = {}) {
  return cohortGrade(joinsLab(), c.students.map((s) => s.student), { labsHome: c.project.home, cohort: COHORT, concurrency: o.concurrency ?? 8, engineFor: (student) => studentEngine(c.config, student, engineOptions(c)) });
}

export async function down(c: ClassOf) {
  const live = await cohortClusters(c.ctx, c.config, COHORT);
  return cohortDown(c.ctx, c.config, live.map((x) => x.Id!));
}

/** Live clusters per student key: more than one for a key is a duplicate. */
export function duplicates(fake: FakeAws): number {
  const keys = fake.activeClusters().map((x) => tagValue(x.input.Tags, TAG.idempotencyKey));
  return keys.length - new Set(keys).size;
}

/** EMR calls by operation, as the fake received them (from the `from`-th call of any service on). */
export function callsByOperation(fake: FakeAws, from = 0): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of fake.mock.calls().slice(from).filter((x) => x.service === 'emr')) out[c.operation] = (out[c.operation] ?? 0) + 1;
  return out;
}

export const throttledTotal = (fake: FakeAws) => [...fake.throttled.values()].reduce((a, b) => a + b, 0);

export const pacingStats = (c: ClassOf) => pacerOf(c.ctx.clients.emr)?.stats;
