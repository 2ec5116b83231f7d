import { stringify } from 'csv-stringify/sync';
import { formatActual } from '../core/lab/checks.js';
import type { Lab } from '../core/lab/lab-schema.js';
import type { Grade } from './emr/cohort.js';

/**
 * The grade sheet of `labs cohort grade <lab> --csv FILE`: one row per student and lab (passed / failed / not run)
 * and one column per check with what the student's run measured, so an instructor sees why a check failed
 * without opening result.json. CSV by csv-stringify (quoting of commas, quotes and newlines in values).
 */
export type GradeResult = 'passed' | 'failed' | 'not run' | 'running';

export function gradeResult(g: Grade): GradeResult {
  if (g.state === 'NOT RUN') return 'not run';
  if (g.state === 'RUNNING') return 'running';
  return g.total > 0 && g.passed === g.total ? 'passed' : 'failed';
}

export function gradeSheet(lab: Lab, grades: readonly Grade[]): string {
  const header = ['student', 'lab', 'result', 'checks passed', 'run', ...lab.checks.map((c) => c.name)];
  const rows = grades.map((g) => {
    const byName = new Map((g.checks ?? []).map((c) => [c.name, c]));
    return [
      g.student,
      g.lab,
      gradeResult(g),
      `${g.passed}/${g.total}`,
      g.runId ?? '',
      ...lab.checks.map((check) => {
        const r = byName.get(check.name);
        if (!r) return '';
        if (r.pending) return 'unanswered';
        return `${r.passed ? 'pass' : 'fail'}: ${formatActual(r.actual)}`;
      }),
    ];
  });
  return stringify([header, ...rows]);
}
