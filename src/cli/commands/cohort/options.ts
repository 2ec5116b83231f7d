import type { Command } from 'commander';
import { EnvironmentError, InputError } from '../../../core/errors.js';
import type { StudentOutcome } from '../../../app/emr/cohort.js';
import { c, line, printJson } from '../../output.js';

export interface CohortFlags {
  cohort?: string;
  roster?: string;
  fleets?: boolean;
  concurrency?: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** What every cohort sub-command has checked before it acts. */
export interface CohortInput {
  cohort: string;
  concurrency: number;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** A cohort sub-command with the flags they all accept (each uses the ones it needs). */
export function cohortSubcommand(parent: Command, usage: string, description: string): Command {
  return parent
    .command(usage)
    .description(description)
    .option('--cohort <name>', 'the class: its clusters carry this tag')
    .option('--roster <csv>', 'CSV with a `student` column (optional: name, email); needed by up')
    .option('--fleets', 'up/run: instance-fleet clusters')
    .option('--concurrency <n>', 'students handled at once (1-32)', undefined)
    .option('--dry-run', 'say what would happen; change nothing')
    .option('--yes', 'do not ask before creating or terminating clusters')
    .option('--json', 'print one JSON document');
}

function concurrencyOf(flag: string | undefined): number {
  if (flag === undefined) return 4;
  const n = Number(flag);
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new InputError(`--concurrency must be a whole number from 1 to 32, not "${flag}"`);
  return n;
}

/** --cohort and --concurrency checked, in this order, before anything else. */
export function cohortInput(flags: CohortFlags): CohortInput {
  if (!flags.cohort) throw new InputError('--cohort is required', 'name the class, e.g. --cohort fall-27');
  if (!NAME.test(flags.cohort)) throw new InputError(`--cohort "${flags.cohort}" is not a valid name`, 'letters, digits, dot, dash, underscore (max 64)');
  return { cohort: flags.cohort, concurrency: concurrencyOf(flags.concurrency) };
}

/** stderr of a bulk command: the students' messages and one progress line (cli/reporters/cohort-progress.ts). */
export async function cohortOutput(flags: CohortFlags) {
  const reporter = (await import('../../reporters/cohort-progress.js')).cohortReporter({ json: flags.json, dim: c.dim });
  return { say: reporter.message, onProgress: reporter.progress };
}

/** Ctrl-C during a bulk command: students under way finish, the rest are left alone; the same command again resumes. */
export async function studentsInterrupt<T>(say: (m: string) => void, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = (await import('../../signals.js')).interruptSignal(() => say('stopping after the students under way (Ctrl-C again quits now)'));
  try {
    return await body(interrupt.signal);
  } finally {
    interrupt.dispose();
  }
}

/** Per-student lines, then a one-line error (exit 3) if any student failed: the others are done and re-running is safe. */
export function report(outcomes: StudentOutcome[], json: boolean | undefined, what: string, rerun: string): void {
  if (json) printJson({ students: outcomes });
  else for (const o of outcomes) line(`${o.ok ? c.green('✓') : c.red('✗')} ${o.student}: ${o.detail}`);
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) {
    const error = new EnvironmentError(`${what} failed for ${failed.length} of ${outcomes.length} students (${failed.map((f) => f.student).join(', ')})`, `fix the cause above and run \`${rerun}\` again: students already done are left as they are`);
    error.documentPrinted = Boolean(json);
    throw error;
  }
}

/** The roster when --roster names one (read and checked by the app). */
export async function rosterOf(flags: CohortFlags) {
  return flags.roster ? (await import('../../../app/roster-file.js')).readRosterFile(flags.roster) : undefined;
}
