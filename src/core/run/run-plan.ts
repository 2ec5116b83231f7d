import type { RunJobFlowInput, StepConfig } from '@aws-sdk/client-emr';
import type { Config } from '../config.js';
import { clusterRequest } from '../emr/cluster-plan.js';
import { artifactKey, dataPrefix, runPrefix, s3Uri, stepPrefix, type S3Layout } from '../emr/layout.js';
import { planSteps } from '../emr/steps-plan.js';
import type { Lab, Step } from '../lab/lab-schema.js';
import type { EngineTarget, StepRecord } from './run-record.js';
import { labArtifacts, sparkSubmitArgv, type SubmitContext } from './step-plan.js';

export type { EngineTarget };

/**
 * The files a run ships, read (and hashed, once) by the caller: each artifact labArtifacts(lab) lists, by its
 * project-relative path, with the file actually used for it (the bundled one, or a stand-in such as a student's copy
 * of a job), and the lab's data files as they go to S3.
 */
export interface LabFiles {
  artifacts: Readonly<Record<string, { file: string; sha256?: string | undefined }>>;
  data: readonly { name: string; inside: string; file: string; sha256: string }[];
}

/** Where an EMR run goes: the student's bucket and prefix, and the cluster it needs. */
export interface EmrWhere {
  target: 'emr';
  layout: S3Layout;
  cohort?: string | undefined;
  fleets: boolean;
  now: Date;
}

/** Where a local run goes: its directory and what the local engine adds to every step (UI port, event log, S3A). */
export interface LocalWhere {
  target: 'local';
  master: string;
  /** the run's directory */
  dir: string;
  /** {data}: the lab's data directory; {artifacts}: the jobs' directory */
  dataDir: string;
  artifactsDir: string;
  bucket: string;
  /** the engine's settings and packages for one step (the S3 ones only for a step that uses S3) */
  extras(step: Step): { conf: Record<string, string>; packages: readonly string[] };
}

export interface RunPlanInput {
  lab: Lab;
  config: Config;
  runId: string;
  student: string;
  files: LabFiles;
  where: EmrWhere | LocalWhere;
}

export interface PlannedUpload {
  bucket: string;
  key: string;
  file: string;
  sha256: string;
}

export interface PlannedStep {
  step: Step;
  argv: string[];
  /** where the step writes result.json */
  out: string;
  /** on EMR: the step as AddJobFlowSteps carries it */
  emr?: StepConfig | undefined;
}

/** The cluster a run needs: the exact RunJobFlow (sent when no live cluster of this shape is there), its shape and key. */
export interface ClusterPlan {
  request: RunJobFlowInput;
  shape: string;
  idempotencyKey: string;
}

/** Everything one run will do, decided before anything is sent or started. */
export interface RunPlan {
  target: EngineTarget;
  lab: Lab;
  runId: string;
  student: string;
  /** the run's directory (local) or s3:// prefix (emr) */
  dir: string;
  /** emr: the cluster it runs on */
  cluster?: ClusterPlan | undefined;
  /** emr: the files to put in S3 (each skipped when unchanged), artifacts first */
  uploads: PlannedUpload[];
  /** emr: the student's bucket layout */
  layout?: S3Layout | undefined;
  steps: PlannedStep[];
}

/**
 * lab + config + where + the files' hashes -> the run's plan. Pure: `labs plan` prints it, the engines carry it out,
 * so what is shown and what is sent cannot drift.
 */
export function runPlan(input: RunPlanInput): RunPlan {
  return input.where.target === 'emr' ? emrRunPlan(input, input.where) : localRunPlan(input, input.where);
}

/** sha256 by artifact path, as the EMR steps plan takes them; an artifact without one is a caller's mistake. */
function artifactShas(lab: Lab, files: LabFiles): Record<string, string> {
  return Object.fromEntries(
    labArtifacts(lab).map((rel) => {
      const sha = files.artifacts[rel]?.sha256;
      if (!sha) throw new Error(`no checksum for artifact ${rel}`);
      return [rel, sha];
    }),
  );
}

function emrRunPlan(input: RunPlanInput, where: EmrWhere): RunPlan {
  const { lab, config, runId, files } = input;
  const { layout } = where;
  const shas = artifactShas(lab, files);
  const opts = { lab, layout, runId, artifactSha: shas };
  const configs = planSteps(opts);
  const uploads: PlannedUpload[] = labArtifacts(lab).map((rel) => ({ bucket: layout.bucket, key: artifactKey(layout, shas[rel]!, rel), file: files.artifacts[rel]!.file, sha256: shas[rel]! }));
  for (const d of files.data) uploads.push({ bucket: layout.bucket, key: `${dataPrefix(layout, lab.id)}/${d.name}${d.inside}`, file: d.file, sha256: d.sha256 });
  return {
    target: 'emr',
    lab,
    runId,
    student: layout.student,
    dir: s3Uri(layout.bucket, runPrefix(layout, lab.id, runId)),
    cluster: clusterRequest({ config, lab, student: layout.student, cohort: where.cohort, fleets: where.fleets, now: where.now, bucket: layout.bucket }),
    uploads,
    layout,
    steps: lab.steps.map((step, i) => ({ step, argv: configs[i]!.HadoopJarStep!.Args!, out: s3Uri(layout.bucket, stepPrefix(layout, lab.id, runId, step.name)), emr: configs[i] })),
  };
}

/** The argv of one local step: the same builder as EMR's, with local paths and the engine's settings. */
export function localStepArgv(input: Pick<RunPlanInput, 'lab' | 'student' | 'files'>, where: LocalWhere, step: Step): string[] {
  const { lab, files } = input;
  const extras = where.extras(step);
  const ctx: SubmitContext = {
    target: 'local',
    master: where.master,
    artifact: (rel) => files.artifacts[rel]?.file ?? `${where.artifactsDir}/${rel}`,
    placeholders: { data: where.dataDir, artifacts: where.artifactsDir, run: where.dir, lab: lab.id, student: input.student, bucket: where.bucket },
    outFor: (name) => `${where.dir}/${name}`,
    engineConf: extras.conf,
    enginePackages: extras.packages,
    // Vanilla Spark has no EMRFS behind s3://: locally the same URIs go through S3A (EMR keeps them as written).
    s3Scheme: 's3a',
  };
  return sparkSubmitArgv(lab, step, ctx);
}

function localRunPlan(input: RunPlanInput, where: LocalWhere): RunPlan {
  return {
    target: 'local',
    lab: input.lab,
    runId: input.runId,
    student: input.student,
    dir: where.dir,
    uploads: [],
    steps: input.lab.steps.map((step) => ({ step, argv: localStepArgv(input, where, step), out: `${where.dir}/${step.name}` })),
  };
}

/** Every step as it starts out: PENDING, with the argv it will run and where its result.json will be. */
export function initialRecords(plan: RunPlan): StepRecord[] {
  return plan.steps.map((s) => ({ name: s.step.name, state: 'PENDING', argv: [...s.argv], out: s.out }));
}
