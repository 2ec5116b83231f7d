import type { Lab, Placeholder, Step } from './lab-schema.js';

/** Shipped to every PySpark job with --py-files: result.json writer, timers, plan helpers. */
export const LABKIT = 'spark-jobs/python/labkit.py';

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
}

export function isPythonJob(step: Step): boolean {
  return step.job.endsWith('.py');
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
  if (isPythonJob(step)) argv.push('--py-files', ctx.artifact(LABKIT));
  argv.push(ctx.artifact(step.job));
  for (const arg of step.args) argv.push(resolvePlaceholders(arg, values));
  return argv;
}

/** True when a step reads or writes S3: on the local engine it then runs against the S3 emulator. */
export function usesS3(step: Step): boolean {
  return step.args.some((a) => a.includes('s3://') || a.includes('{bucket}'));
}

/** Project files a lab needs on the cluster (or nowhere, locally): jobs and the labkit. */
export function labArtifacts(lab: Lab): string[] {
  const files = new Set<string>();
  for (const step of lab.steps) {
    files.add(step.job);
    if (isPythonJob(step)) files.add(LABKIT);
  }
  return [...files].sort();
}
