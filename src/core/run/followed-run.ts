import type { RunRecord } from './run-record.js';

/**
 * The run a dashboard without --target follows: the newest of the latest runs (by start time). Its target and
 * student decide what is shown, so `labs start x --target emr --no-wait` is followed on EMR, not as a local run.
 */
export function newestRun(runs: readonly RunRecord[]): RunRecord | undefined {
  return [...runs].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt))[0];
}
