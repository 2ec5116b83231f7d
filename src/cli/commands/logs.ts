import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { awsFlags } from '../aws-flags.js';

export function registerLogs(program: Command): void {
  program
    .command('logs <lab>')
    .description("print the log of a step of the lab's latest run (default: the failed step, else the last)")
    .option('--step <name>', 'the step')
    .option('--stdout', "print the step's stdout instead of its stderr")
    .action(async (id: string, opts: { step?: string; stdout?: boolean }, cmd: Command) => {
      const [{ RunStore }, { runsDir }, { loadLab }, fs] = await Promise.all([
        import('../../app/run-store.js'),
        import('../../app/paths.js'),
        import('../../app/lab-catalog.js'),
        import('node:fs'),
      ]);
      const lab = loadLab(id);
      const run = new RunStore(runsDir()).latest(id);
      if (!run) throw new InputError(`${id} has no run yet`, `run it first: labs start ${id}`);
      const step = opts.step
        ? run.steps.find((s) => s.name === opts.step)
        : (run.steps.find((s) => s.state === 'FAILED') ?? [...run.steps].reverse().find((s) => s.logs ?? s.emr));
      if (!step) throw new InputError(`${id} has no step "${opts.step}"`, `steps: ${lab.steps.map((s) => s.name).join(', ')}`);
      const file = opts.stdout ? step.logs?.stdout : step.logs?.stderr;
      if ((!file || !fs.existsSync(file)) && step.emr) {
        // An EMR step whose log was not copied here (it passed, or EMR had not uploaded it yet): read it from LogUri.
        const [{ openAwsSession }, { emrStepLog }] = await Promise.all([import('../../app/aws-session.js'), import('../../app/emr/step-log.js')]);
        const session = await openAwsSession({ ...awsFlags(cmd), student: run.student, target: run.target === 'sandbox' ? 'sandbox' : undefined });
        try {
          process.stdout.write(await emrStepLog(session.ctx, step, opts.stdout ? 'stdout' : 'stderr'));
        } finally {
          session.close();
        }
        return;
      }
      if (!file || !fs.existsSync(file)) throw new InputError(`step "${step.name}" of run ${run.runId} has no log (state ${step.state})`, 'a step that never started has no log');
      await new Promise<void>((resolve, reject) => {
        fs.createReadStream(file).on('error', reject).on('end', resolve).pipe(process.stdout, { end: false });
      });
    });
}
