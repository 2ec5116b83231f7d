import type { Command } from 'commander';
import { runError } from '../../core/run/run-outcome.js';
import { awsFlags } from '../aws-flags.js';
import { line, printJson } from '../output.js';

export function registerCheck(program: Command): void {
  program
    .command('check <lab>')
    .description("evaluate a lab's checks on its latest run")
    .option('--answer <name=value,...>', "grade your answers to the lab's questions, e.g. --answer key=k7,stage=3")
    .option('--json', 'print the checks as one JSON document')
    .action(async (id: string, opts: { json?: boolean; answer?: string }, cmd: Command) => {
      const [{ parseAnswers }, { loadLab }, { loadConfig }, { createEngine }, { RunStore }, { checkLatest }, { runsDir }, { checkLine, summaryLine }] = await Promise.all([
        import('../../core/lab/checks.js'),
        import('../../app/lab-catalog.js'),
        import('../../app/config-store.js'),
        import('../../app/engines.js'),
        import('../../app/run-store.js'),
        import('../../app/check.js'),
        import('../../app/paths.js'),
        import('../reporters/plain.js'),
      ]);
      const lab = loadLab(id);
      const answers = opts.answer === undefined ? undefined : parseAnswers(opts.answer, lab);
      const store = new RunStore(runsDir());
      const latest = store.latest(id);
      const engine = createEngine(loadConfig(latest ? { target: latest.target, student: latest.student } : {}), process.env, awsFlags(cmd));
      let run;
      try {
        run = await checkLatest(lab, engine, store, answers);
      } finally {
        await engine.dispose?.();
      }
      if (opts.json) printJson({ lab: id, runId: run.runId, state: run.state, checks: run.checks });
      else {
        for (const r of run.checks ?? []) line(checkLine(r));
        line(summaryLine(run));
      }
      const error = runError(run);
      if (error) {
        error.documentPrinted = Boolean(opts.json);
        throw error;
      }
    });
}
