/**
 * Student ids: the one rule, and every name derived from an id. An id ends up in S3 keys (<id>/runs/...), in IAM
 * policy resources (bucket/<id>/*), in the labs:student tag and in a Glue database name, so it must be safe in all
 * of them: no '/', no '..', no IAM wildcard ('*', '?'), no leading or trailing separator. Config (the `student`
 * setting, LABS_STUDENT, --student) and rosters both validate through here, and every name below is built here.
 */
export const STUDENT_ID_PATTERN = /^(?=.{1,64}$)[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;
export const STUDENT_ID_RULE = 'letters and digits, with single dots, dashes or underscores between them, max 64 (e.g. alice.smith)';

export const isStudentId = (id: string): boolean => STUDENT_ID_PATTERN.test(id);

/** The names one student gets in each name space. */
export interface StudentNames {
  /** S3 key prefix in the course bucket (case-sensitive) */
  s3Prefix: string;
  /** value of the labs:student tag, matched by the IAM policy's aws:ResourceTag conditions */
  tag: string;
  /** the Glue database: lowercase letters, digits and underscores only */
  glueDatabase: string;
}

export function studentNames(id: string): StudentNames {
  return { s3Prefix: `${id}/`, tag: id, glueDatabase: glueDatabaseName(id) };
}

/** Glue database names are lowercase [a-z0-9_]: case and separators fold, so distinct ids can share one. */
export function glueDatabaseName(id: string): string {
  return `labs_${id.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 255);
}

/**
 * Ids that would share a name in some name space (the mapping must be one-to-one for a class): for each clash, the
 * later id, the earlier one and the shared name. The id itself counts case-insensitively too, since two students
 * "Ana" and "ana" are a typo more often than two people.
 */
export function studentNameClashes(ids: readonly { id: string; line: number }[]): { line: number; firstLine: number; id: string; firstId: string; space: string; name: string }[] {
  const spaces: [string, (id: string) => string][] = [
    ['id', (id) => id.toLowerCase()],
    ['Glue database', (id) => glueDatabaseName(id)],
  ];
  const clashes: ReturnType<typeof studentNameClashes> = [];
  for (const [space, nameOf] of spaces) {
    const seen = new Map<string, { id: string; line: number }>();
    for (const s of ids) {
      const name = nameOf(s.id);
      const first = seen.get(name);
      if (!first) seen.set(name, s);
      else if (!clashes.some((c) => c.line === s.line)) clashes.push({ line: s.line, firstLine: first.line, id: s.id, firstId: first.id, space, name });
    }
  }
  return clashes.sort((a, b) => a.line - b.line);
}
