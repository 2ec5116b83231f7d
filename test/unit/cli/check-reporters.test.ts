import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import type { Grade } from '../../../src/app/emr/cohort.js';
import { checksPassedCell, gradeResult, gradeSheet } from '../../../src/app/grade-sheet.js';
import { checkLine, summaryLine } from '../../../src/cli/reporters/plain.js';
import { checksFromRuns } from '../../../src/core/dashboard/views.js';
import { evaluateChecks, type CheckResult } from '../../../src/core/lab/checks.js';
import type { RunRecord } from '../../../src/core/run/run-record.js';
import { labWithChecks } from '../../helpers/lab-fixture.js';

// Five checks that apply everywhere and two that only mean something on a cluster.
const lab = labWithChecks(
  [
    ...[1, 2, 3, 4, 5].map((i) => ({ name: `local fact ${i}`, path: `v${i}`, equals: i })),
    { name: 'granted executors', path: 'yarn.executors', gte: 2, targets: ['sandbox', 'emr'] },
    { name: 'cloudwatch apps', path: 'cw.apps', gte: 1, targets: ['emr'] },
  ],
  'day1-yarn',
);
const measured = { v1: 1, v2: 2, v3: 3, v4: 4, v5: 5, yarn: { executors: 1 }, cw: { apps: 0 } };
const checksOn = (target: 'local' | 'emr', r: unknown = measured) => evaluateChecks(lab, new Map([['run', r]]), { target });
const run = (checks: CheckResult[], state: RunRecord['state'] = 'COMPLETED'): RunRecord => ({
  lab: lab.id,
  runId: '20270101-100000-abcd',
  target: 'local',
  student: 'ana',
  state,
  startedAt: '2027-01-01T10:00:00.000Z',
  dir: '/tmp/x',
  steps: [{ name: 'run', state: 'COMPLETED', argv: [], out: '/tmp/x/run' }],
  checks,
});

describe('the plain reporter', () => {
  it('shows a check scoped elsewhere as n/a with the reason, not as a pass or a fail', () => {
    const lines = checksOn('local').map(checkLine);
    expect(lines[0]).toBe('✓ local fact 1: 1 (expected = 1)');
    expect(lines[5]).toBe('- granted executors: n/a (applies on sandbox, emr; this run is local)');
    expect(lines[6]).toBe('- cloudwatch apps: n/a (applies on emr; this run is local)');
    for (const l of lines.slice(5)) expect(l).not.toMatch(/[✓✗]/);
  });

  it('sums up: the checks that apply, passed, and how many did not apply here', () => {
    expect(summaryLine(run(checksOn('local')))).toBe('PASSED day1-yarn: 1/1 steps, 5/5 checks passed, 2 not applicable here (sandbox, emr only)');
    // on EMR the same two are evaluated (and fail here): no n/a, every check counted
    expect(summaryLine(run(checksOn('emr'), 'FAILED'))).toBe('FAILED day1-yarn: 1/1 steps, 5/7 checks passed');
  });
});

describe('the cohort grade sheet', () => {
  const grade = (student: string, checks: CheckResult[] | undefined, state: Grade['state'] = 'COMPLETED'): Grade => ({
    student,
    lab: lab.id,
    state,
    passed: checks ? checks.filter((c) => c.passed).length : 0,
    total: lab.checks.length,
    pending: 0,
    notApplicable: checks ? checks.filter((c) => c.notApplicable).length : 0,
    failing: [],
    runId: checks ? '20270101-100000-abcd' : undefined,
    checks,
  });

  it('writes n/a in the column of a check that did not apply, and leaves it out of "checks passed"', () => {
    const onLocal = grade('ana', checksOn('local'));
    const onEmr = grade('bo', checksOn('emr'), 'FAILED');
    expect(gradeResult(onLocal)).toBe('passed');
    expect(checksPassedCell(onLocal)).toBe('5/5 (2 n/a)');
    expect(gradeResult(onEmr)).toBe('failed');
    expect(checksPassedCell(onEmr)).toBe('5/7');
    const rows = parse(gradeSheet(lab, [onLocal, onEmr, grade('cy', undefined, 'NOT RUN')])) as string[][];
    const col = (name: string) => rows[0]!.indexOf(name);
    expect(rows.slice(1).map((r) => [r[0], r[2], r[3], r[col('local fact 1')], r[col('granted executors')], r[col('cloudwatch apps')]])).toEqual([
      ['ana', 'passed', '5/5 (2 n/a)', 'pass: 1', 'n/a', 'n/a'],
      ['bo', 'failed', '5/7', 'pass: 1', 'fail: 1', 'fail: 0'],
      ['cy', 'not run', '0/7', '', '', ''],
    ]);
  });

  it('a run whose every check is n/a did not pass: there was nothing to grade', () => {
    const all = { ...grade('dee', checksOn('local')), passed: 0, notApplicable: 7 };
    expect(gradeResult(all)).toBe('failed');
  });
});

describe('the dashboard', () => {
  it("counts a student's last check without the checks that did not apply", () => {
    expect(checksFromRuns([run(checksOn('local'))])).toEqual({ ana: { lab: 'day1-yarn', passed: 5, total: 5, at: '2027-01-01T10:00:00.000Z' } });
  });
});
