import { Command, CommanderError, Option } from 'commander';
import { ExitCode, isLabsError } from '../core/errors.js';
import { registerCheck } from './commands/check.js';
import { registerConfig } from './commands/config.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDoctor } from './commands/doctor.js';
import { registerList } from './commands/list.js';
import { registerLogs } from './commands/logs.js';
import { registerSetup } from './commands/setup.js';
import { registerShow } from './commands/show.js';
import { registerStart } from './commands/start.js';
import { registerStatus } from './commands/status.js';
import { registerCluster } from './commands/cluster.js';
import { registerCohort } from './commands/cohort.js';
import { registerGc } from './commands/gc.js';
import { registerVerify } from './commands/verify.js';
import { registerIamPolicy } from './commands/iam-policy.js';
import { registerPlan } from './commands/plan.js';
import { registerStop } from './commands/stop.js';
import { registerUi } from './commands/ui.js';
import { registerSandbox } from './commands/sandbox.js';
import { registerExercise } from './commands/exercise.js';
import { registerSolution } from './commands/solution.js';
import { dropOutputOnClosedPipe } from './closed-pipe.js';
import { installDefaultInterrupt } from './signals.js';
import { checkStateBeforeCommand } from './state-check.js';

export const VERSION = '0.1.0';

export function buildProgram(): Command {
  const program = new Command('labs')
    .description('Run the labs of "Apache Spark on Amazon EMR" on EMR or on Spark on your own machine')
    .version(VERSION, '-V, --version')
    .addOption(new Option('--profile <name>', 'AWS profile (else AWS_PROFILE / the default chain)'))
    .addOption(new Option('--region <region>', 'AWS region (else AWS_REGION / the profile\'s)'))
    .option('--debug', 'print stack traces of errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 a lab/step/check failed, 2 bad input or usage, 3 environment or AWS error, 130 interrupted.\n' +
        'Environment: LABS_HOME (state), LABS_CACHE_DIR (venv, lab catalog), LABS_TARGET, LABS_STUDENT, LABS_BUCKET, LABS_UI_PORT, NO_COLOR.',
    );
  for (const register of [registerList, registerShow, registerSetup, registerDoctor, registerStart, registerExercise, registerSolution, registerCheck, registerStatus, registerLogs, registerConfig, registerDashboard, registerPlan, registerCluster, registerSandbox, registerStop, registerUi, registerCohort, registerVerify, registerGc, registerIamPolicy]) {
    register(program);
  }
  program.commands.forEach((cmd) => cmd.exitOverride());
  program.hook('preAction', checkStateBeforeCommand);
  return program;
}

/** The single exit point: every error becomes a one-line message, a hint and the documented exit code. */
export async function main(argv: string[]): Promise<void> {
  dropOutputOnClosedPipe(process.stdout);
  dropOutputOnClosedPipe(process.stderr);
  installDefaultInterrupt();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.exitCode = report(e, argv.includes('--debug'), argv.includes('--json'));
  }
}

function report(e: unknown, debug: boolean, json: boolean): number {
  if (e instanceof CommanderError) {
    // Help and version are not errors; commander already printed them.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.ok;
    return ExitCode.badInput;
  }
  if (isLabsError(e)) {
    if (json && !e.documentPrinted) process.stdout.write(`${JSON.stringify({ ok: false, error: { message: e.message, hint: e.hint, exitCode: e.exitCode } }, null, 2)}\n`);
    process.stderr.write(`error: ${e.message}\n`);
    if (e.hint) process.stderr.write(`hint: ${e.hint}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: { message: err.message, exitCode: ExitCode.environment } }, null, 2)}\n`);
  process.stderr.write(`error: ${err.message}\n`);
  process.stderr.write(debug ? `${err.stack}\n` : 'hint: this looks like a bug in labs; re-run with --debug and report the stack\n');
  return ExitCode.environment;
}
