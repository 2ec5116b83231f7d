import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { confirm } from '../confirm.js';
import { line } from '../output.js';

export function registerSolution(program: Command): void {
  program
    .command('solution <lab>')
    .description('show the difference from your exercise workspace to the reference solution')
    .option('--apply', 'write the reference solution over your workspace files (asks first)')
    .option('--yes', 'with --apply: do not ask')
    .action(async (id: string, opts: { apply?: boolean; yes?: boolean }) => {
      const [{ loadLab }, ws, { solutionDiff }] = await Promise.all([
        import('../../app/lab-catalog.js'),
        import('../../app/exercise-workspace.js'),
        import('../../app/solution-diff.js'),
      ]);
      const lab = loadLab(id);
      ws.requireExercise(lab);
      const reg = ws.registeredWorkspace(lab);
      if (!reg) throw new InputError(`you have no exercise workspace for ${lab.id}`, `start one with \`labs exercise ${lab.id}\``);
      const files = ws.solutionFiles(lab, reg.dir);
      if (!opts.apply) {
        const diff = solutionDiff(files);
        line(diff || `your files in ${reg.dir} are the reference solution`);
        return;
      }
      const ok = await confirm(`overwrite your files in ${reg.dir} with the reference solution of ${lab.id}?`, { yes: opts.yes, what: 'overwrite your exercise files' });
      if (!ok) throw new InputError('not applied: your files are unchanged', `add --yes to apply without asking`);
      ws.applySolution(files);
      line(`${lab.id}: the reference solution is now in ${reg.dir}; \`labs start ${lab.id}\` runs it`);
    });
}
