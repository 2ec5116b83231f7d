import type { CheckTarget } from '../../src/core/lab/check-operators.js';
import { checkApplies, formatTargets, type CheckResult } from '../../src/core/lab/checks.js';
import type { Check } from '../../src/core/lab/lab-schema.js';

/**
 * What is wrong with a run's check results on `target`, given the lab's checks ([] when nothing is): every check
 * that applies there (no `targets`, or `targets` naming it) was evaluated, not skipped as n/a; every check scoped to
 * other targets was reported n/a, neither passed nor evaluated. One line per problem, naming the check. A lab suite
 * on any target (local Spark today, the sandbox next) asserts `toEqual([])`.
 */
export function scopedCheckProblems(checks: readonly Pick<Check, 'name' | 'targets'>[], results: readonly CheckResult[], target: CheckTarget): string[] {
  const byName = new Map(results.map((r) => [r.name, r]));
  const problems: string[] = [];
  for (const check of checks) {
    const r = byName.get(check.name);
    const scope = check.targets ? `scoped to ${formatTargets(check.targets)}` : 'unscoped';
    if (!r) {
      problems.push(`${check.name}: ${scope}, but no result on ${target}`);
    } else if (checkApplies(check, target)) {
      if (r.notApplicable) problems.push(`${check.name}: ${scope}, but skipped as not applicable on ${target}`);
    } else if (!r.notApplicable) {
      problems.push(`${check.name}: ${scope}, but evaluated on ${target} (${r.passed ? 'passed' : 'failed'}) instead of reported not applicable`);
    } else if (r.passed) {
      problems.push(`${check.name}: not applicable on ${target}, but counted as passed`);
    }
  }
  return problems;
}
