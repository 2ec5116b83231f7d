import { CHECK_OPERATORS, type CheckOperator } from './check-operators.js';
import type { Check, Lab } from './lab-schema.js';

export interface CheckResult {
  name: string;
  step: string;
  path: string;
  passed: boolean;
  /** the value measured in result.json (undefined when the path is absent) */
  actual: unknown;
  /** the condition, e.g. ">= 2" or "= BroadcastHashJoin" */
  expected: string;
  explain?: string | undefined;
}

/** Read `a.b[2].c` from a parsed result.json. */
export function readPath(source: unknown, path: string): unknown {
  let node: unknown = source;
  for (const segment of path.split('.')) {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(segment);
    if (!m) return undefined;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[m[1]!] : undefined;
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) {
      node = Array.isArray(node) ? node[Number(idx[1])] : undefined;
    }
  }
  return node;
}

const SYMBOL: Record<CheckOperator, string> = {
  equals: '=',
  notEquals: '!=',
  gte: '>=',
  gt: '>',
  lte: '<=',
  lt: '<',
  contains: 'contains',
  notContains: 'does not contain',
  matches: 'matches',
  exists: 'exists',
};

function holds(op: CheckOperator, actual: unknown, expected: unknown): boolean {
  switch (op) {
    case 'exists':
      return (actual !== undefined && actual !== null) === expected;
    case 'equals':
      return actual === expected;
    case 'notEquals':
      return actual !== undefined && actual !== expected;
    case 'gte':
      return typeof actual === 'number' && actual >= (expected as number);
    case 'gt':
      return typeof actual === 'number' && actual > (expected as number);
    case 'lte':
      return typeof actual === 'number' && actual <= (expected as number);
    case 'lt':
      return typeof actual === 'number' && actual < (expected as number);
    case 'contains':
    case 'notContains': {
      const has = Array.isArray(actual)
        ? actual.some((x) => x === expected)
        : typeof actual === 'string' && actual.includes(expected as string);
      return op === 'contains' ? has : actual !== undefined && !has;
    }
    case 'matches':
      return typeof actual === 'string' && new RegExp(expected as string).test(actual);
  }
}

export function evaluateCheck(check: Check, step: string, result: unknown): CheckResult {
  const actual = readPath(result, check.path);
  const ops = CHECK_OPERATORS.filter((op) => check[op] !== undefined);
  const passed = ops.every((op) => holds(op, actual, check[op]));
  const expected = ops
    .map((op) => (op === 'exists' && check.exists ? 'exists' : op === 'exists' ? 'absent' : `${SYMBOL[op]} ${JSON.stringify(check[op])}`))
    .join(' and ');
  return { name: check.name, step, path: check.path, passed, actual, expected, explain: check.explain };
}

/** The step whose result.json a check reads: the one it names, else the last. */
export function checkStep(lab: Lab, check: Check): string {
  return check.step ?? lab.steps.at(-1)!.name;
}

/**
 * Run every check of a lab. `results` maps step name to its parsed result.json; a step with no result
 * (it failed or never ran) makes its checks fail with actual = undefined rather than throw.
 */
export function evaluateChecks(lab: Lab, results: ReadonlyMap<string, unknown>): CheckResult[] {
  return lab.checks.map((check) => {
    const step = checkStep(lab, check);
    return evaluateCheck(check, step, results.get(step));
  });
}

export function formatActual(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
  if (typeof v === 'string') return v.length > 60 ? `${v.slice(0, 57)}...` : v;
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
