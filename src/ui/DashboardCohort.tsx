import { Box, Text } from 'ink';
import { fit, formatUsd } from '../core/dashboard/format.js';
import { formatCheck, type CohortRow, type CohortTotals } from '../core/dashboard/views.js';
import type { CohortSortKey } from '../core/dashboard/state.js';
import { sparkline } from '../core/dashboard/sparkline.js';
import { stateColor } from './dashboard-colors.js';

interface Column {
  key: string;
  title: string;
  width: number;
  cell: (r: CohortRow) => string;
}

const COLUMNS: Column[] = [
  { key: 'student', title: 'STUDENT', width: 14, cell: (r) => r.student },
  { key: 'state', title: 'STATE', width: 13, cell: (r) => r.state },
  { key: 'lab', title: 'LAB', width: 20, cell: (r) => r.lab },
  { key: 'step', title: 'STEP', width: 20, cell: (r) => r.step },
  { key: 'idle', title: 'IDLE', width: 6, cell: (r) => (r.idleMinutes === undefined ? '-' : `${Math.floor(r.idleMinutes)}m`) },
  { key: 'cost', title: 'COST', width: 8, cell: (r) => formatUsd(r.costUsd) },
  { key: 'check', title: 'CHECK', width: 22, cell: (r) => formatCheck(r.check) },
  { key: 'apps', title: 'APPS', width: 12, cell: (r) => sparkline(r.apps, 12) },
];
/** What goes first when the terminal is narrow. */
const DROP_ORDER = ['apps', 'check', 'step', 'lab'];

/** The columns that fit in `width` (2 for the selection mark, 1 between columns). */
export function cohortColumns(width: number): Column[] {
  let cols = COLUMNS;
  const need = (cs: Column[]) => 2 + cs.reduce((a, c) => a + c.width + 1, 0);
  for (const drop of DROP_ORDER) {
    if (need(cols) <= width) break;
    cols = cols.filter((c) => c.key !== drop);
  }
  return cols;
}

/** Which rows to draw so the selected one stays in the window. */
export function rowWindow(count: number, selected: number, height: number): { start: number; end: number } {
  const h = Math.max(1, height);
  if (count <= h) return { start: 0, end: count };
  const start = Math.min(Math.max(0, selected - Math.floor(h / 2)), count - h);
  return { start, end: start + h };
}

/**
 * One row as three strings (before the state, the state, after it): a class is 200 rows, and one ink node per cell
 * doubles the time a frame takes to lay out.
 */
function CohortLine({ row, cols, selected }: { row: CohortRow; cols: Column[]; selected: boolean }) {
  const at = cols.findIndex((c) => c.key === 'state');
  const cells = (cs: Column[]) => cs.map((c) => fit(c.cell(row), c.width)).join(' ');
  const before = cells(cols.slice(0, at));
  const after = cells(cols.slice(at + 1));
  return (
    <Text wrap="truncate" inverse={selected}>
      {selected ? '› ' : '  '}
      {before ? `${before} ` : ''}
      <Text color={stateColor(row.state)}>{fit(row.state, cols[at]!.width)}</Text>
      {after ? ` ${after}` : ''}
    </Text>
  );
}

function Totals({ totals, filter }: { totals: CohortTotals; filter: string }) {
  const checks = totals.checked ? `checks: ${totals.passed}/${totals.checked} passed` : 'checks: none yet';
  const unknown = totals.costUnknown ? ` (${totals.costUnknown} not priced yet)` : '';
  return (
    <Text wrap="truncate">
      <Text bold>
        {totals.students} student{totals.students === 1 ? '' : 's'}
      </Text> · {totals.live} up, {totals.running} running a step, {totals.idle} idle · {formatUsd(totals.costUsd)} so far{unknown} · {checks}
      {filter ? ` · showing ${totals.shown} matching "${filter}"` : ''}
    </Text>
  );
}

/** The instructor's table: one row per student, a window of rows that follows the selection, and the class totals. */
export function DashboardCohort(props: {
  rows: CohortRow[];
  totals: CohortTotals;
  selected?: string | undefined;
  sortKey: CohortSortKey;
  filter: string;
  width: number;
  height: number;
}) {
  const cols = cohortColumns(props.width);
  const at = Math.max(0, props.rows.findIndex((r) => r.key === props.selected));
  const { start, end } = rowWindow(props.rows.length, at, props.height);
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {'  '}
        {cols.map((c) => fit(c.key === props.sortKey ? `${c.title}▾` : c.title, c.width)).join(' ')}
      </Text>
      {props.rows.slice(start, end).map((r) => (
        <CohortLine key={r.key} row={r} cols={cols} selected={r.key === props.selected} />
      ))}
      {!props.rows.length ? <Text dimColor>{props.filter ? `no student matches "${props.filter}"` : 'no clusters carry this cohort\'s tags yet'}</Text> : null}
      {props.rows.length > end - start ? (
        <Text dimColor>
          rows {start + 1}-{end} of {props.rows.length}
        </Text>
      ) : null}
      <Totals totals={props.totals} filter={props.filter} />
    </Box>
  );
}
