import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { exerciseFileName, exerciseFileNames, exercisePath, referenceConf } from '../core/lab/exercise.js';
import { InputError } from '../core/errors.js';
import { EXERCISE_CONF_FILE, type Lab } from '../core/lab/lab-schema.js';
import { labsHome, projectRoot } from './paths.js';

/**
 * A student's exercise workspace: a folder with their copies of the lab's exercise files, registered in LABS_HOME
 * (exercises.json) so that `labs start <lab>` finds it from any directory.
 */

type Env = Readonly<Record<string, string | undefined>>;

export interface Registration {
  dir: string;
  createdAt: string;
}

const registryFile = (env: Env) => path.join(labsHome(env), 'exercises.json');

function readRegistry(env: Env): Record<string, Registration> {
  const file = registryFile(env);
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Registration>;
  } catch {
    throw new InputError(`${file} is not valid JSON`, 'delete it and run `labs exercise <lab>` again for each lab you work on');
  }
}

function writeRegistry(env: Env, registry: Record<string, Registration>): void {
  const file = registryFile(env);
  mkdirSync(path.dirname(file), { recursive: true });
  // write then rename: a crash never leaves half a registry behind
  writeFileSync(`${file}.tmp`, `${JSON.stringify(registry, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

export function requireExercise(lab: Lab): NonNullable<Lab['exercise']> {
  if (!lab.exercise) throw new InputError(`${lab.id} has no exercise`, 'the labs with one say "exercise": true in `labs list --json`');
  return lab.exercise;
}

/** The registered workspace of a lab, or undefined when the student never ran `labs exercise <lab>`. */
export function registeredWorkspace(lab: Lab, env: Env = process.env): Registration | undefined {
  const reg = readRegistry(env)[lab.id];
  if (!reg || !lab.exercise) return undefined;
  if (!existsSync(reg.dir)) {
    throw new InputError(
      `your exercise workspace for ${lab.id} (${reg.dir}) is gone`,
      `run \`labs exercise ${lab.id}\` to start again, or \`labs start ${lab.id} --reference\` for the solution`,
    );
  }
  return reg;
}

export interface CopyOptions {
  dir?: string | undefined;
  force?: boolean | undefined;
  cwd?: string;
  root?: string;
  env?: Env;
  now?: () => Date;
}

/** `labs exercise <lab>`: the exercise's starting files into the workspace (never over work without force). */
export function copyExercise(lab: Lab, o: CopyOptions = {}): { dir: string; files: string[] } {
  requireExercise(lab);
  const env = o.env ?? process.env;
  const dir = path.resolve(o.cwd ?? process.cwd(), o.dir ?? path.join('labs-work', lab.id));
  const names = exerciseFileNames(lab);
  const present = names.filter((n) => existsSync(path.join(dir, n)));
  if (present.length && !o.force) {
    throw new InputError(
      `${dir} already holds your work on ${lab.id} (${present.join(', ')})`,
      `add --force to start over from the exercise (it overwrites those files), or --dir <another folder>`,
    );
  }
  const source = path.join(o.root ?? projectRoot, 'labs', lab.id);
  mkdirSync(dir, { recursive: true });
  for (const name of names) copyFileSync(path.join(source, exercisePath(name)), path.join(dir, name));
  const registry = readRegistry(env);
  registry[lab.id] = { dir, createdAt: (o.now ?? (() => new Date()))().toISOString() };
  writeRegistry(env, registry);
  return { dir, files: names.map((n) => path.join(dir, n)) };
}

export interface SolutionFile {
  /** the file in the workspace */
  mine: string;
  /** the reference: a project file, or the lab's settings for spark-conf.yaml */
  reference: string;
  referenceText: string;
  mineText: string | undefined;
}

/** The reference of each workspace file: the bundled job, or lab.yaml's settings written as the exercise's file. */
export function solutionFiles(lab: Lab, workspace: string, root = projectRoot): SolutionFile[] {
  const ex = requireExercise(lab);
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : undefined);
  const files: SolutionFile[] = ex.files.map((file) => {
    const mine = path.join(workspace, exerciseFileName(file));
    return { mine, reference: file, referenceText: readFileSync(path.join(root, file), 'utf8'), mineText: read(mine) };
  });
  if (ex.conf) {
    const mine = path.join(workspace, EXERCISE_CONF_FILE);
    const where = typeof ex.conf === 'string' ? `steps "${ex.conf}" conf` : 'spark.conf';
    const text = `# the Spark settings of labs/${lab.id}/lab.yaml (${where})\n${stringify(referenceConf(lab))}`;
    files.push({ mine, reference: `labs/${lab.id}/lab.yaml (${where})`, referenceText: text, mineText: read(mine) });
  }
  return files;
}

/** `labs solution --apply`: the reference over the student's files. */
export function applySolution(files: readonly SolutionFile[]): void {
  for (const f of files) writeFileSync(f.mine, f.referenceText);
}
