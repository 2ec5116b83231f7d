import { InterruptedError, LabFailedError, type LabsError } from '../errors.js';
import type { RunRecord } from './run-record.js';
import { checkFailed, tallyChecks } from '../lab/checks.js';

/** The error a finished run exits with, or undefined when it passed. */
export function runError(run: RunRecord): LabsError | undefined {
  const id = run.lab;
  if (run.state === 'CANCELLED') return new InterruptedError(`${id}: stopped; the Spark process was ended cleanly`, `run \`labs start ${id}\` to start again`);
  if (run.state === 'COMPLETED') return undefined;
  const failed = run.steps.find((s) => s.state === 'FAILED');
  if (failed) {
    return new LabFailedError(`${id}: step "${failed.name}" failed: ${failed.failure?.summary ?? 'see its log'}`, `\`labs logs ${id} --step ${failed.name}\` shows the full log`);
  }
  const checks = run.checks ?? [];
  const failing = checks.filter(checkFailed);
  if (failing.length) {
    const { applicable } = tallyChecks(checks);
    return new LabFailedError(`${id}: ${failing.length} of ${applicable} checks failed (${failing.map((c) => c.name).join('; ')})`, `read labs/${id}/README.md for what the checks expect`);
  }
  return new LabFailedError(`${id}: the run did not finish (${run.state})`, `\`labs status ${id}\` shows where it stopped`);
}
