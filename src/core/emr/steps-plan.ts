import type { StepConfig } from '@aws-sdk/client-emr';
import { artifactKey, artifactsPrefix, dataPrefix, runPrefix, s3Uri, stepPrefix, type S3Layout } from './layout.js';
import { InputError } from '../errors.js';
import type { Lab, Step } from '../lab/lab-schema.js';
import { sparkSubmitArgv } from '../run/step-plan.js';

export const STEP_LIMITS = {
  /** steps a cluster may hold at once, and per AddJobFlowSteps call */
  steps: 256,
  /** all strings of all HadoopJarSteps of one request together */
  hadoopJarStepChars: 10240,
  name: 256,
} as const;

export interface StepsPlanOptions {
  lab: Lab;
  layout: S3Layout;
  runId: string;
  /** sha256 (hex) of every file labArtifacts(lab) lists, by project-relative path */
  artifactSha: Readonly<Record<string, string>>;
}

/**
 * Settings the EMR engine adds to every step; the lab's own win. One YARN attempt: a failing driver would otherwise
 * run twice (YARN's default) and the student waits twice as long for the same error.
 */
export const EMR_ENGINE_CONF: Record<string, string> = { 'spark.yarn.maxAppAttempts': '1' };

/** EMR's MagicCommitProtocol applies to s3a:// paths, so a lab that teaches the magic committer reads and writes s3a://. */
const dataScheme = (lab: Lab) => (lab.cluster.committer === 'magic' ? 's3a' : 's3');

export function artifactUri(o: Pick<StepsPlanOptions, 'layout' | 'artifactSha'>, relPath: string): string {
  const sha = o.artifactSha[relPath];
  if (!sha) throw new Error(`no checksum for artifact ${relPath}`);
  return s3Uri(o.layout.bucket, artifactKey(o.layout, sha, relPath));
}

/** The spark-submit argv of one step on EMR: the local engine's argv with s3:// paths and cluster deploy mode. */
export function emrSubmitArgv(o: StepsPlanOptions, step: Step): string[] {
  const { lab, layout } = o;
  const uri = (key: string) => `${dataScheme(lab)}://${layout.bucket}/${key}`;
  return sparkSubmitArgv(lab, step, {
    target: 'emr',
    artifact: (rel) => artifactUri(o, rel),
    placeholders: {
      data: uri(dataPrefix(layout, lab.id)),
      artifacts: s3Uri(layout.bucket, artifactsPrefix(layout)),
      run: uri(runPrefix(layout, lab.id, o.runId)),
      lab: lab.id,
      student: layout.student,
      bucket: layout.bucket,
    },
    outFor: (name) => uri(stepPrefix(layout, lab.id, o.runId, name)),
    engineConf: EMR_ENGINE_CONF,
  });
}

/** EMR step name: lab, step and run, so a step on a shared cluster says whose it is. */
export function emrStepName(lab: Lab, step: Step, runId: string): string {
  return `${lab.id}:${step.name} ${runId}`.slice(0, STEP_LIMITS.name);
}

/**
 * What EMR does after a step of this lab fails. All of a lab's steps go in one AddJobFlowSteps call, so on a cluster
 * that runs one step at a time CANCEL_AND_WAIT cancels the later steps (they need the failed one's output) and leaves
 * the cluster WAITING. A lab whose steps run side by side (cluster.stepConcurrency > 1) gets CONTINUE: EMR refuses
 * CANCEL_AND_WAIT there, and the steps do not depend on each other. Never TERMINATE_CLUSTER: a failing lab step must
 * not take the student's cluster down with it.
 */
export function actionOnFailure(lab: Lab): 'CANCEL_AND_WAIT' | 'CONTINUE' {
  return lab.cluster.stepConcurrency > 1 ? 'CONTINUE' : 'CANCEL_AND_WAIT';
}

export function stepConfig(o: StepsPlanOptions, step: Step): StepConfig {
  return {
    Name: emrStepName(o.lab, step, o.runId),
    ActionOnFailure: actionOnFailure(o.lab),
    HadoopJarStep: { Jar: 'command-runner.jar', Args: emrSubmitArgv(o, step) },
  };
}

/** Every step of the lab, as the one AddJobFlowSteps call carries them, validated against EMR's limits. */
export function planSteps(o: StepsPlanOptions): StepConfig[] {
  const steps = o.lab.steps.map((s) => stepConfig(o, s));
  validateSteps(steps, o.lab.id);
  return steps;
}

export function hadoopJarStepChars(steps: readonly StepConfig[]): number {
  let n = 0;
  for (const s of steps) {
    const j = s.HadoopJarStep;
    n += (j?.Jar ?? '').length + (j?.MainClass ?? '').length;
    for (const a of j?.Args ?? []) n += a.length;
    for (const p of j?.Properties ?? []) n += (p.Key ?? '').length + (p.Value ?? '').length;
  }
  return n;
}

export function validateSteps(steps: readonly StepConfig[], labId: string): void {
  if (steps.length > STEP_LIMITS.steps) {
    throw new InputError(`${labId} has ${steps.length} steps; EMR takes at most ${STEP_LIMITS.steps}`, 'split the lab');
  }
  const chars = hadoopJarStepChars(steps);
  if (chars > STEP_LIMITS.hadoopJarStepChars) {
    throw new InputError(
      `${labId}: the steps' spark-submit arguments total ${chars} characters; EMR allows ${STEP_LIMITS.hadoopJarStepChars} per request`,
      'move long settings from step conf to the lab\'s spark.conf, or shorten args',
    );
  }
}
