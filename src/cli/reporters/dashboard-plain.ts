import { panelLines } from '../../core/dashboard/document.js';
import { formatUsd } from '../../core/dashboard/format.js';
import type { DashboardState } from '../../core/dashboard/state.js';
import { cohortRows, formatCheck, studentPanel } from '../../core/dashboard/views.js';
import { table } from '../output.js';
import { targetLabel } from '../../core/run/run-view.js';

/** The dashboard as plain lines, for a pipe or a log: the same content as the live view, one snapshot. */
export function dashboardPlainLines(s: DashboardState): string[] {
  const head = `labs dashboard: ${s.mode === 'cohort' ? `cohort ${s.label}` : `student ${s.label}`} on ${targetLabel(s.target)} at ${new Date(s.now).toISOString()}`;
  if (s.mode === 'student') return [head, ...panelLines(studentPanel(s))];
  const { rows, totals } = cohortRows(s);
  if (!rows.length) return [head, 'no clusters carry this cohort\'s tags yet'];
  const body = table([
    ['STUDENT', 'CLUSTER', 'STATE', 'LAB', 'STEP', 'IDLE', 'COST', 'CHECK', 'APPS'],
    ...rows.map((r) => [
      r.student,
      r.clusterId,
      r.state,
      r.lab,
      r.step,
      r.idleMinutes === undefined ? '-' : `${Math.floor(r.idleMinutes)}m`,
      formatUsd(r.costUsd),
      formatCheck(r.check),
      r.apps.length ? String(r.apps.at(-1)) : '-',
    ]),
  ]);
  const summary = `${totals.students} student${totals.students === 1 ? '' : 's'}: ${totals.live} up, ${totals.running} running a step, ${totals.idle} idle; ${formatUsd(totals.costUsd)} so far; checks ${totals.passed}/${totals.checked} passed`;
  return [head, body, summary];
}
