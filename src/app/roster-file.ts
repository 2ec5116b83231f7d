import { readFileSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { parseRoster, type RosterEntry } from '../core/roster.js';

/** A roster CSV from disk: its students, or one clear error (unreadable file, or every problem in it at once). */
export function readRosterFile(file: string): RosterEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`cannot read the roster ${file}`, 'pass the path of a CSV file with a `student` column');
  }
  return parseRoster(text, file);
}
