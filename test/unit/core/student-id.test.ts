import { describe, expect, it } from 'vitest';
import { mergeConfig } from '../../../src/core/config.js';
import { InputError } from '../../../src/core/errors.js';
import { parseRoster } from '../../../src/core/roster.js';
import { glueDatabaseName, isStudentId, studentNameClashes, studentNames } from '../../../src/core/student-id.js';

describe('student ids', () => {
  it.each(['ana', 'alice.smith', 'alice_smith', 'Bo-2', 'cy.2', 'a'.repeat(64)])('accepts %s', (id) => expect(isStudentId(id)).toBe(true));
  it.each(['', '..', '.', 'a..b', '../x', 'x/y', 'a b', '*', 'ana?', '-ana', 'ana.', '_x', 'a'.repeat(65), 'é'])('refuses %j', (id) => expect(isStudentId(id)).toBe(false));

  it('is the rule of the student setting (config, LABS_STUDENT, --student)', () => {
    expect(() => mergeConfig([{ source: 'flags', values: { student: '..' } }])).toThrow(InputError);
    expect(() => mergeConfig([{ source: 'environment', values: { student: 'x/y' } }])).toThrow(/environment: student: letters and digits/);
    expect(mergeConfig([{ source: 'flags', values: { student: 'alice.smith' } }]).student).toBe('alice.smith');
  });

  it('names: the id as S3 prefix and tag, a folded Glue database', () => {
    expect(studentNames('Alice.Smith')).toEqual({ s3Prefix: 'Alice.Smith/', tag: 'Alice.Smith', glueDatabase: 'labs_alice_smith' });
    expect(glueDatabaseName('bo-2')).toBe('labs_bo_2');
  });

  it('finds ids that would share a name, naming both lines', () => {
    const clashes = studentNameClashes([
      { id: 'alice.smith', line: 2 },
      { id: 'bo', line: 3 },
      { id: 'alice_smith', line: 4 },
      { id: 'alice-smith', line: 5 },
      { id: 'BO', line: 6 },
    ]);
    expect(clashes.map((c) => [c.line, c.firstLine, c.space])).toEqual([
      [4, 2, 'Glue database'],
      [5, 2, 'Glue database'],
      [6, 3, 'id'],
    ]);
    expect(studentNameClashes([{ id: 'ana', line: 2 }, { id: 'bo', line: 3 }])).toEqual([]);
  });

  it('a roster with clashing ids is refused with the lines; one with `..` too', () => {
    expect(() => parseRoster('student\nalice.smith\nalice_smith\nalice-smith\n', 'class.csv')).toThrow(
      /line 3: "alice_smith" and line 2 "alice.smith" would share the Glue database labs_alice_smith; line 4: "alice-smith" and line 2/,
    );
    expect(() => parseRoster('student\nana\n..\n', 'class.csv')).toThrow(/line 3: "\.\." is not a student id/);
  });
});
