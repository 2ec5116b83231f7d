import { describe, expect, it } from 'vitest';
import { CHECK_TARGETS, type CheckTarget } from '../../../src/core/lab/check-operators.js';
import { checkFailed, checkStatus, evaluateChecks, notApplicableNote, tallyChecks } from '../../../src/core/lab/checks.js';
import { CheckSchema } from '../../../src/core/lab/lab-schema.js';
import { validateLab } from '../../../src/core/lab/lab-validate.js';
import { runError } from '../../../src/core/run/run-outcome.js';
import { runState, type RunRecord } from '../../../src/core/run/run-record.js';
import { parseRunRecord } from '../../../src/core/run/run-record-schema.js';
import { labWithChecks } from '../../helpers/lab-fixture.js';

// one unscoped check, one for the cluster targets only, one for local only, one scoped answer check
const scoped = labWithChecks([
  { name: 'rows', path: 'rows', equals: 2 },
  { name: 'granted executors', path: 'yarn.executors', gte: 2, targets: ['emr', 'sandbox'] },
  { name: 'local master', path: 'master', matches: '^local', targets: ['local'] },
  { name: 'which queue', path: 'yarn.queue', answer: 'queue', targets: ['sandbox'] },
], 'day3-x');
const results = (r: unknown) => new Map([['run', r]]);

describe('targets on a check in lab.yaml', () => {
  const base = { name: 'a', path: 'x', exists: true };

  it('accepts a non-empty list of local, sandbox and emr; absent means every target', () => {
    expect(CheckSchema.parse({ ...base, targets: ['sandbox', 'emr'] }).targets).toEqual(['sandbox', 'emr']);
    expect(CheckSchema.parse({ ...base, targets: [...CHECK_TARGETS] }).targets).toEqual(['local', 'sandbox', 'emr']);
    expect(CheckSchema.parse(base).targets).toBeUndefined();
  });

  it.each([
    ['an empty list', []],
    ['an unknown target', ['emr', 'mars']],
    ['a target twice', ['emr', 'sandbox', 'emr']],
    ['a single string', 'emr'],
  ])('refuses %s', (_what, targets) => {
    expect(CheckSchema.safeParse({ ...base, targets }).success).toBe(false);
  });

  const yaml = (targets: string) =>
    `id: day2-joins\nday: 2\ntitle: J\ntopics: [t]\nsteps:\n  - name: joins\n    job: spark-jobs/python/day2_joins.py\nchecks:\n  - name: fine\n    path: a\n    exists: true\n  - name: scoped\n    path: b\n    exists: true\n    targets: ${targets}\n`;
  const problems = (targets: string) =>
    validateLab(yaml(targets), { file: 'labs/day2-joins/lab.yaml', dirName: 'day2-joins', projectFileExists: () => true, labFileExists: () => true }).problems;

  it('lab-validate names the file, the key and the bad value', () => {
    expect(problems('[sandbox, emr]')).toEqual([]);
    expect(problems('[sandbox, ems]')).toEqual([{ where: 'checks[1].targets[1]', what: '"ems" is not a target: use local, sandbox or emr', hint: 'fix labs/day2-joins/lab.yaml (its editor schema is schema/lab.schema.json)' }]);
    expect(problems('[emr, local, emr]')).toEqual([expect.objectContaining({ where: 'checks[1].targets[2]', what: 'emr is listed twice' })]);
    expect(problems('[]')).toEqual([expect.objectContaining({ where: 'checks[1].targets', what: expect.stringMatching(/^list at least one target/) })]);
    expect(problems('emr')).toEqual([expect.objectContaining({ where: 'checks[1].targets' })]);
  });
});

describe('evaluating scoped checks on each target', () => {
  const measured = { rows: 2, yarn: { executors: 3, queue: 'etl' }, master: 'local[*]' };
  const statuses = (target: CheckTarget, r: unknown = measured) => evaluateChecks(scoped, results(r), { target }).map(checkStatus);

  it('local: the cluster checks are not applicable, the others evaluated', () => {
    expect(statuses('local')).toEqual(['passed', 'not applicable', 'passed', 'not applicable']);
  });

  it('sandbox: the cluster checks and the sandbox question are evaluated, the local one is not applicable', () => {
    expect(statuses('sandbox')).toEqual(['passed', 'passed', 'not applicable', 'pending']);
  });

  it('emr: only the local check and the sandbox question are not applicable', () => {
    expect(statuses('emr')).toEqual(['passed', 'passed', 'not applicable', 'not applicable']);
  });

  it('a scoped check on its own target fails like any other', () => {
    expect(statuses('emr', { ...measured, yarn: { executors: 1 } })).toEqual(['passed', 'failed', 'not applicable', 'not applicable']);
  });

  it('a not-applicable check is never evaluated, never passed, never failed, and says why', () => {
    // no result.json at all: an applicable check fails, the scoped ones stay n/a
    const out = evaluateChecks(scoped, new Map(), { target: 'local' });
    expect(out[1]).toEqual({
      name: 'granted executors',
      step: 'run',
      path: 'yarn.executors',
      passed: false,
      notApplicable: true,
      actual: undefined,
      expected: '>= 2',
      targets: ['emr', 'sandbox'],
      reason: 'applies on sandbox, emr; this run is local',
    });
    expect(out[3]).toMatchObject({ notApplicable: true, expected: 'the correct queue', reason: 'applies on sandbox; this run is local' });
    expect(out[3]!.pending).toBeUndefined();
    expect(out.map(checkFailed)).toEqual([true, false, true, false]);
  });

  it('an applicable scoped check carries its targets; an unscoped one none', () => {
    const out = evaluateChecks(scoped, results(measured), { target: 'emr' });
    expect(out[1]).toMatchObject({ passed: true, targets: ['emr', 'sandbox'] });
    expect(out[1]!.notApplicable).toBeUndefined();
    expect(out[0]!.targets).toBeUndefined();
  });

  it('tallies n/a on its own: neither passed nor failed', () => {
    const t = tallyChecks(evaluateChecks(scoped, results(measured), { target: 'local' }));
    expect(t).toEqual({ passed: 2, failed: 0, pending: 0, notApplicable: 2, applicable: 2, elsewhere: 'sandbox, emr' });
    expect(notApplicableNote(t)).toBe(', 2 not applicable here (sandbox, emr only)');
    expect(notApplicableNote(tallyChecks(evaluateChecks(scoped, results(measured), { target: 'sandbox' })))).toBe(', 1 not applicable here (local only)');
  });
});

describe('a run with checks not applicable on its target', () => {
  const run = (target: CheckTarget, r: unknown): RunRecord => ({
    lab: 'day3-x',
    runId: '20270101-100000-abcd',
    target: target as RunRecord['target'],
    student: 'ana',
    state: 'RUNNING',
    startedAt: '2027-01-01T10:00:00.000Z',
    dir: '/tmp/x',
    steps: [{ name: 'run', state: 'COMPLETED', argv: [], out: '/tmp/x/run' }],
    checks: evaluateChecks(scoped, results(r), { target }),
  });

  it('completes and exits 0 when the checks that apply pass', () => {
    const r = run('local', { rows: 2, master: 'local[2]' });
    expect(runState(r.steps, r.checks)).toBe('COMPLETED');
    expect(runError({ ...r, state: 'COMPLETED' })).toBeUndefined();
  });

  it('fails (exit 1) on a failing check that applies, counting only the checks that apply', () => {
    const r = run('local', { rows: 3, master: 'local[2]' });
    expect(runState(r.steps, r.checks)).toBe('FAILED');
    const e = runError({ ...r, state: 'FAILED' })!;
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe('day3-x: 1 of 2 checks failed (rows)');
  });

  it('is stored and read back with its n/a checks (the run record schema accepts them)', () => {
    const r = run('local', { rows: 2, master: 'local' });
    const back = parseRunRecord(JSON.stringify(r));
    expect(back.ok).toBe(true);
    if (back.ok) expect(back.run.checks!.map((c) => [c.notApplicable ?? false, c.reason])).toEqual([
      [false, undefined],
      [true, 'applies on sandbox, emr; this run is local'],
      [false, undefined],
      [true, 'applies on sandbox; this run is local'],
    ]);
    expect(parseRunRecord(JSON.stringify({ ...r, checks: [{ ...r.checks![1], notApplicable: 'yes' }] })).ok).toBe(false);
  });
});
