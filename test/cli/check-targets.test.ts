/**
 * Checks scoped to targets through the built CLI, without Spark: a local run record and its result.json written as
 * `labs start` leaves them, then `labs check`, `labs status` and `labs show` read them.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/core/run/run-record.js';
import { runLabs, tempHome } from '../helpers/cli.js';
import { projectCopy } from '../helpers/project-copy.js';

const project = projectCopy();
project.addFile(
  'labs/day1-scoped/lab.yaml',
  [
    'id: day1-scoped',
    'day: 1',
    'title: scoped checks',
    'topics: [x]',
    'steps:',
    '  - name: run',
    '    job: spark-jobs/python/day2_joins.py',
    'checks:',
    '  - name: rows counted',
    '    path: rows',
    '    equals: 2',
    '  - name: granted executors',
    '    path: yarn.executors',
    '    gte: 2',
    '    targets: [sandbox, emr]',
    '',
  ].join('\n'),
);

/** A finished local run of day1-scoped in a fresh LABS_HOME whose step wrote `result`. */
function localRun(result: unknown): { env: Record<string, string> } {
  const home = tempHome();
  const runId = '20270101-100000-abcd';
  const dir = path.join(home, 'runs', 'day1-scoped', runId);
  mkdirSync(path.join(dir, 'run'), { recursive: true });
  writeFileSync(path.join(dir, 'run', 'result.json'), JSON.stringify(result));
  const record: RunRecord = {
    lab: 'day1-scoped',
    runId,
    target: 'local',
    student: 'ana',
    state: 'COMPLETED',
    startedAt: '2027-01-01T10:00:00.000Z',
    endedAt: '2027-01-01T10:01:00.000Z',
    dir,
    steps: [{ name: 'run', state: 'COMPLETED', argv: ['spark-submit'], out: path.join(dir, 'run'), seconds: 60 }],
  };
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(record));
  return { env: { LABS_HOME: home } };
}
const labs = (args: string[], env: Record<string, string>) => runLabs(args, env, project.bin);

describe('a check scoped to sandbox and emr, on a local run', () => {
  it('labs check: n/a with the reason, counted apart, exit 0 when the others pass', () => {
    const { env } = localRun({ rows: 2 });
    const r = labs(['check', 'day1-scoped'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('✓ rows counted: 2 (expected = 2)');
    expect(r.stdout).toContain('- granted executors: n/a (applies on sandbox, emr; this run is local)');
    expect(r.stdout).toContain('PASSED day1-scoped: 1/1 steps, 1/1 checks passed, 1 not applicable here (sandbox, emr only)');

    const json = labs(['check', 'day1-scoped', '--json'], env);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.state).toBe('COMPLETED');
    expect(doc.checks[1]).toEqual({ name: 'granted executors', step: 'run', path: 'yarn.executors', passed: false, notApplicable: true, expected: '>= 2', targets: ['sandbox', 'emr'], reason: 'applies on sandbox, emr; this run is local' });
    expect(doc.checks[0].notApplicable).toBeUndefined();
  });

  it('labs check: a failing check that applies still fails the run (exit 1), counted without the n/a one', () => {
    const { env } = localRun({ rows: 3, yarn: { executors: 9 } });
    const r = labs(['check', 'day1-scoped'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED day1-scoped: 1/1 steps, 0/1 checks passed, 1 not applicable here (sandbox, emr only)');
    expect(r.stderr).toContain('error: day1-scoped: 1 of 1 checks failed (rows counted)');
  });

  it('labs status shows it n/a too, and the table counts the checks that apply', () => {
    const { env } = localRun({ rows: 2 });
    expect(labs(['check', 'day1-scoped'], env).code).toBe(0);
    expect(labs(['status', 'day1-scoped'], env).stdout).toContain('  - granted executors: n/a (applies on sandbox, emr; this run is local)');
    expect(labs(['status'], env).stdout).toMatch(/^day1-scoped\s+\S+\s+local\s+COMPLETED\s+1\/1 \(1 n\/a\)/m);
    const run = JSON.parse(labs(['status', 'day1-scoped', '--json'], env).stdout).run as RunRecord;
    expect(run.checks![1]).toMatchObject({ passed: false, notApplicable: true });
  });

  it('labs show marks the scoped check; --json has targets on it and none on the others', () => {
    const r = labs(['show', 'day1-scoped'], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('  - rows counted\n  - granted executors [sandbox, emr only]\n');
    const doc = JSON.parse(labs(['show', 'day1-scoped', '--json'], {}).stdout);
    expect(doc.lab.checks[1].targets).toEqual(['sandbox', 'emr']);
    expect('targets' in doc.lab.checks[0]).toBe(false);
  });

  it('a bad target is a lab.yaml error naming the file and the key (exit 2)', () => {
    project.addFile('labs/day1-badtarget/lab.yaml', 'id: day1-badtarget\nday: 1\ntitle: x\ntopics: [x]\nsteps:\n  - name: run\n    job: spark-jobs/python/day2_joins.py\nchecks:\n  - {name: c, path: x, exists: true, targets: [emr, yarn]}\n');
    const r = labs(['show', 'day1-badtarget'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: .*labs\/day1-badtarget\/lab\.yaml: checks\[0\]\.targets\[1\]: "yarn" is not a target: use local, sandbox or emr/);
  });
});
