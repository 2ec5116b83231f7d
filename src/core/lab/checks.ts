import { CHECK_OPERATORS, CHECK_TARGETS, metricLabel, type CheckOperator, type CheckTarget } from './check-operators.js';
import { InputError } from '../errors.js';
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
  /** for an exercise: the TODO this check depends on (lab.yaml's hint), shown when it fails */
  hint?: string | undefined;
  /**
   * An answer check evaluated without any answers (`labs start`, or `labs check` without --answer): not graded
   * yet, so it does not fail the run (passed is true) and reporters show it as pending.
   */
  pending?: true | undefined;
  /** lab.yaml's targets of a check scoped to some targets (absent: it applies on every target) */
  targets?: CheckTarget[] | undefined;
  /**
   * The check is scoped to other targets than the run's: not evaluated, neither passed nor failed. `passed` is false
   * (a reader that does not know this field never counts it as a pass); every count here leaves it out of both.
   */
  notApplicable?: true | undefined;
  /** why it is not applicable: "applies on sandbox, emr; this run is local" */
  reason?: string | undefined;
}

/** Student answers for a lab's answer checks (`labs check <lab> --answer key=value,...`), by answer name. */
export type Answers = ReadonlyMap<string, string>;

export const PENDING_ANSWER = 'pending: answer with labs check --answer';

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

/** The condition of a check, e.g. ">= 2" or "= \"BroadcastHashJoin\" and exists". */
function expectedOf(check: Check): string {
  return CHECK_OPERATORS.filter((op) => check[op] !== undefined)
    .map((op) => (op === 'exists' && check.exists ? 'exists' : op === 'exists' ? 'absent' : `${SYMBOL[op]} ${JSON.stringify(check[op])}`))
    .join(' and ');
}

/** What a check shows it read: its result.json path, or the CloudWatch metric and statistic. */
export const checkSource = (check: Pick<Check, 'path' | 'metric'>) => check.path ?? (check.metric ? metricLabel(check.metric) : '');

export function evaluateCheck(check: Check, step: string, result: unknown): CheckResult {
  const actual = check.path === undefined ? undefined : readPath(result, check.path);
  return judged(check, step, actual);
}

function judged(check: Check, step: string, actual: unknown): CheckResult {
  const ops = CHECK_OPERATORS.filter((op) => check[op] !== undefined);
  const passed = ops.every((op) => holds(op, actual, check[op]));
  const expected = expectedOf(check);
  return { name: check.name, step, path: checkSource(check), passed, actual, expected, explain: check.explain, ...(check.hint ? { hint: check.hint } : {}) };
}

/**
 * A metric check on the value the engine read from CloudWatch for the step's window; none (no datapoint yet: EMR
 * publishes every 5 minutes) fails, saying when to look again.
 */
export function evaluateMetric(check: Check, step: string, value: number | undefined, lab?: string): CheckResult {
  const r = judged(check, step, value);
  if (value !== undefined) return r;
  return { ...r, actual: 'no datapoint', explain: `CloudWatch has no ${checkSource(check)} datapoint for the step's window yet (EMR publishes every 5 minutes): \`labs check ${lab ?? '<lab>'}\` again later` };
}

const normalise = (v: unknown) => String(v).trim().toLowerCase();

/**
 * Grade an answer check: the student's answer against the value at the check's path (trimmed, case-insensitive;
 * any element of an array). Without answers at all the check is pending; with answers but none for this name,
 * it fails. The known value is never put in the result: it is the answer.
 */
export function evaluateAnswer(check: Check & { answer: string }, step: string, result: unknown, answers: Answers | undefined, lab?: string): CheckResult {
  const base = { name: check.name, step, path: checkSource(check), expected: `the correct ${check.answer}` };
  if (!answers) return { ...base, passed: true, pending: true, actual: PENDING_ANSWER, explain: check.explain };
  const given = answers.get(check.answer);
  if (given === undefined) {
    return { ...base, passed: false, actual: 'no answer', explain: `give it with: labs check ${lab ?? '<lab>'} --answer ${check.answer}=<your answer>` };
  }
  const known = check.path === undefined ? undefined : readPath(result, check.path);
  const candidates = known === undefined || known === null ? [] : Array.isArray(known) ? known : [known];
  const passed = candidates.some((k) => normalise(k) === normalise(given));
  return { ...base, passed, actual: given, explain: check.explain };
}

/**
 * Parse `--answer key=value,key2=value2` (values are trimmed; a value may not contain a comma). Throws InputError on
 * anything malformed, a repeated key, or a key none of the lab's checks asks for.
 */
export function parseAnswers(text: string, lab?: Lab): Map<string, string> {
  const usage = 'write it as --answer name=value,name2=value2';
  const answers = new Map<string, string>();
  for (const part of text.split(',')) {
    const m = /^\s*([a-z][a-z0-9_-]*)\s*=(.*)$/i.exec(part);
    const value = m?.[2]?.trim();
    if (!m || !value) throw new InputError(`--answer: "${part.trim()}" is not name=value`, usage);
    const key = m[1]!.toLowerCase();
    if (answers.has(key)) throw new InputError(`--answer: ${key} is given twice`, usage);
    answers.set(key, value);
  }
  if (lab) {
    const asked = [...new Set(lab.checks.flatMap((c) => (c.answer ? [c.answer] : [])))];
    for (const key of answers.keys()) {
      if (!asked.includes(key)) {
        throw new InputError(
          `--answer: ${lab.id} asks for no answer named "${key}"`,
          asked.length ? `it asks for: ${asked.join(', ')}` : `${lab.id} has no answer checks`,
        );
      }
    }
  }
  return answers;
}

/** The step whose result.json a check reads: the one it names, else the last. */
export function checkStep(lab: Lab, check: Check): string {
  return check.step ?? lab.steps.at(-1)!.name;
}

/** True when the check applies on the target: it names no targets, or names this one. */
export function checkApplies(check: Pick<Check, 'targets'>, target: CheckTarget): boolean {
  return !check.targets || check.targets.includes(target);
}

/** "sandbox, emr", in the order of CHECK_TARGETS whatever order lab.yaml lists them in. */
export function formatTargets(targets: readonly CheckTarget[]): string {
  return CHECK_TARGETS.filter((t) => targets.includes(t)).join(', ');
}

function notApplicable(check: Check & { targets: CheckTarget[] }, step: string, target: CheckTarget): CheckResult {
  return {
    name: check.name,
    step,
    path: checkSource(check),
    passed: false,
    notApplicable: true,
    actual: undefined,
    expected: check.answer !== undefined ? `the correct ${check.answer}` : expectedOf(check),
    targets: check.targets,
    reason: `applies on ${formatTargets(check.targets)}; this run is ${target}`,
  };
}

/**
 * Run every check of a lab on a run on `target`. `results` maps step name to its parsed result.json; a step with no
 * result (it failed or never ran) makes its checks fail with actual = undefined rather than throw. A check scoped to
 * other targets is not applicable (not evaluated at all). `answers` grades the lab's answer checks; without it they
 * are pending.
 */
export function evaluateChecks(
  lab: Lab,
  results: ReadonlyMap<string, unknown>,
  o: { target: CheckTarget; answers?: Answers | undefined; metrics?: ReadonlyMap<string, number | undefined> | undefined },
): CheckResult[] {
  return lab.checks.map((check) => {
    const step = checkStep(lab, check);
    const scope = check.targets ? { targets: check.targets } : {};
    if (!checkApplies(check, o.target)) return notApplicable({ ...check, targets: check.targets! }, step, o.target);
    if (check.answer !== undefined) return { ...evaluateAnswer({ ...check, answer: check.answer }, step, results.get(step), o.answers, lab.id), ...scope };
    if (check.metric && !o.metrics) return { ...notApplicable({ ...check, targets: check.targets! }, step, o.target), reason: 'a CloudWatch check needs the run\'s step records (its cluster and window); this grade has only result.json' };
    if (check.metric) return { ...evaluateMetric(check, step, o.metrics?.get(check.name), lab.id), ...scope };
    return { ...evaluateCheck(check, step, results.get(step)), ...scope };
  });
}

/** What a check result counts as: every count, exit code and grade goes through this. */
export type CheckStatus = 'passed' | 'failed' | 'pending' | 'not applicable';

export function checkStatus(r: Pick<CheckResult, 'passed' | 'pending' | 'notApplicable'>): CheckStatus {
  if (r.notApplicable) return 'not applicable';
  if (r.pending) return 'pending';
  return r.passed ? 'passed' : 'failed';
}

/** A check that fails the run (exit 1): not a pending answer, not a check that does not apply here. */
export const checkFailed = (r: Pick<CheckResult, 'passed' | 'pending' | 'notApplicable'>): boolean => checkStatus(r) === 'failed';

export interface CheckTally {
  passed: number;
  failed: number;
  pending: number;
  notApplicable: number;
  /** the checks that apply on the run's target: passed + failed + pending */
  applicable: number;
  /** the targets the not-applicable checks apply on, together ("sandbox, emr"); empty when there are none */
  elsewhere: string;
}

export function tallyChecks(results: readonly CheckResult[]): CheckTally {
  const count = (s: CheckStatus) => results.filter((r) => checkStatus(r) === s).length;
  const na = results.filter((r) => r.notApplicable);
  return {
    passed: count('passed'),
    failed: count('failed'),
    pending: count('pending'),
    notApplicable: na.length,
    applicable: results.length - na.length,
    elsewhere: formatTargets(na.flatMap((r) => r.targets ?? [])),
  };
}

/** ", 2 not applicable here (sandbox, emr only)", or "" when every check applies: for summary lines. */
export function notApplicableNote(t: CheckTally): string {
  return t.notApplicable ? `, ${t.notApplicable} not applicable here (${t.elsewhere} only)` : '';
}

export function formatActual(v: unknown): string {
  if (v === undefined) return 'missing';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
  if (typeof v === 'string') return v.length > 60 ? `${v.slice(0, 57)}...` : v;
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
