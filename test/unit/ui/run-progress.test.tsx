import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { emptyRunView, reduceRunView } from '../../../src/core/run/run-view.js';
import type { RunEvent, RunRecord, StepRecord } from '../../../src/core/run/run-record.js';
import { RunProgress } from '../../../src/ui/RunProgress.js';

const run: RunRecord = {
  lab: 'day2-joins',
  runId: '20261125-101500-abcd',
  target: 'local',
  student: 'ana',
  state: 'RUNNING',
  startedAt: '2026-11-25T10:15:00.000Z',
  dir: '/tmp/run',
  steps: [
    { name: 'generate', state: 'PENDING', argv: [], out: '' },
    { name: 'joins', state: 'PENDING', argv: [], out: '' },
  ],
};
const step = (s: Partial<StepRecord> & { name: string }): StepRecord => ({ state: 'RUNNING', argv: [], out: '', ...s });

function viewAfter(events: RunEvent[]) {
  return events.reduce(reduceRunView, emptyRunView);
}

describe('RunProgress', () => {
  it('shows the running step with its Spark stage progress and UI link, and finished steps with a mark', () => {
    const view = viewAfter([
      { type: 'run-start', run },
      { type: 'step-end', step: step({ name: 'generate', state: 'COMPLETED', startedAt: '2026-11-25T10:15:00.000Z', endedAt: '2026-11-25T10:15:12.000Z' }) },
      { type: 'step-start', step: step({ name: 'joins', startedAt: new Date().toISOString(), uiUrl: 'http://127.0.0.1:4040' }) },
      { type: 'step-progress', step: 'joins', progress: { jobsRunning: 1, jobsCompleted: 3, stagesCompleted: 5, stage: { id: 7, name: 'count at day2_joins.py:40', tasksDone: 3, tasksTotal: 8 } } },
    ]);
    const { lastFrame, unmount } = render(<RunProgress view={view} />);
    const frame = lastFrame()!;
    expect(frame).toContain('day2-joins');
    expect(frame).toContain('✓ generate 12s');
    expect(frame).toContain('stage 7 (count): 3/8 tasks, 3 jobs done');
    expect(frame).toContain('Spark UI: http://127.0.0.1:4040');
    unmount();
  });

  it('explains a failed step and lists check results', () => {
    const failed = step({
      name: 'joins',
      state: 'FAILED',
      startedAt: '2026-11-25T10:15:00.000Z',
      endedAt: '2026-11-25T10:15:30.000Z',
      failure: { cause: 'python-exception', summary: 'ValueError: boom', frames: ['job.py:4 in transform'], hint: 'read the frames above' },
    });
    const view = viewAfter([
      { type: 'run-start', run },
      { type: 'step-end', step: failed },
      { type: 'checks', results: [{ name: 'ratio', step: 'joins', path: 'r', passed: false, actual: 1.2, expected: '>= 2' }] },
    ]);
    const frame = render(<RunProgress view={view} />).lastFrame()!;
    expect(frame).toContain('✗ joins failed after 30s: ValueError: boom');
    expect(frame).toContain('at job.py:4 in transform');
    expect(frame).toContain('✗ ratio: 1.2 (expected >= 2)');
  });

  it("shows a failing check's hint (an exercise's TODO), and no hint for a passing one", () => {
    const view = viewAfter([
      { type: 'run-start', run },
      {
        type: 'checks',
        results: [
          { name: 'broadcast', step: 'joins', path: 'n', passed: false, actual: 'SortMergeJoin', expected: '= "BroadcastHashJoin"', hint: 'TODO 1 in day2_joins.py: the hint' },
          { name: 'agree', step: 'joins', path: 'a', passed: true, actual: true, expected: '= true', hint: 'TODO 2 in day2_joins.py: unseen' },
        ],
      },
    ]);
    const frame = render(<RunProgress view={view} />).lastFrame()!;
    expect(frame).toMatch(/✗ broadcast: SortMergeJoin \(expected = "BroadcastHashJoin"\)\n {4}hint: TODO 1 in day2_joins\.py: the hint/);
    expect(frame).not.toContain('unseen');
  });

  it('shows a check scoped to other targets as n/a with the reason (no ✓, no ✗) and an unanswered question as ?', () => {
    const view = viewAfter([
      { type: 'run-start', run },
      {
        type: 'checks',
        results: [
          { name: 'ratio', step: 'joins', path: 'r', passed: true, actual: 3, expected: '>= 2' },
          { name: 'granted executors', step: 'joins', path: 'e', passed: false, notApplicable: true, actual: undefined, expected: '>= 2', targets: ['sandbox', 'emr'], reason: 'applies on sandbox, emr; this run is local' },
          { name: 'which stage', step: 'joins', path: 's', passed: true, pending: true, actual: 'pending: answer with labs check --answer', expected: 'the correct stage' },
        ],
      },
    ]);
    const frame = render(<RunProgress view={view} />).lastFrame()!;
    expect(frame).toContain('✓ ratio: 3 (expected >= 2)');
    expect(frame).toContain('- granted executors: n/a (applies on sandbox, emr; this run is local)');
    expect(frame).not.toMatch(/[✓✗] granted executors/);
    expect(frame).toContain('? which stage: pending: answer with labs check --answer');
  });
});
