import type { AddJobFlowStepsInput, RunJobFlowInput } from '@aws-sdk/client-emr';
import type { Config } from '../../core/config.js';
import { defaultBucket } from '../../core/emr/layout.js';
import type { Lab } from '../../core/lab/lab-schema.js';
import { newRunId } from '../../core/run/run-record.js';
import { runPlan, type RunPlan } from '../../core/run/run-plan.js';
import { readLabFiles } from '../../engines/lab-files.js';
import { PLACEHOLDER_ACCOUNT } from '../aws-session.js';
import { stepExecutionRoleArn } from '../../core/emr/runtime-role.js';

export interface EmrPlan {
  runJobFlow: RunJobFlowInput;
  putObject: { file: string; bucket: string; key: string }[];
  /** one request with every step: EMR runs them in order */
  addJobFlowSteps: AddJobFlowStepsInput[];
  notes: string[];
}

/**
 * The exact requests `labs start --target emr` would send, built without credentials or network from the same run
 * plan the EMR engine carries out: the account is a placeholder unless the caller knows it, and the notes say what
 * was assumed.
 */
export function buildEmrPlan(lab: Lab, config: Config, o: { projectRoot: string; fleets: boolean; now: Date; account?: string; region?: string; cohort?: string }): EmrPlan {
  const notes: string[] = [];
  const region = o.region ?? config.emr.region;
  let bucket = config.emr.bucket;
  if (!bucket) {
    bucket = defaultBucket(o.account ?? PLACEHOLDER_ACCOUNT, region ?? 'us-east-1');
    if (!o.account) notes.push(`bucket: no emr.bucket is set and no credentials were used, so the account in ${bucket} is a placeholder`);
  }
  if (!region) notes.push('region: none configured (--region, AWS_REGION or emr.region); us-east-1 assumed for names');
  const unbuilt: string[] = [];
  const files = readLabFiles(lab, o.projectRoot, {
    hash: true,
    ifMissing: (rel) => {
      unbuilt.push(rel);
      return '0'.repeat(64);
    },
  });
  for (const rel of unbuilt) notes.push(`${rel} is not built yet: its key holds a placeholder checksum (000000000000) until \`labs start\` or \`labs setup local\` builds it`);
  const runId = newRunId(o.now);
  const plan: RunPlan = runPlan({ lab, config, runId, student: config.student, files, where: { target: 'emr', layout: { bucket, student: config.student }, cohort: o.cohort, fleets: o.fleets, now: o.now } });
  const executionRoleArn = stepExecutionRoleArn(config, o.account ?? PLACEHOLDER_ACCOUNT, region ?? 'us-east-1');
  notes.push(`cluster: reused when ${config.student} already has a live cluster of shape ${plan.cluster!.shape}; else created as above`);
  notes.push(`uploads: each is skipped when S3 already holds the same content (HeadObject first); run id ${runId} is an example`);
  const relative = (file: string) => (file.startsWith(o.projectRoot) ? file.slice(o.projectRoot.length + 1) : file);
  return {
    runJobFlow: plan.cluster!.request,
    putObject: plan.uploads.map((u) => ({ file: relative(u.file), bucket: u.bucket, key: u.key })),
    addJobFlowSteps: [{ JobFlowId: '<cluster-id>', Steps: plan.steps.map((s) => s.emr!), ...(executionRoleArn ? { ExecutionRoleArn: executionRoleArn } : {}) }],
    notes,
  };
}
