import { CsvError, parse } from 'csv-parse/sync';
import { InputError } from './errors.js';
import { isStudentId, STUDENT_ID_RULE, studentNameClashes } from './student-id.js';

/** One line of a class roster: the student id names their cluster tag and S3 prefix; the rest is for people. */
export interface RosterEntry {
  student: string;
  name?: string | undefined;
  email?: string | undefined;
}

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
  const entries = rows.map(({ record: row, info }): RosterEntry & { line: number } => {
    const student = row.student ?? '';
    if (!isStudentId(student)) problems.push(`line ${info.lines}: "${student}" is not a student id (${STUDENT_ID_RULE})`);
    return { line: info.lines, student, ...(row.name ? { name: row.name } : {}), ...(row.email ? { email: row.email } : {}) };
  });
  // Two students must never share a prefix, a tag or a Glue database: `alice.smith` and `alice_smith` would.
  for (const c of studentNameClashes(entries.filter((e) => isStudentId(e.student)).map((e) => ({ id: e.student, line: e.line })))) {
    problems.push(c.space === 'id' ? `line ${c.line}: "${c.id}" is already on line ${c.firstLine}` : `line ${c.line}: "${c.id}" and line ${c.firstLine} "${c.firstId}" would share the ${c.space} ${c.name}`);
  }
  problems.sort((a, b) => Number(/^line (\d+)/.exec(a)![1]) - Number(/^line (\d+)/.exec(b)![1]));
  if (problems.length) {
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
    throw new InputError(`${file}: ${problems.slice(0, 5).join('; ')}${more}`, 'fix those lines and run the command again (nothing was created)');
  }
  return entries.map(({ line: _line, ...entry }) => entry);
}
