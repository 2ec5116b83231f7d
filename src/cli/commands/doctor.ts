import type { Command } from 'commander';
import { EnvironmentError } from '../../core/errors.js';
import { c, line, printJson } from '../output.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check this machine: Node, Java 17, Python, the venv, ports, state directories, labs, AWS')
    .option('--json', 'print one JSON document')
    .action(async (opts: { json?: boolean }) => {
      const [{ runDoctor }, { loadConfig }] = await Promise.all([import('../../app/doctor.js'), import('../../app/config-store.js')]);
      const checks = await runDoctor(loadConfig());
      const ok = checks.every((x) => x.status !== 'fail');
      if (opts.json) printJson({ ok, checks });
      else {
        for (const x of checks) {
          const mark = x.status === 'ok' ? c.green('✓') : x.status === 'warn' ? c.yellow('!') : c.red('✗');
          line(`${mark} ${x.name.padEnd(14)} ${x.detail}${x.hint ? c.dim(`  — ${x.hint}`) : ''}`);
        }
      }
      if (!ok) {
        const err = new EnvironmentError(`doctor: ${checks.filter((x) => x.status === 'fail').map((x) => x.name).join(', ')} need attention`, checks.find((x) => x.status === 'fail')?.hint);
        err.documentPrinted = Boolean(opts.json);
        throw err;
      }
    });
}
