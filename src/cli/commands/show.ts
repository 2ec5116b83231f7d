import type { Command } from 'commander';
import { c, line, printJson } from '../output.js';

export function registerShow(program: Command): void {
  program
    .command('show <lab>')
    .description('show a lab: topics, steps, checks and its README')
    .option('--json', 'print one JSON document')
    .action(async (id: string, opts: { json?: boolean }) => {
      const [{ loadLab, labReadme }, { formatTargets }] = await Promise.all([import('../../app/lab-catalog.js'), import('../../core/lab/checks.js')]);
      const lab = loadLab(id);
      const readme = labReadme(id);
      if (opts.json) {
        // each check as lab.yaml has it: `targets` only on a check scoped to some targets (absent: it applies on all)
        printJson({ lab, readme });
        return;
      }
      line(`${c.bold(lab.id)}  ${lab.title}  ${c.dim(`(day ${lab.day}${lab.minutes ? `, ~${lab.minutes} min` : ''})`)}`);
      if (lab.summary) line(lab.summary);
      line(`\n${c.bold('Topics')}`);
      for (const t of lab.topics) line(`  - ${t}`);
      line(`\n${c.bold('Steps')}`);
      for (const s of lab.steps) line(`  ${s.name}: ${s.job}${s.class ? ` (${s.class})` : ''} ${s.args.join(' ')}`);
      if (lab.checks.length) {
        line(`\n${c.bold('Checks')}`);
        // a check scoped to some targets says where it applies (elsewhere a run reports it n/a)
        for (const ch of lab.checks) line(`  - ${ch.name}${ch.targets ? ` ${c.dim(`[${formatTargets(ch.targets)} only]`)}` : ''}`);
      }
      if (lab.exercise) {
        line(`\n${c.bold('Exercise')}`);
        line(`  ${lab.exercise.asks.trim()}`);
        line(c.dim(`  \`labs exercise ${lab.id}\` copies it into a folder you edit; \`labs start ${lab.id}\` then grades your files`));
      }
      const conf = Object.entries(lab.spark.conf);
      if (conf.length) {
        line(`\n${c.bold('Spark settings')}`);
        for (const [k, v] of conf) line(`  ${k}=${String(v)}`);
      }
      if (readme) line(`\n${c.dim('─'.repeat(40))}\n${readme.trimEnd()}`);
    });
}
