import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/core/errors.js';
import { formatPath, LabProblems, parseLab, validateLab, type LabContext } from '../../../src/core/lab/lab-validate.js';

const ctx = (over: Partial<LabContext> = {}): LabContext => ({
  file: 'labs/day2-joins/lab.yaml',
  dirName: 'day2-joins',
  projectFileExists: (p) => ['spark-jobs/python/day2_joins.py', 'spark-jobs/jars/tool.jar', 'spark-jobs/scala', 'spark-jobs/scala/pom.xml'].includes(p),
  labFileExists: (p) => p === 'data/orders.csv',
  ...over,
});

const good = `
id: day2-joins
day: 2
title: Joins
topics: [Various joins in Spark and their performance impact]
spark:
  conf:
    spark.sql.shuffle.partitions: 8
steps:
  - name: joins
    job: spark-jobs/python/day2_joins.py
    args: ["--out", "{out}"]
checks:
  - name: ratio
    path: ratios.smj_over_broadcast
    gte: 2
`;

function errorOf(text: string, c = ctx()): InputError {
  try {
    parseLab(text, c);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected parseLab to throw');
}

describe('parseLab', () => {
  it('accepts a valid lab and fills defaults', () => {
    const lab = parseLab(good, ctx());
    expect(lab.steps[0]!.timeoutMinutes).toBe(30);
    expect(lab.cluster).toMatchObject({ profile: 'small', catalog: 'none', committer: 'none', fleets: true });
    expect(lab.spark.conf['spark.sql.shuffle.partitions']).toBe(8);
  });

  it('names file, path and fix for a job that does not exist', () => {
    const text = good.replace('day2_joins.py', 'x.py');
    const e = errorOf(text);
    expect(e.message).toBe('labs/day2-joins/lab.yaml: steps[0].job: spark-jobs/python/x.py does not exist');
    expect(e.hint).toMatch(/spark-jobs/);
    expect(e.exitCode).toBe(2);
  });

  it('reports the second step by its index', () => {
    const text = good.replace('checks:', `  - name: two\n    job: spark-jobs/python/missing.py\nchecks:`);
    expect(errorOf(text).message).toContain('steps[1].job: spark-jobs/python/missing.py does not exist');
  });

  it('rejects unknown fields with their name', () => {
    expect(errorOf(`${good}\ncolour: blue\n`).message).toBe('labs/day2-joins/lab.yaml: (top level): unknown field "colour"');
  });

  it('reports YAML syntax errors with line and column', () => {
    const e = errorOf('id: day2-joins\nday: [2\n');
    expect(e.message).toMatch(/^labs\/day2-joins\/lab\.yaml: line \d+, column \d+: /);
  });

  it('requires fields', () => {
    expect(errorOf(good.replace('title: Joins\n', '')).message).toBe('labs/day2-joins/lab.yaml: title: is required (string)');
  });

  it('rejects an id that does not match its directory', () => {
    expect(errorOf(good, ctx({ dirName: 'day2-other' })).message).toMatch(/id: "day2-joins" does not match its directory "day2-other"/);
  });

  it('rejects unknown placeholders', () => {
    expect(errorOf(good.replace('{out}', '{output}')).message).toContain('steps[0].args[1]: unknown placeholder {output}');
  });

  it('rejects checks on unknown steps and checks without an operator', () => {
    expect(errorOf(good.replace('    gte: 2', '    gte: 2\n    step: nope')).message).toContain('checks[0].step: no step named "nope"');
    expect(errorOf(good.replace('    gte: 2', '')).message).toContain('checks[0]: a check needs at least one of');
  });

  it('rejects non-spark conf keys', () => {
    expect(errorOf(good.replace('spark.sql.shuffle.partitions', 'sql.shuffle.partitions')).message).toContain('spark.conf.sql.shuffle.partitions');
  });

  it('rejects duplicate step names and a jar step without a class', () => {
    const dup = good.replace('checks:', `  - name: joins\n    job: spark-jobs/python/day2_joins.py\nchecks:`);
    expect(errorOf(dup).message).toContain('steps[1].name: "joins" is used by an earlier step');
    const jar = good.replace('spark-jobs/python/day2_joins.py', 'spark-jobs/jars/tool.jar');
    expect(errorOf(jar).message).toContain('steps[0].class: is required for a jar job');
  });

  it('accepts a Scala step: the Maven project plus a class, with no built jar needed', () => {
    const scala = good.replace('job: spark-jobs/python/day2_joins.py', 'job: spark-jobs/scala\n    class: labs.KryoLab');
    const lab = parseLab(scala, ctx());
    expect(lab.steps[0]).toMatchObject({ job: 'spark-jobs/scala', class: 'labs.KryoLab' });
    // Nothing under target/ exists in this context: validation must not ask for the jar.
    expect(parseLab(scala.replace('job: spark-jobs/scala', 'job: spark-jobs/scala/'), ctx()).steps[0]!.class).toBe('labs.KryoLab');
  });

  it('requires a class for a Scala step and the project to exist', () => {
    const noClass = good.replace('spark-jobs/python/day2_joins.py', 'spark-jobs/scala');
    const e = errorOf(noClass);
    expect(e.message).toBe('labs/day2-joins/lab.yaml: steps[0].class: is required for a Scala job');
    expect(e.hint).toMatch(/labs\.KryoLab/);
    const scala = good.replace('job: spark-jobs/python/day2_joins.py', 'job: spark-jobs/scala\n    class: labs.KryoLab');
    const noProject = errorOf(scala, ctx({ projectFileExists: () => false }));
    expect(noProject.message).toContain('steps[0].job: spark-jobs/scala/pom.xml does not exist');
  });

  it('points a job at a file inside the Scala project back to the project', () => {
    const inside = good.replace('job: spark-jobs/python/day2_joins.py', 'job: spark-jobs/scala/target/emr-spark-labs-jobs.jar\n    class: labs.KryoLab');
    const e = errorOf(inside);
    expect(e.message).toContain('steps[0].job: name the Scala project, not a file in it');
    expect(e.hint).toContain('job: spark-jobs/scala');
  });

  it('rejects a class on a PySpark step', () => {
    const py = good.replace('job: spark-jobs/python/day2_joins.py', 'job: spark-jobs/python/day2_joins.py\n    class: labs.X');
    expect(errorOf(py).message).toContain('steps[0].class: is only for Scala and jar jobs');
  });
});

describe('every problem at once', () => {
  it('reports all semantic problems of a lab together, each on its own line with file, path and what to do', () => {
    const bad = good
      .replace('job: spark-jobs/python/day2_joins.py', 'job: spark-jobs/python/x.py')
      .replace('{out}', '{output}')
      .replace('    gte: 2', '    gte: 2\n    step: nope');
    const e = errorOf(bad, ctx({ dirName: 'day2-other' }));
    expect(e).toBeInstanceOf(LabProblems);
    const lines = e.message.split('\n');
    expect(lines[0]).toBe('labs/day2-joins/lab.yaml has 4 problems:');
    expect(lines.slice(1)).toEqual([
      '  labs/day2-joins/lab.yaml: id: "day2-joins" does not match its directory "day2-other" (rename the directory or set id: day2-other)',
      '  labs/day2-joins/lab.yaml: steps[0].job: spark-jobs/python/x.py does not exist (point job at a file under spark-jobs/)',
      '  labs/day2-joins/lab.yaml: steps[0].args[1]: unknown placeholder {output} (use one of {data} {out} {artifacts} {run} {lab} {student} {bucket})',
      '  labs/day2-joins/lab.yaml: checks[0].step: no step named "nope" (use one of: joins)',
    ]);
    expect(e.hint).toBe('fix them all in labs/day2-joins/lab.yaml, then run the command again');
    expect(e.exitCode).toBe(2);
  });

  it('reports every schema issue together: a missing field and an unknown one', () => {
    const r = validateLab(`${good.replace('title: Joins\n', '')}\ncolour: blue\n`, ctx());
    expect(r.lab).toBeUndefined();
    expect(r.problems.map((p) => `${p.where}: ${p.what}`).sort()).toEqual(['(top level): unknown field "colour"', 'title: is required (string)']);
  });

  it('a lab with no problem has an empty list', () => {
    expect(validateLab(good, ctx()).problems).toEqual([]);
  });
});

describe('formatPath', () => {
  it('formats indexes and keys the way a reader points at them', () => {
    expect(formatPath(['steps', 1, 'job'])).toBe('steps[1].job');
    expect(formatPath([])).toBe('(top level)');
  });
});
