import { createTwoFilesPatch } from 'diff';
import type { SolutionFile } from './exercise-workspace.js';

/** A unified diff per workspace file, from the student's version (a) to the reference (b); empty when they match. */
export function solutionDiff(files: readonly SolutionFile[]): string {
  return files
    .filter((f) => f.mineText !== f.referenceText)
    .map((f) => createTwoFilesPatch(f.mine, f.reference, f.mineText ?? '', f.referenceText, 'yours', 'reference', { context: 3 }).trimEnd())
    .join('\n');
}
