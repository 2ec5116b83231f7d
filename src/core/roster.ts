import { CsvError, parse } from 'csv-parse/sync';
import { InputError } from './errors.js';

/** One line of a class roster: the student id names their cluster tag and S3 prefix; the rest is for people. */
export interface RosterEntry {
  student: string;
  name?: string | undefined;
  email?: string | undefined;
}

/** The same rule as the `student` setting: it ends up in tags, S3 keys and Glue database names. */
const STUDENT_ID = /^[A-Za-z0-9._-]{1,64}$/;
const FIX = 'a roster is CSV with a header row naming a `student` column (optional: name, email), one student per line';

/**
 * A roster file's text -> its students, in file order. Everything wrong is reported at once with its line, so an
 * instructor fixes the file in one go: a missing `student` column, an empty or invalid id, the same id twice.
 */
export function parseRoster(text: string, file: string): RosterEntry[] {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      bom: true,
      comment: '#',
      info: true,
    });
  } catch (e) {
    if (e instanceof CsvError) throw new InputError(`${file}: not valid CSV: ${e.message}`, FIX);
    throw e;
  }
  if (!rows.length) throw new InputError(`${file}: no students`, FIX);
  if (!('student' in rows[0]!.record)) throw new InputError(`${file}: no "student" column (found: ${Object.keys(rows[0]!.record).join(', ')})`, FIX);

  const problems: string[] = [];
  const seen = new Map<string, number>();
  const entries = rows.map(({ record: row, info }): RosterEntry => {
    const line = info.lines;
    const student = row.student ?? '';
    if (!STUDENT_ID.test(student)) problems.push(`line ${line}: "${student}" is not a student id (letters, digits, dot, dash, underscore; max 64)`);
    const first = seen.get(student.toLowerCase());
    if (first !== undefined) problems.push(`line ${line}: "${student}" is already on line ${first}`);
    else seen.set(student.toLowerCase(), line);
    return { student, ...(row.name ? { name: row.name } : {}), ...(row.email ? { email: row.email } : {}) };
  });
  if (problems.length) {
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
    throw new InputError(`${file}: ${problems.slice(0, 5).join('; ')}${more}`, 'fix those lines and run the command again (nothing was created)');
  }
  return entries;
}
