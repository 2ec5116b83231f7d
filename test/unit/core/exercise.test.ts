import { readFileSync } from 'node:fs';
import path from 'node:path';
import { diffLines } from 'diff';
import { describe, expect, it } from 'vitest';
import { loadAllLabs } from '../../../src/app/lab-catalog.js';
import { projectRoot } from '../../../src/app/paths.js';
import { exerciseFileName, exerciseFileNames, exerciseLab, exerciseProblem, artifactOf } from '../../../src/core/lab/exercise.js';
import { LabSchema, type Lab } from '../../../src/core/lab/lab-schema.js';
import { SCALA_JAR } from '../../../src/core/run/step-plan.js';
import { readLabFiles, sha256File } from '../../../src/engines/lab-files.js';

const withExercise = loadAllLabs().filter((l) => l.exercise);
const labFile = (lab: Lab, name: string) => readFileSync(path.join(projectRoot, 'labs', lab.id, 'exercise', name), 'utf8');

describe('the shipped exercises', () => {
  it('at least 12 labs, on all three days, two of them Scala', () => {
    expect(withExercise.length).toBeGreaterThanOrEqual(12);
    expect(new Set(withExercise.map((l) => l.day))).toEqual(new Set([1, 2, 3]));
    expect(withExercise.filter((l) => l.exercise!.files.some((f) => f.endsWith('.scala'))).length).toBeGreaterThanOrEqual(2);
  });

  // An exercise is its reference minus the lesson: a large difference means the two drifted apart.
  it.each(withExercise.map((l) => [l.id, l] as const))('%s: each exercise file differs from its reference only around its TODOs', (_id, lab) => {
    for (const file of lab.exercise!.files) {
      const changed = diffLines(readFileSync(path.join(projectRoot, file), 'utf8'), labFile(lab, exerciseFileName(file)))
        .filter((p) => p.added || p.removed)
        .reduce((n, p) => n + (p.count ?? 0), 0);
      expect(changed, file).toBeLessThanOrEqual(30);
    }
  });

  // labkit's private names change with labkit (they did once, and the untouched exercises crashed): an exercise,
  // like its reference, uses only what labkit exports.
  it.each(withExercise.map((l) => [l.id, l] as const))('%s: uses no private labkit name', (_id, lab) => {
    for (const name of exerciseFileNames(lab)) expect(labFile(lab, name), name).not.toMatch(/labkit\._/);
  });

  it.each(withExercise.map((l) => [l.id, l] as const))('%s: every hint names a TODO its exercise has, and some check has one', (_id, lab) => {
    const hints = lab.checks.flatMap((c) => (c.hint ? [c.hint] : []));
    expect(hints.length).toBeGreaterThan(0);
    for (const hint of hints) {
      const m = /^TODO (\d+) in (\S+):/.exec(hint);
      expect(m, hint).not.toBeNull();
      expect(exerciseFileNames(lab)).toContain(m![2]);
      expect(labFile(lab, m![2]!)).toContain(`TODO ${m![1]}`);
    }
  });
});

const baseLab = (exercise: Record<string, unknown>, extra: Record<string, unknown> = {}): Lab =>
  LabSchema.parse({
    id: 'day2-x',
    day: 2,
    title: 'x',
    topics: ['x'],
    spark: { conf: { 'spark.a': 1 } },
    steps: [
      { name: 'one', job: 'spark-jobs/python/one.py', args: ['--runs', '5'], conf: { 'spark.b': 'x' } },
      { name: 'two', job: 'spark-jobs/python/two.py' },
    ],
    checks: [
      { name: 'c1', step: 'one', path: 'a', equals: 1 },
      { name: 'c2', path: 'b', equals: 1, hint: 'TODO 1 in one.py: x' },
    ],
    exercise,
    ...extra,
  });

describe('exerciseLab: the lab as an exercise run sees it', () => {
  it('only the named steps and their checks, the exercise args, the student settings for the named step', () => {
    const lab = baseLab({ asks: 'x', files: ['spark-jobs/python/two.py'], steps: ['two'], conf: 'two', args: { two: ['--runs', '1'] } });
    const ex = exerciseLab(lab, { 'spark.c': 'y' });
    expect(ex.steps.map((s) => s.name)).toEqual(['two']);
    expect(ex.steps[0]).toMatchObject({ args: ['--runs', '1'], conf: { 'spark.c': 'y' } });
    expect(ex.checks.map((c) => c.name)).toEqual(['c2']);
    expect(ex.spark.conf).toEqual({ 'spark.a': 1 });
  });

  it('conf: true replaces the lab\'s settings and leaves the steps\' alone; no steps: every step', () => {
    const lab = baseLab({ asks: 'x', conf: true });
    const ex = exerciseLab(lab, { 'spark.c': 'y' });
    expect(ex.spark.conf).toEqual({ 'spark.c': 'y' });
    expect(ex.steps.map((s) => s.conf)).toEqual([{ 'spark.b': 'x' }, {}]);
    expect(ex.checks).toHaveLength(2);
  });
});

describe('exerciseProblem: what lab validation reports', () => {
  const files = (present: Record<string, string>) => ({ projectFileExists: () => true, readLabFile: (rel: string) => present[rel] });
  it.each([
    [{ asks: 'x', files: ['spark-jobs/python/three.py'] }, {}, 'exercise.files[0]', 'spark-jobs/python/three.py is not the job of any step'],
    [{ asks: 'x', files: ['spark-jobs/python/one.py'] }, {}, 'exercise', 'labs/day2-x/exercise/one.py does not exist'],
    [{ asks: 'x', files: ['spark-jobs/python/one.py'] }, { 'exercise/one.py': 'no marker' }, 'exercise', 'labs/day2-x/exercise/one.py has no TODO marking where the student\'s change goes'],
    [{ asks: 'x', conf: true }, {}, 'exercise', 'labs/day2-x/exercise/spark-conf.yaml does not exist'],
    [{ asks: 'x', files: ['spark-jobs/python/one.py'], steps: ['three'] }, { 'exercise/one.py': '# TODO' }, 'exercise.steps[0]', 'no step named "three" (steps: one, two)'],
    [{ asks: 'x', conf: 'three' }, { 'exercise/spark-conf.yaml': '# TODO' }, 'exercise.conf', 'no step named "three" (steps: one, two)'],
    [{ asks: 'x' }, {}, 'exercise', 'names no files and no conf: the student would have nothing to write'],
  ])('%j', (exercise, present, where, what) => {
    expect(exerciseProblem(baseLab(exercise), files(present))).toEqual([where, what]);
  });

  it('a complete exercise has no problem', () => {
    expect(exerciseProblem(baseLab({ asks: 'x', files: ['spark-jobs/python/one.py'] }), files({ 'exercise/one.py': '# TODO 1' }))).toBeUndefined();
  });
});

describe("the run plan's job files", () => {
  it("the student's file stands in for the lab's job path, hashed as itself (EMR keys are content-addressed)", () => {
    const lab = loadAllLabs().find((l) => l.id === 'day2-joins')!;
    const mine = path.join(projectRoot, 'labs', 'day2-joins', 'exercise', 'day2_joins.py');
    const jobFiles = { [artifactOf('spark-jobs/python/day2_joins.py')]: mine };
    const files = readLabFiles(lab, projectRoot, { jobFiles, hash: true });
    expect(files.artifacts['spark-jobs/python/day2_joins.py']).toEqual({ file: mine, sha256: sha256File(mine) });
    expect(sha256File(mine)).not.toBe(readLabFiles(lab, projectRoot, { hash: true }).artifacts['spark-jobs/python/day2_joins.py']!.sha256);
    // the labkit is not the student's: it stays the bundled one
    expect(files.artifacts['spark-jobs/python/labkit.py']!.file).toBe(path.join(projectRoot, 'spark-jobs/python/labkit.py'));
  });

  it('a Scala source maps to the one jar', () => {
    expect(artifactOf('spark-jobs/scala/src/main/scala/labs/KryoLab.scala')).toBe(SCALA_JAR);
  });
});
