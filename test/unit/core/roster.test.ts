import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.js';
import { parseRoster } from '../../../src/core/roster.js';

const fails = (text: string) => {
  try {
    parseRoster(text, 'class.csv');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).message;
  }
  throw new Error('expected the roster to be refused');
};

describe('parseRoster', () => {
  it('reads students in file order, with optional name and email; header case, BOM, blank lines and # comments are fine', () => {
    const text = '\uFEFFStudent, Name ,EMAIL\n# instructors are not students\nana,Ana Lima,ana@example.org\n\nbo,,\n"cy.2","Cy, Jr",cy@example.org\n';
    expect(parseRoster(text, 'class.csv')).toEqual([
      { student: 'ana', name: 'Ana Lima', email: 'ana@example.org' },
      { student: 'bo' },
      { student: 'cy.2', name: 'Cy, Jr', email: 'cy@example.org' },
    ]);
  });

  it('needs a student column and at least one student', () => {
    expect(fails('name,email\nAna,a@x\n')).toMatch(/class.csv: no "student" column \(found: name, email\)/);
    expect(fails('student\n')).toMatch(/no students/);
    expect(fails('')).toMatch(/no students/);
  });

  it('reports every bad or repeated id with its line, all at once', () => {
    const message = fails('student\nana\nbad id\nANA\n\nx/y\n');
    expect(message).toMatch(/line 3: "bad id" is not a student id/);
    expect(message).toMatch(/line 4: "ANA" is already on line 2/);
    expect(message).toMatch(/line 6: "x\/y" is not a student id/);
  });

  it('refuses a row with the wrong number of fields, naming the line', () => {
    expect(fails('student,name\nana,Ana\nbo,Bo,extra\n')).toMatch(/class.csv: not valid CSV: .*line 3/);
  });
});
