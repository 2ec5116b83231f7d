import type { Command } from 'commander';
import { awsFlags } from '../aws-flags.js';
import { line, printJson } from '../output.js';

export function registerStop(program: Command): void {
  program
    .command('stop <lab>')
    .description("cancel the lab's pending and running steps on your EMR (or sandbox) cluster (a local run stops with Ctrl-C)")
    .option('--student <id>', 'student id; default from config')
    .option('--json', 'print one JSON document')
    .action(async (id: string, flags: { student?: string; json?: boolean }, cmd: Command) => {
      const [{ loadLab }, { openAwsSession }, { stopLab }, { latestRunTarget }] = await Promise.all([
        import('../../app/lab-catalog.js'),
        import('../../app/aws-session.js'),
        import('../../app/emr/clusters.js'),
        import('../../app/run-store.js'),
      ]);
      loadLab(id); // unknown ids get the "did you mean" error before any AWS call
      // A lab last run on the sandbox is stopped there (its YARN application is killed), else on EMR.
      const where = latestRunTarget(id) === 'sandbox' ? 'sandbox' : undefined;
      const session = await openAwsSession({ ...awsFlags(cmd), student: flags.student, target: where });
      try {
        const stopped = await stopLab(session.ctx, session.config, id);
        if (flags.json) return printJson({ lab: id, stopped });
        if (!stopped.length) return line(`${id}: nothing running on ${session.config.target === 'sandbox' ? 'the sandbox' : 'EMR'}`);
        for (const s of stopped) line(`${id}: cancelling ${s.stepIds.join(', ')} on ${s.clusterId}`);
      } finally {
        session.close();
      }
    });
}
