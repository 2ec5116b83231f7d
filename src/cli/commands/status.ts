import type { Command } from 'commander';
import { tallyChecks } from '../../core/lab/checks.js';
import type { RunRecord } from '../../core/run/run-record.js';
import { awsFlags } from '../aws-flags.js';
import { c, formatSeconds, line, printJson, table } from '../output.js';

const stateColor = (s: string) => (s === 'COMPLETED' ? c.green(s) : s === 'FAILED' ? c.red(s) : s === 'RUNNING' ? c.cyan(s) : c.yellow(s));

function checksCell(run: RunRecord): string {
  if (!run.checks) return '-';
  // an unanswered question counts as it always did (not failed); a check scoped to other targets is left out, and said
  const t = tallyChecks(run.checks);
  return `${t.passed + t.pending}/${t.applicable}${t.notApplicable ? ` (${t.notApplicable} n/a)` : ''}`;
}

export function registerStatus(program: Command): void {
  program
    .command('status [lab]')
    .description('the latest run of each lab (or of one lab, with its steps and checks); runs queued on EMR are asked about first')
    .option('--json', 'print one JSON document')
    .action(async (id: string | undefined, opts: { json?: boolean }, cmd: Command) => {
      const [{ RunStore }, { runsDir }, { loadLab }, { isQueuedRun }, { checkLine }] = await Promise.all([
        import('../../app/run-store.js'),
        import('../../app/paths.js'),
        import('../../app/lab-catalog.js'),
        import('../../app/refresh-run.js'),
        import('../reporters/plain.js'),
      ]);
      const store = new RunStore(runsDir());
      if (id) loadLab(id); // unknown ids get the "did you mean" error
      const shown = id ? [store.latest(id)].filter((r): r is RunRecord => r !== undefined) : store.latestOfEach();

      // Only a run queued with --no-wait needs AWS: a plain `labs status` stays offline and never loads the SDK.
      let stale: string | undefined;
      if (shown.some(isQueuedRun)) {
        const [{ refreshQueuedRuns }, { createEngine }, { loadConfig }] = await Promise.all([
          import('../../app/refresh-run.js'),
          import('../../app/engines.js'),
          import('../../app/config-store.js'),
        ]);
        const error = await refreshQueuedRuns(shown, loadLab, (student, target) => createEngine(loadConfig({ target, student }), process.env, awsFlags(cmd)), store);
        if (error) {
          stale = `${error.message}${error.hint ? ` (${error.hint})` : ''}`;
          if (!opts.json) process.stderr.write(`${c.yellow('could not ask EMR about queued runs; showing them as last seen:')} ${stale}\n`);
        }
      }

      if (id) {
        const run = shown[0];
        if (opts.json) return printJson({ lab: id, run: run ?? null, ...(stale ? { stale } : {}) });
        if (!run) return line(`${id}: no run yet (\`labs start ${id}\`)`);
        line(`${c.bold(run.lab)} run ${run.runId} on ${run.target}: ${stateColor(run.state)}  ${c.dim(run.dir)}`);
        line(table(run.steps.map((s) => [`  ${s.name}`, stateColor(s.state), formatSeconds(s.seconds), s.failure?.summary ?? ''])));
        for (const ch of run.checks ?? []) line(`  ${checkLine(ch).replaceAll('\n', '\n  ')}`);
        return;
      }
      const runs = shown;
      if (opts.json) return printJson({ runs, ...(stale ? { stale } : {}) });
      if (!runs.length) return line('no runs yet; `labs start <lab>` runs one (`labs list` shows the labs)');
      line(
        table([
          [c.bold('LAB'), c.bold('RUN'), c.bold('TARGET'), c.bold('STATE'), c.bold('CHECKS'), c.bold('STARTED')],
          ...runs.map((r) => [r.lab, r.runId, r.target, stateColor(r.state), checksCell(r), r.startedAt.replace('T', ' ').slice(0, 19)]),
        ]),
      );
    });
}
