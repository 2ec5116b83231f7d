import { EXERCISE_CONF_FILE, EXERCISE_DIR, type Lab } from './lab-schema.js';
import { isScalaJob, jobArtifact, SCALA_JAR, SCALA_PROJECT } from '../run/step-plan.js';

/**
 * Exercises: the student's version of a lab's job files (with TODO markers) next to the reference. Pure rules here;
 * copying, building and running them live in app/exercise-*.ts.
 */

/** The marker a student's starting file carries where the lesson's change goes. */
export const TODO_MARKER = 'TODO';

/** A file's name in the exercise directory and in the workspace: its base name (job files have unique names). */
export function exerciseFileName(projectFile: string): string {
  return projectFile.slice(projectFile.lastIndexOf('/') + 1);
}

/** Every file of the exercise, as names in the exercise directory / workspace. */
export function exerciseFileNames(lab: Lab): string[] {
  if (!lab.exercise) return [];
  return [...lab.exercise.files.map(exerciseFileName), ...(lab.exercise.conf ? [EXERCISE_CONF_FILE] : [])];
}

/** labs/<id>/exercise/<name>, relative to the lab directory. */
export const exercisePath = (name: string) => `${EXERCISE_DIR}/${name}`;

export const isScalaSource = (projectFile: string) => projectFile.startsWith(`${SCALA_PROJECT}/`) && projectFile.endsWith('.scala');

/** What validation may read of a lab directory. */
export interface ExerciseFiles {
  projectFileExists(relPath: string): boolean;
  /** text of a file relative to the lab directory, undefined when it does not exist */
  readLabFile(relPath: string): string | undefined;
}

/**
 * The first thing wrong with a lab's exercise, as [where in lab.yaml, what], or undefined. Each exercise file must
 * name a file the lab runs (a step's .py, or a source of the Scala project for a Scala step), and its starting
 * version must exist under exercise/ and carry a TODO.
 */
export function exerciseProblem(lab: Lab, files: ExerciseFiles): [string, string] | undefined {
  const ex = lab.exercise;
  if (!ex) return undefined;
  if (!ex.files.length && ex.conf === false) return ['exercise', 'names no files and no conf: the student would have nothing to write'];
  const jobs = new Set(lab.steps.map((s) => s.job));
  const names = new Set<string>();
  for (const [i, file] of ex.files.entries()) {
    const where = `exercise.files[${i}]`;
    if (file.endsWith('.py') && !jobs.has(file)) return [where, `${file} is not the job of any step`];
    if (isScalaSource(file) && !lab.steps.some(isScalaJob)) return [where, `${file} is a Scala source but no step runs ${SCALA_PROJECT}`];
    if (!files.projectFileExists(file)) return [where, `${file} does not exist (the reference solution)`];
    const name = exerciseFileName(file);
    if (names.has(name)) return [where, `a second file named ${name}`];
    names.add(name);
  }
  for (const name of exerciseFileNames(lab)) {
    const rel = exercisePath(name);
    const text = files.readLabFile(rel);
    if (text === undefined) return ['exercise', `labs/${lab.id}/${rel} does not exist`];
    if (!text.includes(TODO_MARKER)) return ['exercise', `labs/${lab.id}/${rel} has no ${TODO_MARKER} marking where the student's change goes`];
  }
  const stepNames = lab.steps.map((s) => s.name);
  if (typeof ex.conf === 'string' && !stepNames.includes(ex.conf)) return ['exercise.conf', `no step named "${ex.conf}" (steps: ${stepNames.join(', ')})`];
  for (const step of Object.keys(ex.args ?? {})) {
    if (!stepNames.includes(step)) return [`exercise.args.${step}`, `no step named "${step}" (steps: ${stepNames.join(', ')})`];
  }
  for (const [i, step] of (ex.steps ?? []).entries()) {
    if (!stepNames.includes(step)) return [`exercise.steps[${i}]`, `no step named "${step}" (steps: ${stepNames.join(', ')})`];
  }
  return undefined;
}

/**
 * The lab as an exercise run sees it: only the steps the exercise names (and the checks on them), and the student's
 * Spark settings instead of the lab's when the exercise has them.
 */
export function exerciseLab(lab: Lab, studentConf?: Record<string, string | number | boolean>): Lab {
  const only = lab.exercise?.steps;
  const confStep = typeof lab.exercise?.conf === 'string' ? lab.exercise.conf : undefined;
  const args = lab.exercise?.args ?? {};
  const steps = (only ? lab.steps.filter((s) => only.includes(s.name)) : lab.steps).map((s) => ({
    ...s,
    ...(studentConf && s.name === confStep ? { conf: studentConf } : {}),
    ...(args[s.name] ? { args: args[s.name]! } : {}),
  }));
  const last = lab.steps.at(-1)!.name;
  const checks = only ? lab.checks.filter((c) => only.includes(c.step ?? last)) : lab.checks;
  const spark = studentConf && lab.exercise?.conf === true ? { conf: studentConf } : lab.spark;
  return { ...lab, steps, checks, spark };
}

/** The settings the student's spark-conf.yaml stands for: the named step's conf, or the lab's. */
export function referenceConf(lab: Lab): Record<string, string | number | boolean> {
  const conf = lab.exercise?.conf;
  return typeof conf === 'string' ? (lab.steps.find((s) => s.name === conf)?.conf ?? {}) : lab.spark.conf;
}

/**
 * The project file a job path maps to for spark-submit: the .py itself, or the jar for a Scala source. The run plan
 * takes a map from these paths to the files actually used (the student's copies, a jar built from their sources).
 */
export function artifactOf(projectFile: string): string {
  return isScalaSource(projectFile) ? SCALA_JAR : jobArtifact({ job: projectFile });
}

/** A map from a lab's project-relative artifact path to the absolute file actually used; absent: the bundled one. */
export type JobFiles = Readonly<Record<string, string>>;
