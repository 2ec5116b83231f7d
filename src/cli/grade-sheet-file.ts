import { writeFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import type { Lab } from '../core/lab/lab-schema.js';
import type { Grade } from '../app/emr/cohort.js';
import { gradeSheet } from '../app/grade-sheet.js';

/** `--csv FILE`: the grade sheet, written whole (a failed write says where, exit 2). */
export async function writeGradeSheet(file: string, lab: Lab, grades: readonly Grade[]): Promise<void> {
  try {
    writeFileSync(file, gradeSheet(lab, grades));
  } catch (e) {
    throw new InputError(`cannot write the grade sheet ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'pass --csv a path in a folder you can write to');
  }
  process.stderr.write(`grade sheet: ${file} (${grades.length} student${grades.length === 1 ? '' : 's'})\n`);
}
