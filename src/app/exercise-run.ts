import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { artifactOf, exerciseFileName, exerciseLab, isScalaSource, type JobFiles } from '../core/lab/exercise.js';
import { EnvironmentError, InputError, LabFailedError } from '../core/errors.js';
import { EXERCISE_CONF_FILE, SparkConfSchema, type Lab } from '../core/lab/lab-schema.js';
import { SCALA_JAR, SCALA_PROJECT } from '../core/run/step-plan.js';
import { ensureScalaJar } from '../engines/scala-build.js';
import { isReady, venvFor } from '../engines/local/python-env.js';
import { requirementsFile } from '../engines/local/local-engine.js';
import type { Config } from '../core/config.js';
import { projectRoot } from './paths.js';

/**
 * Turn a student's workspace into what a run uses: each exercise file checked (a Python file must import, a Scala
 * source must compile) and mapped to the lab's job path, so the engines submit the student's files instead of the
 * bundled ones. Nothing runs on Spark before every file passed.
 */

export interface ExerciseRun {
  workspace: string;
  /** the lab narrowed to the exercise's steps, with the student's settings when the exercise has them */
  lab: Lab;
  /** lab job path (project-relative artifact) -> the file actually used */
  jobFiles: JobFiles;
}

export interface ExerciseRunOptions {
  workspace: string;
  config: Config;
  cacheDir: string;
  signal: AbortSignal;
  onProgress: (message: string) => void;
  root?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Import the student's file as a module (its `if __name__ == "__main__"` does not run) and report the innermost
 * frame of the student's file in the traceback: the line they must fix. Without the venv (an EMR-only machine)
 * only the syntax can be checked: pyspark is not there to import.
 */
const IMPORT_CHECK = `
import json, os, py_compile, runpy, sys, traceback
f, full = sys.argv[1], sys.argv[2] == "import"
def out(line, msg):
    print(json.dumps({"line": line, "message": msg})); sys.exit(1)
try:
    if full:
        runpy.run_path(f, run_name="__labs_import_check__")
    else:
        py_compile.compile(f, doraise=True)
except py_compile.PyCompileError as e:
    err = e.exc_value
    out(getattr(err, "lineno", None), "%s: %s" % (type(err).__name__, getattr(err, "msg", str(err))))
except SyntaxError as e:
    out(e.lineno, "%s: %s" % (type(e).__name__, e.msg))
except BaseException as e:
    mine = [fr for fr in traceback.extract_tb(e.__traceback__) if os.path.abspath(fr.filename) == os.path.abspath(f)]
    out(mine[-1].lineno if mine else None, "%s: %s" % (type(e).__name__, e))
`;

export function checkPythonFile(file: string, o: { python: string; full: boolean; pythonPath: string }): void {
  const r = spawnSync(o.python, ['-c', IMPORT_CHECK, file, o.full ? 'import' : 'syntax'], {
    encoding: 'utf8',
    cwd: path.dirname(file),
    env: { ...process.env, PYTHONPATH: o.pythonPath, PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 120_000,
  });
  if (r.error) throw new EnvironmentError(`could not run ${o.python} to check ${file}: ${r.error.message}`, 'run `labs setup local`, or set LABS_PYTHON');
  if (r.status === 0) return;
  let found: { line?: number | null; message?: string } = {};
  try {
    found = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
  } catch {
    found = { message: (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.status}`) };
  }
  throw new LabFailedError(`${file}${found.line ? `:${found.line}` : ''}: ${found.message ?? 'does not import'}`, 'fix that line and run `labs start` again; nothing was run');
}

/** The Python that checks a student's file: the labs venv when it is ready (full import), else the system one. */
function checker(o: ExerciseRunOptions, root: string): { python: string; full: boolean } {
  try {
    const env = venvFor(o.cacheDir, requirementsFile(root), o.config.local.python);
    if (isReady(env)) return { python: env.python, full: true };
  } catch {
    // no supported Python: fall through to the syntax check with whatever python3 there is
  }
  return { python: o.config.local.python, full: false };
}

/**
 * Build the Scala jobs with the student's sources in place of the bundled ones, in a copy of the project under the
 * cache (one per workspace; rebuilt only when a source changed). A compile error: scalac's first one, on the
 * student's file.
 */
async function buildStudentJar(lab: Lab, sources: Map<string, string>, o: ExerciseRunOptions, root: string): Promise<string> {
  const id = createHash('sha256').update(o.workspace).digest('hex').slice(0, 12);
  const buildRoot = path.join(o.cacheDir, 'exercise-builds', `${lab.id}-${id}`);
  const project = path.join(buildRoot, SCALA_PROJECT);
  mkdirSync(project, { recursive: true });
  rmSync(path.join(project, 'src'), { recursive: true, force: true });
  cpSync(path.join(root, SCALA_PROJECT, 'pom.xml'), path.join(project, 'pom.xml'));
  cpSync(path.join(root, SCALA_PROJECT, 'src'), path.join(project, 'src'), { recursive: true });
  for (const [projectFile, mine] of sources) cpSync(mine, path.join(buildRoot, projectFile));
  try {
    await ensureScalaJar({ projectRoot: buildRoot, cacheDir: o.cacheDir, onProgress: o.onProgress, signal: o.signal, env: o.env });
  } catch (e) {
    const m = e instanceof EnvironmentError ? /^the Scala jobs do not compile: (\S+?\.scala)(:\d+:.*)$/.exec(e.message) : null;
    if (!m) throw e;
    const mine = [...sources].find(([projectFile]) => projectFile.endsWith(`/${m[1]}`))?.[1];
    throw new LabFailedError(`${mine ?? m[1]}${m[2]}`, 'fix that line and run `labs start` again; nothing was run');
  }
  return path.join(buildRoot, SCALA_JAR);
}

/** The student's Spark settings file: a map of spark.* settings, checked like lab.yaml's. */
function readStudentConf(file: string): Record<string, string | number | boolean> {
  if (!existsSync(file)) throw new InputError(`${file} is missing from your workspace`, 'run `labs exercise <lab> --force` to start again, or `labs solution <lab> --apply`');
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  const err = doc.errors[0];
  if (err) throw new LabFailedError(`${file}:${err.linePos?.[0]?.line ?? 1}: ${err.message.split('\n')[0]}`, 'fix the YAML and run `labs start` again; nothing was run');
  const parsed = SparkConfSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LabFailedError(`${file}: ${issue.path.join('.') || 'settings'}: ${issue.message}`, 'write it as `spark.some.setting: value` lines; nothing was run');
  }
  return parsed.data;
}

export async function prepareExerciseRun(lab: Lab, o: ExerciseRunOptions): Promise<ExerciseRun> {
  const root = o.root ?? projectRoot;
  const ex = lab.exercise;
  if (!ex) throw new InputError(`${lab.id} has no exercise`);
  const jobFiles: Record<string, string> = {};
  const scalaSources = new Map<string, string>();
  const pythonPath = path.join(root, 'spark-jobs', 'python');
  for (const file of ex.files) {
    const mine = path.join(o.workspace, exerciseFileName(file));
    if (!existsSync(mine)) {
      throw new InputError(`${mine} is missing from your workspace`, `run \`labs exercise ${lab.id} --force\` to start again, or \`labs solution ${lab.id} --apply\``);
    }
    if (isScalaSource(file)) scalaSources.set(file, mine);
    else {
      checkPythonFile(mine, { ...checker(o, root), pythonPath });
      jobFiles[artifactOf(file)] = mine;
    }
  }
  if (scalaSources.size) jobFiles[SCALA_JAR] = await buildStudentJar(lab, scalaSources, o, root);
  const conf = ex.conf ? readStudentConf(path.join(o.workspace, EXERCISE_CONF_FILE)) : undefined;
  return { workspace: o.workspace, lab: exerciseLab(lab, conf), jobFiles };
}
