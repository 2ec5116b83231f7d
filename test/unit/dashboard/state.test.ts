import { describe, expect, it } from 'vitest';
import { costBetween, hourlyCost } from '../../../src/core/dashboard/cost.js';
import { formatDuration, formatUsd } from '../../../src/core/dashboard/format.js';
import { reduceDashboard } from '../../../src/core/dashboard/state.js';
import { clusterPanel, cohortRows, idleSecondsLeft, localPanel, openStep, selectableKeys, selectedKey, studentPanel } from '../../../src/core/dashboard/views.js';
import { sparkline } from '../../../src/core/dashboard/sparkline.js';
import { summarizeSpark } from '../../../src/core/run/spark-metrics.js';
import { cluster, localRun, min, SMALL, stateAfter, step, T0 } from './fixtures.js';

describe('sparkline', () => {
  it('scales from 0 to the maximum, one bar per value, last `width` values', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([0, 7, 7], 2)).toBe('██');
    expect(sparkline([50, 100], undefined, { min: 0, max: 100 })).toBe('▅█');
    expect(sparkline([0, 0])).toBe('▁▁');
    expect(sparkline([])).toBe('');
  });
});

describe('cost model', () => {
  it('prices instance-hours from the table, and says unknown for types outside it', () => {
    expect(hourlyCost(SMALL)).toBeCloseTo(3 * 0.24);
    expect(costBetween(SMALL, T0, T0 + min(120))).toBeCloseTo(1.44);
    expect(hourlyCost([{ role: 'core', type: 'x9.huge', count: 1 }])).toBeUndefined();
    expect(formatUsd(1.44)).toBe('~$1.44');
    expect(formatDuration(3725)).toBe('1h02m');
  });
});

describe('dashboard reducer', () => {
  it('keeps the last N values of each metric per cluster, and what it learnt across cluster refreshes', () => {
    let s = stateAfter([{ type: 'clusters', at: T0, clusters: [cluster('j-A', 'ana')] }]);
    s = { ...s, historyLength: 3 };
    for (const v of [1, 2, 3, 4]) s = reduceDashboard(s, { type: 'metrics', at: T0, values: { 'j-A': { AppsRunning: v }, 'j-GONE': { AppsRunning: 9 } } });
    expect(s.clusters['j-A']!.history.AppsRunning).toEqual([2, 3, 4]);
    expect(s.clusters['j-A']!.latest.AppsRunning).toBe(4);
    s = reduceDashboard(s, { type: 'clusters', at: T0 + 1, clusters: [cluster('j-A', 'ana', { state: 'RUNNING' })] });
    expect(s.clusters['j-A']).toMatchObject({ state: 'RUNNING', history: { AppsRunning: [2, 3, 4] } });
    expect(s.clusters['j-GONE']).toBeUndefined();
  });

  it('counts the idle time down from the last step end, against the cluster auto-termination timeout', () => {
    const now = T0 + min(32);
    const s = stateAfter([
      { type: 'clusters', at: now, clusters: [cluster('j-A', 'ana')] },
      { type: 'cluster-details', clusterId: 'j-A', details: { idleTimeoutSeconds: 3600, instances: SMALL } },
      { type: 'steps', clusterId: 'j-A', steps: [step('joins', { endedAt: T0 + min(12) })] },
      { type: 'metrics', at: now, values: { 'j-A': { IsIdle: 1 } } },
    ]);
    const c = s.clusters['j-A']!;
    expect(idleSecondsLeft(c, now)).toBe(40 * 60);
    const panel = clusterPanel(c, s);
    expect(Object.fromEntries(panel.facts)).toMatchObject({ idle: '20m00s, auto-terminates in 40m00s', 'cost so far': '~$0.38', shape: 'primary 1x m5.xlarge, core 2x m5.xlarge' });
    // IsIdle 0 on a WAITING cluster: something holds YARN (a notebook), no countdown
    const busy = reduceDashboard(s, { type: 'metrics', at: now, values: { 'j-A': { IsIdle: 0 } } });
    expect(idleSecondsLeft(busy.clusters['j-A']!, now)).toBeUndefined();
  });

  it('sorts, filters and totals the cohort, keeping the selection on the same student across a re-sort', () => {
    let s = stateAfter([
      { type: 'clusters', at: T0 + min(60), clusters: [cluster('j-A', 'ana'), cluster('j-B', 'bo', { state: 'RUNNING' }), cluster('j-C', 'cy', { state: 'TERMINATED', endedAt: T0 + min(30) })] },
      { type: 'cluster-details', clusterId: 'j-A', details: { instances: SMALL } },
      { type: 'cluster-details', clusterId: 'j-B', details: { instances: [...SMALL, { role: 'task', type: 'm5.xlarge', count: 2 }] } },
      { type: 'steps', clusterId: 'j-B', steps: [step('joins', { state: 'RUNNING', endedAt: undefined })] },
      { type: 'checks', byStudent: { ana: { lab: 'day2-joins', passed: 2, total: 2 }, bo: { lab: 'day1-architecture', passed: 1, total: 3 } } },
    ]);
    let { rows, totals } = cohortRows(s);
    expect(rows.map((r) => r.student)).toEqual(['ana', 'bo', 'cy']);
    expect(rows[1]).toMatchObject({ state: 'RUNNING', lab: 'day2-joins', step: 'joins RUNNING', check: { passed: 1, total: 3 } });
    expect(totals).toMatchObject({ students: 3, shown: 3, live: 2, running: 1, idle: 1, checked: 2, passed: 1, costUnknown: 1 });
    expect(totals.costUsd).toBeCloseTo(0.72 + 1.2);

    expect(selectedKey(s)).toBe('j-A');
    s = reduceDashboard(s, { type: 'move', by: 1, keys: selectableKeys(s) });
    expect(s.ui.selectedCluster).toBe('j-B');
    s = reduceDashboard(s, { type: 'sort', key: 'cost' });
    ({ rows } = cohortRows(s));
    expect(rows.map((r) => r.student)).toEqual(['bo', 'ana', 'cy']);
    expect(s.ui.selectedCluster).toBe('j-B');
    s = reduceDashboard(s, { type: 'sort' });
    expect(s.ui.sortKey).toBe('check');
    expect(cohortRows(s).rows.map((r) => r.student)).toEqual(['bo', 'cy', 'ana']);

    s = reduceDashboard(s, { type: 'filter', text: 'RUNN' });
    expect(cohortRows(s)).toMatchObject({ rows: [{ student: 'bo' }], totals: { shown: 1, students: 3 } });
  });

  it('opens a student, then a step, and closes them in turn', () => {
    let s = stateAfter([
      { type: 'clusters', at: T0, clusters: [cluster('j-A', 'ana'), cluster('j-B', 'bo')] },
      { type: 'steps', clusterId: 'j-B', steps: [step('generate'), step('joins', { state: 'FAILED', failure: 'Exception: boom', createdAt: T0 + min(11) })] },
    ]);
    s = reduceDashboard(s, { type: 'move', by: 5, keys: selectableKeys(s) });
    s = reduceDashboard(s, { type: 'open', key: selectedKey(s) });
    expect(s.ui.openCluster).toBe('j-B');
    expect(selectableKeys(s)).toEqual(['generate', 'joins']);
    expect(selectedKey(s)).toBe('generate');
    s = reduceDashboard(s, { type: 'move', by: -1, keys: selectableKeys(s) });
    expect(selectedKey(s)).toBe('generate');
    s = reduceDashboard(s, { type: 'move', by: 1, keys: selectableKeys(s) });
    expect(s.ui.selectedStep).toBe('joins');
    s = reduceDashboard(s, { type: 'open', key: selectedKey(s) });
    expect(openStep(s)).toMatchObject({ name: 'day2-joins:joins', state: 'FAILED', failure: 'Exception: boom' });
    s = reduceDashboard(s, { type: 'close' });
    expect(openStep(s)).toBeUndefined();
    expect(s.ui.openCluster).toBe('j-B');
    s = reduceDashboard(s, { type: 'close' });
    expect(s.ui.openCluster).toBeUndefined();
  });

  it('the student view shows the newest live cluster, or says there is none', () => {
    const s = stateAfter([{ type: 'clusters', at: T0, clusters: [cluster('j-OLD', 'ana', { state: 'TERMINATED', createdAt: T0 - min(600) }), cluster('j-NEW', 'ana')] }, { type: 'refresh-end', at: T0, calls: 3 }], 'student');
    expect(studentPanel(s).clusterId).toBe('j-NEW');
    const none = stateAfter([{ type: 'clusters', at: T0, clusters: [] }, { type: 'refresh-end', at: T0, calls: 3 }], 'student');
    expect(studentPanel(none).note).toMatch(/no cluster tagged for you/);
  });

  it('the local view shows the running run, its steps and the Spark REST numbers as sparklines', () => {
    const run = localRun();
    const snap = (tasks: number) =>
      summarizeSpark('app-1', [{ status: 'RUNNING' }], [{ stageId: 3, name: 'count at joins.py:40', status: 'ACTIVE', numTasks: 8, numActiveTasks: tasks, numCompleteTasks: 2, shuffleReadBytes: 3 * 1024 * 1024, diskBytesSpilled: 2048 }], [{ id: 'driver', memoryUsed: 10 }]);
    const s = stateAfter(
      [
        { type: 'local-runs', at: T0 + 60_000, runs: [run] },
        { type: 'spark', at: T0 + 60_000, snapshot: snap(2) },
        { type: 'spark', at: T0 + 62_000, snapshot: snap(4) },
      ],
      'student',
      'local',
    );
    const p = localPanel(s);
    expect(p.uiLink).toBe('http://127.0.0.1:4040');
    expect(p.steps.map((x) => `${x.name} ${x.state} ${x.duration}`)).toEqual(['day2-joins:generate COMPLETED 12s', 'day2-joins:joins RUNNING 50s']);
    expect(Object.fromEntries(p.facts).stage).toBe('3 (count): 2/8 tasks');
    const tasks = p.metrics.find((m) => m.key === 'tasksActive')!;
    expect(tasks).toMatchObject({ values: [2, 4], current: '4' });
    expect(p.metrics.find((m) => m.key === 'shuffleReadBytes')!.current).toBe('3.0 MiB');
    expect(p.metrics.find((m) => m.key === 'spillDiskBytes')!.current).toBe('2.0 KiB');
  });
});
