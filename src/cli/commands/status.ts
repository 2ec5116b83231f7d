import type { Command } from 'commander';
import { formatActual } from '../../core/checks.js';
import type { RunRecord } from '../../core/run-record.js';
import { c, formatSeconds, line, printJson, table } from '../output.js';

const stateColor = (s: string) => (s === 'COMPLETED' ? c.green(s) : s === 'FAILED' ? c.red(s) : s === 'RUNNING' ? c.cyan(s) : c.yellow(s));

function checksCell(run: RunRecord): string {
  if (!run.checks) return '-';
  return `${run.checks.filter((x) => x.passed).length}/${run.checks.length}`;
}

export function registerStatus(program: Command): void {
  program
    .command('status [lab]')
    .description('the latest run of each lab (or of one lab, with its steps and checks)')
    .option('--json', 'print one JSON document')
    .action(async (id: string | undefined, opts: { json?: boolean }) => {
      const [{ RunStore }, { runsDir }, { loadLab }] = await Promise.all([
        import('../../app/run-store.js'),
        import('../../app/paths.js'),
        import('../../app/lab-catalog.js'),
      ]);
      const store = new RunStore(runsDir());
      if (id) {
        loadLab(id); // unknown ids get the "did you mean" error
        const run = store.latest(id);
        if (opts.json) return printJson({ lab: id, run: run ?? null });
        if (!run) return line(`${id}: no run yet (\`labs start ${id}\`)`);
        line(`${c.bold(run.lab)} run ${run.runId} on ${run.target}: ${stateColor(run.state)}  ${c.dim(run.dir)}`);
        line(table(run.steps.map((s) => [`  ${s.name}`, stateColor(s.state), formatSeconds(s.seconds), s.failure?.summary ?? ''])));
        for (const ch of run.checks ?? []) line(`  ${ch.passed ? c.green('✓') : c.red('✗')} ${ch.name}: ${formatActual(ch.actual)} ${c.dim(`(expected ${ch.expected})`)}`);
        return;
      }
      const runs = store.latestOfEach();
      if (opts.json) return printJson({ runs });
      if (!runs.length) return line('no runs yet; `labs start <lab>` runs one (`labs list` shows the labs)');
      line(
        table([
          [c.bold('LAB'), c.bold('RUN'), c.bold('TARGET'), c.bold('STATE'), c.bold('CHECKS'), c.bold('STARTED')],
          ...runs.map((r) => [r.lab, r.runId, r.target, stateColor(r.state), checksCell(r), r.startedAt.replace('T', ' ').slice(0, 19)]),
        ]),
      );
    });
}
