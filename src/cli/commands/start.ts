import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { runError } from '../../core/run/run-outcome.js';
import type { RunEvent } from '../../core/run/run-record.js';
import { awsFlags } from '../aws-flags.js';
import { TARGET_HELP, targetFlag } from '../target-flag.js';
import { printJson } from '../output.js';
import { honourNoColor } from '../no-color.js';
import { interruptSignal } from '../signals.js';

interface StartFlags {
  target?: string;
  student?: string;
  json?: boolean;
  fleets?: boolean;
  wait?: boolean;
  reference?: boolean;
}

export function registerStart(program: Command): void {
  program
    .command('start <lab>')
    .description('run a lab: its steps, then its checks')
    .option('--target <target>', TARGET_HELP)
    .option('--student <id>', 'student id (tags, S3 prefix); default from config')
    .option('--fleets', 'on EMR, use an instance-fleet cluster')
    .option('--no-wait', 'on EMR or the sandbox, submit the steps and return')
    .option('--reference', 'run the bundled solution even when you have an exercise workspace for the lab')
    .option('--json', 'print the run record as one JSON document')
    .action(async (id: string, flags: StartFlags, cmd: Command) => {
      const target = targetFlag(flags.target);
      const [{ loadLab }, { loadConfig }, { createEngine }, { RunStore }, { startLab }, paths, { chooseExerciseRun }] = await Promise.all([
        import('../../app/lab-catalog.js'),
        import('../../app/config-store.js'),
        import('../../app/engines.js'),
        import('../../app/run-store.js'),
        import('../../app/start.js'),
        import('../../app/paths.js'),
        import('../../app/exercise-choice.js'),
      ]);
      const bundled = loadLab(id);
      const config = loadConfig({ target, student: flags.student });
      const { signal, dispose } = interruptSignal(() => process.stderr.write('\nstopping: ending the Spark process cleanly (Ctrl-C again to force)\n'));
      let exercise;
      try {
        exercise = await chooseExerciseRun(bundled, { reference: flags.reference, config, signal, onProgress: (m) => process.stderr.write(`${m}\n`) });
      } catch (e) {
        dispose();
        throw e;
      }
      const lab = exercise?.lab ?? bundled;
      if (exercise) process.stderr.write(`exercise: running your files from ${exercise.workspace} (\`labs start ${id} --reference\` runs the solution)\n`);
      const engine = createEngine(config, process.env, { fleets: flags.fleets, ...awsFlags(cmd) });

      const live = !flags.json && Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb';
      let onEvent: (e: RunEvent) => void = () => {};
      let finish = async () => {};
      if (live) {
        honourNoColor();
        ({ onEvent, finish } = (await import('../../ui/render-run.js')).renderRun());
      } else if (!flags.json) {
        onEvent = (await import('../reporters/plain.js')).plainReporter();
      }
      let run;
      try {
        run = await startLab({ lab, config, engine, store: new RunStore(paths.runsDir()), onEvent, signal, ...(config.target === 'local' ? { eventLogDir: paths.eventLogDir() } : {}), wait: flags.wait, exercise: exercise?.workspace, ...(exercise ? { jobFiles: exercise.jobFiles } : {}) });
      } finally {
        dispose();
        await finish();
      }
      if (flags.json) printJson(run);
      if (flags.wait === false) {
        if (!flags.json) process.stderr.write(`${(await import('../reporters/plain.js')).queuedLine(run)}\n`);
        return;
      }
      if (!flags.json && live) {
        const { summaryLine } = await import('../reporters/plain.js');
        process.stderr.write(`${summaryLine(run)}\n`);
      }
      const error = runError(run);
      if (error) {
        error.documentPrinted = Boolean(flags.json);
        throw error;
      }
    });
}
