import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { c, line, printJson, table } from '../output.js';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the labs, in course order')
    .option('--day <n>', 'only the labs of day 1, 2 or 3')
    .option('--json', 'print one JSON document')
    .action(async (opts: { day?: string; json?: boolean }) => {
      const day = opts.day === undefined ? undefined : Number(opts.day);
      if (day !== undefined && ![1, 2, 3].includes(day)) throw new InputError(`--day must be 1, 2 or 3, not "${opts.day}"`, 'e.g. labs list --day 2');
      const { labSummaries } = await import('../../app/lab-index.js');
      const labs = (await labSummaries()).filter((l) => day === undefined || l.day === day);
      if (opts.json) {
        printJson({ labs: labs.map((l) => ({ id: l.id, day: l.day, title: l.title, topics: l.topics, steps: l.steps, checks: l.checks, minutes: l.minutes })) });
        return;
      }
      if (!labs.length) return line('no labs');
      line(table([[c.bold('LAB'), c.bold('DAY'), c.bold('TITLE')], ...labs.map((l) => [l.id, String(l.day), l.title])]));
      line(c.dim(`\n${labs.length} lab${labs.length === 1 ? '' : 's'}; \`labs show <lab>\` for details, \`labs start <lab>\` to run one`));
    });
}
