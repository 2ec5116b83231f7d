import type { Command } from 'commander';
import { line } from '../output.js';

export function registerExercise(program: Command): void {
  program
    .command('exercise <lab>')
    .description("copy a lab's exercise into a folder you edit; `labs start <lab>` then runs your files and grades them")
    .option('--dir <dir>', 'the workspace folder (default ./labs-work/<lab>)')
    .option('--force', 'overwrite the files already there (your work on the exercise)')
    .action(async (id: string, opts: { dir?: string; force?: boolean }) => {
      const [{ loadLab }, { copyExercise }] = await Promise.all([import('../../app/lab-catalog.js'), import('../../app/exercise-workspace.js')]);
      const lab = loadLab(id);
      const { dir, files } = copyExercise(lab, { dir: opts.dir, force: opts.force });
      line(`${lab.id}: exercise copied to ${dir}`);
      for (const f of files) line(`  ${f}`);
      line(`\nThe exercise: ${lab.exercise!.asks.trim()}`);
      line('\nWhat to do:');
      line(`  1. edit the files above where they say TODO`);
      line(`  2. labs start ${lab.id}            runs your files (from any folder) and grades them with the lab's checks`);
      line(`  3. labs check ${lab.id}            grades the latest run again`);
      line(`  4. labs solution ${lab.id}         shows the difference to the reference solution (--apply writes it)`);
      line(`  labs start ${lab.id} --reference   runs the bundled solution instead`);
    });
}
