import type { Lab, Placeholder, Step } from '../lab/lab-schema.js';

/** Shipped to every PySpark job with --py-files: result.json writer, timers, plan helpers. */
export const LABKIT = 'spark-jobs/python/labkit.py';
/** labkit's jobs/stages/tasks part, its own module; shipped with it (labkit imports it). */
export const LABKIT_JOBS = 'spark-jobs/python/labkit_jobs.py';
const PY_FILES = [LABKIT, LABKIT_JOBS];

/** The Maven project of the Scala labs: a step names it as its job, with the main class in `class`. */
export const SCALA_PROJECT = 'spark-jobs/scala';
/** What that project builds (its pom's fixed finalName): the one jar spark-submit runs for every Scala step. */
export const SCALA_JAR = 'spark-jobs/scala/target/emr-spark-labs-jobs.jar';

export interface SubmitContext {
  /**
   * local: `--master <master>`, paths on this machine. emr: `--deploy-mode cluster` (EMR's spark-submit
   * defaults to YARN), paths as s3:// URIs. Everything else in the argv is the same on both engines.
   */
  target: 'local' | 'emr';
  master?: string;
  /** how the engine addresses a project file such as spark-jobs/python/x.py */
  artifact(relPath: string): string;
  /** values of {data} {artifacts} {run} {lab} {student} {bucket}; {out} comes from outFor */
  placeholders: Omit<Record<Placeholder, string>, 'out'>;
  /** the step's output directory: where its result.json lands */
  outFor(step: string): string;
  /** settings the engine adds (UI port, event log); the lab's own settings win over them */
  engineConf?: Record<string, string>;
  /** Maven packages the engine adds (the local engine's S3A connector) */
  enginePackages?: readonly string[];
  /** 's3a': an argument written s3:// is addressed as s3a:// (Spark without EMRFS has only S3A) */
  s3Scheme?: 's3a';
}

export function isPythonJob(step: Step): boolean {
  return step.job.endsWith('.py');
}

/** A step of a Scala lab: its job is the Maven project (source), its artifact the jar built from it. */
export function isScalaJob(step: Pick<Step, 'job'>): boolean {
  return step.job.replace(/\/+$/, '') === SCALA_PROJECT;
}

/** The file spark-submit runs for a step: the .py or .jar itself, or the built jar for a Scala step. */
export function jobArtifact(step: Pick<Step, 'job'>): string {
  return isScalaJob(step) ? SCALA_JAR : step.job;
}

export function resolvePlaceholders(arg: string, values: Record<Placeholder, string>): string {
  return arg.replace(/\{([a-z]+)\}/g, (whole, name: string) => (name in values ? values[name as Placeholder] : whole));
}

/** The effective Spark settings of a step: engine < lab < step. Values are strings, as spark-submit sees them. */
export function stepConf(lab: Lab, step: Step, engineConf: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = { ...engineConf };
  for (const [k, v] of Object.entries({ ...lab.spark.conf, ...step.conf })) out[k] = String(v);
  return out;
}

/** The spark-submit argv of one step (argv[0] is "spark-submit"). The same builder serves both engines. */
export function sparkSubmitArgv(lab: Lab, step: Step, ctx: SubmitContext): string[] {
  const values: Record<Placeholder, string> = { ...ctx.placeholders, out: ctx.outFor(step.name) };
  const argv = ['spark-submit'];
  if (ctx.target === 'local') argv.push('--master', ctx.master ?? 'local[*]');
  else argv.push('--deploy-mode', 'cluster');
  argv.push('--name', `${lab.id}:${step.name}`);
  if (step.class) argv.push('--class', step.class);
  const packages = [...(ctx.enginePackages ?? []), ...step.packages];
  if (packages.length) argv.push('--packages', packages.join(','));
  for (const [k, v] of Object.entries(stepConf(lab, step, ctx.engineConf))) argv.push('--conf', `${k}=${v}`);
  if (isPythonJob(step)) argv.push('--py-files', PY_FILES.map((f) => ctx.artifact(f)).join(','));
  argv.push(ctx.artifact(jobArtifact(step)));
  for (const arg of step.args) {
    const resolved = resolvePlaceholders(arg, values);
    argv.push(ctx.s3Scheme === 's3a' && resolved.startsWith('s3://') ? `s3a://${resolved.slice('s3://'.length)}` : resolved);
  }
  return argv;
}

/** True when a step reads or writes S3: on the local engine it then runs against the S3 emulator. */
export function usesS3(step: Step): boolean {
  return step.args.some((a) => a.includes('s3://') || a.includes('{bucket}'));
}

/**
 * Project files a lab needs on the cluster (or nowhere, locally): jobs and the labkit. For a Scala step that is the
 * built jar, so whoever uploads these must build it first (engines/scala-build.ts: both engines call it).
 */
export function labArtifacts(lab: Lab): string[] {
  const files = new Set<string>();
  for (const step of lab.steps) {
    files.add(jobArtifact(step));
    if (isPythonJob(step)) for (const f of PY_FILES) files.add(f);
  }
  return [...files].sort();
}
