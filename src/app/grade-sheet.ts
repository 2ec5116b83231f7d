import { stringify } from 'csv-stringify/sync';
import { formatActual } from '../core/lab/checks.js';
import type { Lab } from '../core/lab/lab-schema.js';
import type { Grade } from './emr/cohort.js';

/**
 * The grade sheet of `labs cohort grade <lab> --csv FILE`: one row per student and lab (passed / failed / not run)
 * and one column per check with what the student's run measured, so an instructor sees why a check failed
 * without opening result.json. A check scoped to other targets than the run's is `n/a` in its column and left out of
 * "checks passed" (`5/5 (2 n/a)`): never a pass, never a fail. CSV by csv-stringify (quoting of commas, quotes and
 * newlines in values).
 */
export type GradeResult = 'passed' | 'failed' | 'not run' | 'running';

/** The checks a grade counts: the lab's, less those not applicable on the target the student's run was on. */
export const gradedChecks = (g: Pick<Grade, 'total' | 'notApplicable'>) => g.total - g.notApplicable;

/** The student passed every check that applies on the run's target (at least one). */
export const passedEveryCheck = (g: Grade) => gradedChecks(g) > 0 && g.passed === gradedChecks(g);

export function gradeResult(g: Grade): GradeResult {
  if (g.state === 'NOT RUN') return 'not run';
  if (g.state === 'RUNNING') return 'running';
  return passedEveryCheck(g) ? 'passed' : 'failed';
}

/** "5/5", or "5/5 (2 n/a)" when checks did not apply on the run's target. */
export function checksPassedCell(g: Grade): string {
  return `${g.passed}/${gradedChecks(g)}${g.notApplicable ? ` (${g.notApplicable} n/a)` : ''}`;
}

export function gradeSheet(lab: Lab, grades: readonly Grade[]): string {
  const header = ['student', 'lab', 'result', 'checks passed', 'run', ...lab.checks.map((c) => c.name)];
  const rows = grades.map((g) => {
    const byName = new Map((g.checks ?? []).map((c) => [c.name, c]));
    return [
      g.student,
      g.lab,
      gradeResult(g),
      checksPassedCell(g),
      g.runId ?? '',
      ...lab.checks.map((check) => {
        const r = byName.get(check.name);
        if (!r) return '';
        if (r.notApplicable) return 'n/a';
        if (r.pending) return 'unanswered';
        return `${r.passed ? 'pass' : 'fail'}: ${formatActual(r.actual)}`;
      }),
    ];
  });
  return stringify([header, ...rows]);
}
