import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import { render } from 'ink-testing-library';
import type React from 'react';
import { describe, expect, it, vi } from 'vitest';
import { reduceDashboard, type DashboardEvent, type DashboardState } from '../../../src/core/dashboard/state.js';
import { cohortRows, studentPanel } from '../../../src/core/dashboard/views.js';
import { Dashboard } from '../../../src/ui/Dashboard.js';
import { cohortColumns, DashboardCohort } from '../../../src/ui/DashboardCohort.js';
import { DashboardPanel } from '../../../src/ui/DashboardPanel.js';
import { createStore } from '../../../src/ui/store.js';
import { cluster, min, SMALL, stateAfter, step, T0 } from './fixtures.js';

const NOW = T0 + min(60);

function cohortState(): DashboardState {
  return stateAfter([
    { type: 'clusters', at: NOW, clusters: [cluster('j-ANA', 'ana'), cluster('j-BO', 'bo', { state: 'RUNNING' }), cluster('j-CY', 'cy', { state: 'STARTING', readyAt: undefined })] },
    { type: 'cluster-details', clusterId: 'j-ANA', details: { instances: SMALL, idleTimeoutSeconds: 3600 } },
    { type: 'cluster-details', clusterId: 'j-BO', details: { instances: SMALL } },
    { type: 'steps', clusterId: 'j-ANA', steps: [step('generate'), step('joins', { createdAt: T0 + min(11), startedAt: T0 + min(12), endedAt: T0 + min(20) })] },
    {
      type: 'steps',
      clusterId: 'j-BO',
      steps: [step('generate'), step('joins', { state: 'FAILED', createdAt: T0 + min(11), failure: 'Step failed: Exception in thread main: OutOfMemoryError', logFile: 's3://b/logs/j-BO/steps/s-2/stderr.gz' })],
    },
    ...[0, 1, 3, 7].map((v): DashboardEvent => ({ type: 'metrics', at: NOW, values: { 'j-BO': { AppsRunning: v, YARNMemoryAvailablePercentage: 12.5 }, 'j-ANA': { AppsRunning: 0, IsIdle: 1 } } })),
    { type: 'checks', byStudent: { ana: { lab: 'day2-joins', passed: 2, total: 2 } } },
    { type: 'refresh-end', at: NOW, calls: 5 },
  ]);
}

/** ink-testing-library's terminal is 100 columns; the table at full width needs a wider one. */
function renderWide(node: React.ReactElement, columns: number): string {
  const stdout = Object.assign(new EventEmitter(), { columns, frames: [] as string[], write(f: string) { this.frames.push(f); } });
  const app = inkRender(node, { stdout: stdout as never, debug: true, patchConsole: false, exitOnCtrlC: false });
  app.unmount();
  return stdout.frames.at(-1)!;
}

const settle = () => new Promise((r) => setTimeout(r, 30));

describe('dashboard components', () => {
  it('the cohort table shows one row per student with state, lab, step, idle, cost, check and an apps sparkline', () => {
    const s = cohortState();
    const frame = renderWide(<DashboardCohort {...cohortRows(s)} selected="j-BO" sortKey="student" filter="" width={140} height={20} />, 140);
    const lines = frame.split('\n');
    expect(lines[0]).toMatch(/STUDENT▾\s+STATE\s+LAB\s+STEP\s+IDLE\s+COST\s+CHECK\s+APPS/);
    expect(lines.find((l) => l.includes('ana'))).toMatch(/^ {2}ana\s+WAITING\s+day2-joins\s+joins COMPLETED\s+40m\s+~\$0\.72\s+day2-joins 2\/2\s+▁{4}/);
    expect(lines.find((l) => l.includes('bo'))).toMatch(/^› bo\s+RUNNING\s+day2-joins\s+joins FAILED\s+-\s+~\$0\.72\s+-\s+▁▂▄█/);
    expect(frame).toContain('3 students · 3 up, 1 running a step, 1 idle · ~$1.44 so far (1 not priced yet) · checks: 1/1 passed');
  });

  it('drops the least useful columns when the terminal is narrow', () => {
    expect(cohortColumns(140).map((c) => c.key)).toEqual(['student', 'state', 'lab', 'step', 'idle', 'cost', 'check', 'apps']);
    expect(cohortColumns(90).map((c) => c.key)).toEqual(['student', 'state', 'lab', 'step', 'idle', 'cost']);
    const frame = render(<DashboardCohort {...cohortRows(cohortState())} sortKey="cost" filter="" width={60} height={20} />).lastFrame()!;
    expect(frame).not.toContain('CHECK');
    expect(frame).toMatch(/COST▾/);
  });

  it('the student panel shows the cluster facts, the steps with their failure, and metrics as sparklines with values', () => {
    const s = { ...cohortState(), mode: 'student' as const, label: 'bo' };
    const panel = studentPanel({ ...s, order: ['j-BO'] });
    const frame = render(<DashboardPanel panel={panel} selectedStep="joins" width={120} />).lastFrame()!;
    expect(frame).toContain('cluster     j-BO (bo)');
    expect(frame).toContain('shape       primary 1x m5.xlarge, core 2x m5.xlarge');
    expect(frame).toContain('idle        busy');
    expect(frame).toMatch(/✓ day2-joins:generate\s+COMPLETED\s+2m00s/);
    expect(frame).toMatch(/› ✗ day2-joins:joins\s+FAILED\s+2m00s\s+Step failed: Exception in thread main/);
    expect(frame).toMatch(/apps running\s+▁▂▄█\s+7/);
    expect(frame).toMatch(/YARN memory free\s+▂▂▂▂\s+12\.5%/);
    expect(frame).toContain('Spark UI: press u for a link');
  });

  it('moves with j/k, opens a student and a step with enter, goes back with esc, sorts, filters, fetches the Spark UI, quits', async () => {
    const store = createStore(reduceDashboard, cohortState());
    const onQuit = vi.fn();
    const fetchSparkUi = vi.fn(async (id: string) => `https://p-abc.emrappui-prod.eu-west-1.amazonaws.com/shs/?cluster=${id}&token=secret`);
    const { lastFrame, stdin, unmount } = render(<Dashboard store={store} onQuit={onQuit} fetchSparkUi={fetchSparkUi} tickMs={0} size={{ columns: 140, rows: 30 }} />);
    expect(lastFrame()).toContain('labs dashboard · cohort fall-27 on EMR');
    expect(lastFrame()).toMatch(/› ana\s+WAITING/);
    stdin.write('j');
    await settle();
    expect(lastFrame()).toMatch(/› bo\s+RUNNING/);
    stdin.write('k');
    await settle();
    expect(lastFrame()).toMatch(/› ana\s+WAITING/);

    stdin.write('u');
    await settle();
    expect(fetchSparkUi).toHaveBeenCalledWith('j-ANA');
    expect(lastFrame()).toContain('Spark UI for j-ANA: https://p-abc.emrappui-prod');
    expect(JSON.stringify(store.get())).not.toContain('token=secret');

    stdin.write('j');
    await settle();
    expect(lastFrame()).not.toContain('Spark UI for j-ANA');
    stdin.write('\r');
    await settle();
    expect(lastFrame()).toContain('fall-27: cluster j-BO');
    expect(lastFrame()).toMatch(/apps running\s+▁▂▄█\s+7/);
    expect(lastFrame()).toMatch(/› ✓ day2-joins:generate/);
    stdin.write('j');
    await settle();
    stdin.write('\r');
    await settle();
    expect(lastFrame()).toContain('cause: Step failed: Exception in thread main: OutOfMemoryError');
    expect(lastFrame()).toContain('hint: log: s3://b/logs/j-BO/steps/s-2/stderr.gz');
    stdin.write('\u001B');
    await settle();
    expect(lastFrame()).not.toContain('cause:');
    stdin.write('\u001B');
    await settle();
    expect(lastFrame()).toMatch(/STUDENT▾/);

    stdin.write('s');
    await settle();
    expect(lastFrame()).toMatch(/STATE▾/);
    stdin.write('/');
    await settle();
    for (const ch of 'cy') {
      stdin.write(ch);
      await settle();
    }
    expect(lastFrame()).toContain('filter: cy█');
    stdin.write('\r');
    await settle();
    const rows = lastFrame()!.split('\n').filter((l) => /^(›| ) \w+\s+[A-Z]+/.test(l) && !l.includes('STUDENT'));
    expect(rows.map((l) => l.slice(2).split(/\s+/)[0])).toEqual(['cy']);
    expect(lastFrame()).toContain('showing 1 matching "cy"');

    stdin.write('q');
    await settle();
    expect(onQuit).toHaveBeenCalled();
    unmount();
  });

  it('keeps the selected row in the window when the class is taller than the terminal', async () => {
    const clusters = Array.from({ length: 60 }, (_, i) => cluster(`j-${i}`, `s${String(i).padStart(2, '0')}`));
    const store = createStore(reduceDashboard, stateAfter([{ type: 'clusters', at: NOW, clusters }]));
    const { lastFrame, stdin, unmount } = render(<Dashboard store={store} tickMs={0} size={{ columns: 120, rows: 20 }} />);
    expect(lastFrame()).toContain('rows 1-12 of 60');
    for (let i = 0; i < 29; i++) stdin.write('j');
    await settle();
    expect(lastFrame()).toMatch(/› s29/);
    expect(lastFrame()).not.toContain(' s00 ');
    unmount();
  });
});
