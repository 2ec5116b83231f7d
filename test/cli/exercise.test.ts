/**
 * Exercises through the built CLI: the workspace (labs exercise), what labs start runs from it, the one-line
 * errors of a file that does not import or compile, labs solution. The Spark runs use a tiny lab in a project copy.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLabs, runLabsAsync, tempHome } from '../helpers/cli.js';
import { projectCopy } from '../helpers/project-copy.js';

const tmp = (prefix: string) => mkdtempSync(path.join(os.tmpdir(), prefix));

/** Replace one line (1-based) of a file. */
function setLine(file: string, n: number, text: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[n - 1] = text;
  writeFileSync(file, lines.join('\n'));
}

const lineOf = (file: string, needle: string) => readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(needle)) + 1;

/** A registered workspace of `lab` whose `name` has the line holding `needle` replaced by `text`. */
function brokenWorkspace(lab: string, name: string, needle: string, text: string): { home: string; file: string; n: number } {
  const home = tempHome();
  const ws = tmp('labs-ws-');
  expect(runLabs(['exercise', lab, '--dir', ws], { LABS_HOME: home }).code).toBe(0);
  const file = path.join(ws, name);
  const n = lineOf(file, needle);
  setLine(file, n, text);
  return { home, file, n };
}

const noRuns = (home: string) => expect(JSON.parse(runLabs(['status', '--json'], { LABS_HOME: home }).stdout).runs).toEqual([]);

describe('labs exercise', () => {
  it('copies the exercise into ./labs-work/<lab>, registers it, and never overwrites it without --force', () => {
    const home = tempHome();
    const cwd = tmp('labs-cwd-');
    const r = runLabs(['exercise', 'day2-joins'], { LABS_HOME: home }, undefined, cwd);
    expect(r.code, r.stderr).toBe(0);
    const ws = path.join(cwd, 'labs-work', 'day2-joins');
    const file = path.join(ws, 'day2_joins.py');
    expect(readFileSync(file, 'utf8')).toContain('TODO 1');
    expect(r.stdout).toContain(`exercise copied to ${ws}`);
    expect(r.stdout).toContain('labs start day2-joins ');
    expect(r.stdout).toContain('labs solution day2-joins');
    const registry = JSON.parse(readFileSync(path.join(home, 'exercises.json'), 'utf8'));
    expect(registry['day2-joins'].dir).toBe(ws);

    writeFileSync(file, '# my work\n');
    const again = runLabs(['exercise', 'day2-joins'], { LABS_HOME: home }, undefined, cwd);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`error: ${ws} already holds your work on day2-joins (day2_joins.py)`);
    expect(again.stderr).toContain('hint: add --force');
    expect(readFileSync(file, 'utf8')).toBe('# my work\n');

    expect(runLabs(['exercise', 'day2-joins', '--force'], { LABS_HOME: home }, undefined, cwd).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('TODO 1');

    const other = tmp('labs-dir-');
    expect(runLabs(['exercise', 'day2-joins', '--dir', other], { LABS_HOME: home }).code).toBe(0);
    expect(existsSync(path.join(other, 'day2_joins.py'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(home, 'exercises.json'), 'utf8'))['day2-joins'].dir).toBe(other);
  });

  it('a lab without an exercise: exit 2', () => {
    const r = runLabs(['exercise', 'day1-tungsten'], { LABS_HOME: tempHome() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: day1-tungsten has no exercise');
  });

  it('labs list --json marks the labs with an exercise; labs show says what it asks', () => {
    const labs = JSON.parse(runLabs(['list', '--json']).stdout).labs as { id: string; exercise: boolean }[];
    expect(labs.find((l) => l.id === 'day2-joins')?.exercise).toBe(true);
    expect(labs.find((l) => l.id === 'day1-tungsten')?.exercise).toBe(false);
    const withExercise = labs.filter((l) => l.exercise).map((l) => l.id);
    expect(withExercise.length).toBeGreaterThanOrEqual(12);
    for (const day of ['day1-', 'day2-', 'day3-']) expect(withExercise.some((id) => id.startsWith(day))).toBe(true);
    const show = runLabs(['show', 'day2-joins']);
    expect(show.stdout).toMatch(/Exercise\n {2}In day2_joins\.py, give the "broadcast" strategy the join hint/);
  });
});

describe('a workspace file that does not import or compile: one line naming file and line, exit 1, nothing run', () => {
  it('a Python syntax error', () => {
    const { home, file } = brokenWorkspace('day2-joins', 'day2_joins.py', '"broadcast": ("merge"', '    "broadcast": ("broadcast" "BroadcastHashJoin"');
    const r = runLabs(['start', 'day2-joins'], { LABS_HOME: home });
    expect(r.code).toBe(1);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^error: ${file.replace(/[.]/g, '\\.')}:\\d+: SyntaxError: `));
    expect(r.stderr).not.toContain('Traceback');
    noRuns(home);
  });

  it('a Python import error: the line of the student file the traceback ends in', () => {
    const { home, file, n } = brokenWorkspace('day2-joins', 'day2_joins.py', 'import labkit', 'import labkit_typo');
    const r = runLabs(['start', 'day2-joins'], { LABS_HOME: home });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${file}:${n}: ModuleNotFoundError: No module named 'labkit_typo'`);
    noRuns(home);
  });

  it('a Scala source that does not compile: scalac\'s first error on the student\'s file', { timeout: 10 * 60_000 }, async () => {
    const { home, file, n } = brokenWorkspace('day2-datasets-scala', 'DatasetsLab.scala', 'if (a.count >= b.count) a else b', '    if (a.count >= b.count) a else "b"');
    const builds = path.join(process.env.LABS_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'emr-spark-labs'), 'exercise-builds');
    const before = existsSync(builds) ? readdirSync(builds) : [];
    try {
      const r = await runLabsAsync(['start', 'day2-datasets-scala'], { LABS_HOME: home });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`error: ${file.replace(/[.]/g, '\\.')}:${n}: (error: )?type mismatch`));
      expect(r.stderr.split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(1);
      noRuns(home);
    } finally {
      for (const d of existsSync(builds) ? readdirSync(builds) : []) if (!before.includes(d)) rmSync(path.join(builds, d), { recursive: true, force: true });
    }
  });
});

describe('a tiny exercise on local Spark', () => {
  // The reference sets VALUE = 2; the exercise leaves VALUE = 1 with a TODO. The check measures it.
  const reference = [
    'import labkit',
    '',
    'VALUE = 2',
    '',
    'def main(argv=None):',
    '    labkit.run_step("tiny", lambda p: None, lambda spark, args: {"value": VALUE, "rows": spark.range(VALUE).count()}, argv)',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ].join('\n');
  const setUp = () => {
    const project = projectCopy();
    project.addFile('spark-jobs/python/day1_tiny.py', reference);
    project.addFile('labs/day1-tiny/exercise/day1_tiny.py', reference.replace('VALUE = 2', '# TODO 1: the value the lesson asks for\nVALUE = 1'));
    project.addFile(
      'labs/day1-tiny/lab.yaml',
      [
        'id: day1-tiny',
        'day: 1',
        'title: tiny',
        'topics: [x]',
        'steps:',
        '  - name: tiny',
        '    job: spark-jobs/python/day1_tiny.py',
        '    args: ["--out", "{out}"]',
        'checks:',
        '  - name: the value is 2',
        '    path: rows',
        '    equals: 2',
        '    hint: "TODO 1 in day1_tiny.py: VALUE"',
        'exercise:',
        '  asks: set VALUE',
        '  files: [spark-jobs/python/day1_tiny.py]',
        '',
      ].join('\n'),
    );
    return project;
  };

  it('start runs the workspace and says so; solution shows the diff and --apply writes it; --reference runs the bundled job', { timeout: 10 * 60_000 }, async () => {
    const project = setUp();
    const home = tempHome();
    const env = { LABS_HOME: home };
    const ws = tmp('labs-ws-');
    expect(runLabs(['exercise', 'day1-tiny', '--dir', ws], env, project.bin).code).toBe(0);
    const elsewhere = tmp('labs-cwd-');

    const first = await runLabsAsync(['start', 'day1-tiny'], env, project.bin, elsewhere);
    expect(first.stderr).toContain(`exercise: running your files from ${ws} (\`labs start day1-tiny --reference\` runs the solution)`);
    expect(first.stderr).toContain('✗ the value is 2: 1 (expected = 2)');
    expect(first.stderr).toContain('hint: TODO 1 in day1_tiny.py: VALUE');
    expect(first.code).toBe(1);
    const run = JSON.parse(runLabs(['status', 'day1-tiny', '--json'], env, project.bin).stdout).run;
    expect(run.exercise).toBe(ws);
    expect(run.steps[0].argv).toContain(path.join(ws, 'day1_tiny.py'));

    const diff = runLabs(['solution', 'day1-tiny'], env, project.bin);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain(`--- ${path.join(ws, 'day1_tiny.py')}`);
    expect(diff.stdout).toContain('+++ spark-jobs/python/day1_tiny.py');
    expect(diff.stdout).toMatch(/^-VALUE = 1$/m);
    expect(diff.stdout).toMatch(/^\+VALUE = 2$/m);

    const refused = runLabs(['solution', 'day1-tiny', '--apply'], env, project.bin);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('hint: add --yes');
    expect(readFileSync(path.join(ws, 'day1_tiny.py'), 'utf8')).toContain('VALUE = 1');
    const applied = runLabs(['solution', 'day1-tiny', '--apply', '--yes'], env, project.bin);
    expect(applied.code, applied.stderr).toBe(0);
    expect(readFileSync(path.join(ws, 'day1_tiny.py'), 'utf8')).toBe(reference);
    expect(runLabs(['solution', 'day1-tiny'], env, project.bin).stdout).toContain('are the reference solution');

    const solved = await runLabsAsync(['start', 'day1-tiny'], env, project.bin);
    expect(solved.code, solved.stderr).toBe(0);
    expect(solved.stderr).toContain('exercise: running your files');

    writeFileSync(path.join(ws, 'day1_tiny.py'), reference.replace('VALUE = 2', 'VALUE = 3'));
    const ref = await runLabsAsync(['start', 'day1-tiny', '--reference', '--json'], env, project.bin);
    expect(ref.code, ref.stderr).toBe(0);
    expect(ref.stderr).not.toContain('exercise:');
    const refRun = JSON.parse(ref.stdout);
    expect(refRun.exercise).toBeUndefined();
    expect(refRun.steps[0].argv).toContain(path.join(project.root, 'spark-jobs/python/day1_tiny.py'));
  });

  it('a lab.yaml whose exercise file is missing or has no TODO is a lab.yaml error naming the path', () => {
    const project = setUp();
    project.addFile('labs/day1-tiny/exercise/day1_tiny.py', reference);
    const r = runLabs(['show', 'day1-tiny'], {}, project.bin);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: .*labs\/day1-tiny\/lab\.yaml: exercise: labs\/day1-tiny\/exercise\/day1_tiny\.py has no TODO/);
    rmSync(path.join(project.root, 'labs/day1-tiny/exercise/day1_tiny.py'));
    const missing = runLabs(['show', 'day1-tiny'], {}, project.bin);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('labs/day1-tiny/exercise/day1_tiny.py does not exist');
  });
});
