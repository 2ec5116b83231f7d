import { afterEach, describe, expect, it } from 'vitest';
import { emrSource } from '../../../src/app/dashboard-emr-source.js';
import { localSource } from '../../../src/app/dashboard-local-source.js';
import { poll, refreshIntervalMs, refreshOnce } from '../../../src/app/dashboard-feed.js';
import { initialDashboardState, reduceDashboard, type DashboardEvent, type DashboardState } from '../../../src/core/dashboard/state.js';
import { cohortRows, studentPanel } from '../../../src/core/dashboard/views.js';
import { localRun } from './fixtures.js';
import { COHORT, COURSE, fakeCohort, naiveCalls, type FakeCohort } from '../../helpers/fake-cohort.js';

let fake: FakeCohort | undefined;
afterEach(() => fake?.aws.restore());

function collector(mode: 'cohort' | 'student', target: 'emr' | 'local' = 'emr') {
  let state: DashboardState = initialDashboardState({ mode, target, label: 'x', now: Date.now() });
  const events: DashboardEvent[] = [];
  return { emit: (e: DashboardEvent) => (events.push(e), (state = reduceDashboard(state, e))), state: () => state, events };
}

describe('EMR dashboard feed: a fixed API budget per refresh', () => {
  it('student view: the first refresh reads the cluster details once, later ones cost 3 calls', async () => {
    fake = fakeCohort(1);
    const source = emrSource({ clients: fake.aws.clients, course: COURSE, student: 'student-000' });
    const c = collector('student');
    await refreshOnce(source, c.emit);
    expect(fake.callsByOperation()).toEqual({ GetResources: 1, ListClusters: 1, ListSteps: 1, ListInstanceGroups: 1, GetAutoTerminationPolicy: 1, GetMetricData: 1 });
    expect(c.events.at(-1)).toMatchObject({ type: 'refresh-end', calls: 6 });
    const panel = studentPanel(c.state());
    expect(Object.fromEntries(panel.facts)).toMatchObject({ state: 'WAITING', shape: 'primary 1x m5.xlarge, core 2x m5.xlarge' });
    expect(panel.metrics.find((m) => m.key === 'AppsRunning')).toMatchObject({ values: [2], current: '2' });
    fake.reset();
    await refreshOnce(source, c.emit);
    expect(fake.callsByOperation()).toEqual({ GetResources: 1, ListClusters: 1, GetMetricData: 1 });
  });

  it.each([
    [1, 3, 1],
    [50, 3, 1],
    [200, 7, 1],
  ])('cohort of %i: at most %i + the detail budget calls a refresh, %i GetMetricData call(s), far below the naive count', async (n, fixed, metricCalls) => {
    fake = fakeCohort(n, { state: 'RUNNING' });
    const source = emrSource({ clients: fake.aws.clients, course: COURSE, cohort: COHORT, detailBudget: 10 });
    const c = collector('cohort');
    const perRefresh: number[] = [];
    for (let i = 0; i < 4; i++) {
      fake.reset();
      await refreshOnce(source, c.emit);
      expect(fake.callsByOperation().GetMetricData).toBe(metricCalls);
      perRefresh.push(fake.total());
    }
    expect(c.state().refresh.error).toBeUndefined();
    expect(Math.max(...perRefresh)).toBeLessThanOrEqual(fixed + 10);
    expect(Math.max(...perRefresh)).toBeLessThan(naiveCalls(n) + (n === 1 ? 1 : 0));
    const { rows, totals } = cohortRows(c.state());
    expect(totals.students).toBe(n);
    expect(rows[0]).toMatchObject({ student: 'student-000', state: 'RUNNING', lab: 'day2-joins' });
  });

  it('the metrics of the cluster whose details are open are read in full, in one more call', async () => {
    fake = fakeCohort(50);
    const source = emrSource({ clients: fake.aws.clients, course: COURSE, cohort: COHORT, focus: () => fake!.ids[3] });
    const c = collector('cohort');
    await refreshOnce(source, c.emit);
    expect(fake.callsByOperation().GetMetricData).toBe(2);
    const opened = c.state().clusters[fake.ids[3]!]!;
    expect(Object.keys(opened.latest).sort()).toEqual(['AppsPending', 'AppsRunning', 'ContainerPending', 'CoreNodesRunning', 'HDFSUtilization', 'IsIdle', 'YARNMemoryAvailablePercentage']);
    expect(Object.keys(c.state().clusters[fake.ids[4]!]!.latest).sort()).toEqual(['AppsRunning', 'IsIdle']);
  });

  it('finds clusters the tagging index does not list yet through their tags, once each', async () => {
    fake = fakeCohort(3);
    fake.aws.stubs.tagging.reset();
    fake.aws.stubs.tagging.resolves({ ResourceTagMappingList: [] });
    const source = emrSource({ clients: fake.aws.clients, course: COURSE, cohort: COHORT });
    const c = collector('cohort');
    await refreshOnce(source, c.emit);
    expect(fake.callsByOperation().DescribeCluster).toBe(3);
    expect(cohortRows(c.state()).rows.map((r) => r.student)).toEqual(['student-000', 'student-001', 'student-002']);
    fake.reset();
    await refreshOnce(source, c.emit);
    expect(fake.callsByOperation().DescribeCluster).toBeUndefined();
  });

  it("200 clusters stay inside EMR's buckets at the refresh rate: each operation within its refill, a faster interval is slowed and said", async () => {
    fake = fakeCohort(200, { state: 'RUNNING' });
    const emrOps = (from: number) => fake!.aws.calls().slice(from).filter((c) => c.service === 'emr').reduce<Record<string, number>>((a, c) => ({ ...a, [c.operation]: (a[c.operation] ?? 0) + 1 }), {});
    const at30 = emrSource({ clients: fake.aws.clients, course: COURSE, cohort: COHORT, intervalSeconds: 30 });
    const c = collector('cohort');
    for (let i = 0; i < 3; i++) {
      const from = fake.aws.calls().length;
      await refreshOnce(at30, c.emit);
      const ops = emrOps(from);
      // ListClusters 0.5/s, ListSteps 0.5/s, DescribeCluster 1/s: at most what 30 s refill
      expect(ops.ListClusters).toBe(4);
      expect(ops.ListSteps ?? 0).toBeLessThanOrEqual(15);
      expect(ops.DescribeCluster ?? 0).toBeLessThanOrEqual(30);
    }
    expect(c.state().refresh.note).toBeUndefined();
    expect(at30.minIntervalMs!()).toBe(0);

    const at5 = emrSource({ clients: fake.aws.clients, course: COURSE, cohort: COHORT, intervalSeconds: 5 });
    const d = collector('cohort');
    const from = fake.aws.calls().length;
    await refreshOnce(at5, d.emit);
    // 4 pages of ListClusters need 8 s of its bucket's refill: the next refresh waits that long, and the screen says so
    expect(at5.minIntervalMs!()).toBeGreaterThanOrEqual(8000);
    expect(d.state().refresh.note).toMatch(/^refreshing every \d+s, not 5s: \d+ \w+ calls a refresh, and EMR refills 0\.5\/s$/);
    expect(emrOps(from).ListSteps ?? 0).toBeLessThanOrEqual(2);
  });

  it('a failed refresh is an event with the cause and hint; the data already shown stays', async () => {
    fake = fakeCohort(2);
    const source = emrSource({ clients: fake.aws.clients, course: COURSE, cohort: COHORT });
    const c = collector('cohort');
    await refreshOnce(source, c.emit);
    fake.aws.stubs.emr.on((await import('@aws-sdk/client-emr')).ListClustersCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
    await refreshOnce(source, c.emit);
    expect(c.state().refresh.error?.message).toMatch(/access denied/);
    expect(c.state().refresh.error?.hint).toMatch(/iam-policy/);
    expect(cohortRows(c.state()).rows).toHaveLength(2);
  });
});

describe('local dashboard feed', () => {
  const run = localRun({ startedAt: new Date().toISOString(), steps: [{ name: 'joins', state: 'RUNNING', argv: [], out: '', uiUrl: 'http://127.0.0.1:4040' }] });

  it('reads jobs, stages and executors from the running step\'s Spark UI', async () => {
    const urls: string[] = [];
    const rest: Record<string, unknown> = {
      '/api/v1/applications': [{ id: 'local-1' }],
      '/api/v1/applications/local-1/jobs': [{ status: 'RUNNING' }, { status: 'SUCCEEDED' }],
      '/api/v1/applications/local-1/stages': [{ stageId: 2, name: 'join at x.py:9', status: 'ACTIVE', numTasks: 10, numActiveTasks: 2, numCompleteTasks: 5, shuffleWriteBytes: 1024, memoryBytesSpilled: 4096 }],
      '/api/v1/applications/local-1/executors': [{ id: 'driver', isActive: true, memoryUsed: 100 }],
    };
    const source = localSource({ runs: () => [run], fetchJson: async (url) => (urls.push(url), rest[new URL(url).pathname]) });
    const c = collector('student', 'local');
    await refreshOnce(source, c.emit);
    expect(urls).toHaveLength(4);
    expect(c.state().local.spark).toMatchObject({ appId: 'local-1', jobsRunning: 1, jobsCompleted: 1, tasksActive: 2, shuffleWriteBytes: 1024, spillMemoryBytes: 4096, executors: 1 });
    expect(c.events.at(-1)).toMatchObject({ type: 'refresh-end', calls: 4 });
  });

  it('makes no REST call when nothing runs', async () => {
    const source = localSource({ runs: () => [{ ...run, state: 'COMPLETED', steps: [{ ...run.steps[0]!, state: 'COMPLETED' }] }], fetchJson: async () => expect.fail('no call expected') });
    const c = collector('student', 'local');
    await refreshOnce(source, c.emit);
    expect(c.events.at(-1)).toMatchObject({ type: 'refresh-end', calls: 0 });
  });
});

describe('refresh interval and poller', () => {
  it('defaults per target and raises a too-short interval to the floor', () => {
    expect(refreshIntervalMs('emr')).toEqual({ ms: 30_000, raised: false });
    expect(refreshIntervalMs('emr', '1')).toEqual({ ms: 5_000, raised: true });
    expect(refreshIntervalMs('local', 0.2)).toEqual({ ms: 1_000, raised: true });
    expect(refreshIntervalMs('local', '3')).toEqual({ ms: 3_000, raised: false });
    expect(() => refreshIntervalMs('emr', 'soon')).toThrow(/--interval must be a number/);
  });

  it('polls until aborted, waiting between refreshes', async () => {
    const controller = new AbortController();
    let n = 0;
    const source = { refresh: async () => (++n === 3 && controller.abort(), 0) };
    await poll(source, () => {}, { intervalMs: 5, signal: controller.signal });
    expect(n).toBe(3);
  });
});
