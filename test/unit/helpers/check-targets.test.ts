import { describe, expect, it } from 'vitest';
import { evaluateChecks, type CheckResult } from '../../../src/core/lab/checks.js';
import { scopedCheckProblems } from '../../helpers/check-targets.js';
import { labWithChecks } from '../../helpers/lab-fixture.js';

const lab = labWithChecks([
  { name: 'everywhere', path: 'a', exists: true },
  { name: 'clusters', path: 'b', exists: true, targets: ['sandbox', 'emr'] },
  { name: 'here', path: 'c', exists: true, targets: ['local'] },
]);
const measured = new Map([['run', { a: 1, b: 2, c: 3 }]]);
const on = (target: 'local' | 'sandbox' | 'emr') => evaluateChecks(lab, measured, { target });
const swap = (results: CheckResult[], name: string, r: Partial<CheckResult>) => results.map((x) => (x.name === name ? { ...x, ...r } : x));

describe('scopedCheckProblems (the lab suites assert it on their target)', () => {
  it.each(['local', 'sandbox', 'emr'] as const)('passes the results evaluateChecks gives on %s', (target) => {
    expect(scopedCheckProblems(lab.checks, on(target), target)).toEqual([]);
  });

  it('passes n/a on a target the check does not name, failed or not elsewhere', () => {
    expect(scopedCheckProblems(lab.checks, swap(on('local'), 'everywhere', { passed: false }), 'local')).toEqual([]);
  });

  it('fails a check skipped as n/a on a target it names', () => {
    const skipped = swap(on('sandbox'), 'clusters', { passed: false, notApplicable: true });
    expect(scopedCheckProblems(lab.checks, skipped, 'sandbox')).toEqual(['clusters: scoped to sandbox, emr, but skipped as not applicable on sandbox']);
    const unscoped = swap(on('local'), 'everywhere', { passed: false, notApplicable: true });
    expect(scopedCheckProblems(lab.checks, unscoped, 'local')).toEqual(['everywhere: unscoped, but skipped as not applicable on local']);
  });

  it('fails a check evaluated on a target it does not name, or counted as passed there', () => {
    const evaluated = swap(on('local'), 'clusters', { passed: true, notApplicable: undefined });
    expect(scopedCheckProblems(lab.checks, evaluated, 'local')).toEqual(['clusters: scoped to sandbox, emr, but evaluated on local (passed) instead of reported not applicable']);
    const passedNa = swap(on('emr'), 'here', { passed: true });
    expect(scopedCheckProblems(lab.checks, passedNa, 'emr')).toEqual(['here: not applicable on emr, but counted as passed']);
  });

  it('fails a check with no result at all', () => {
    expect(scopedCheckProblems(lab.checks, on('local').slice(0, 2), 'local')).toEqual(['here: scoped to local, but no result on local']);
  });
});
