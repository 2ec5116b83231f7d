import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEmrPlan } from '../../src/app/emr/plan.js';
import { labIds, loadLab } from '../../src/app/lab-catalog.js';
import { planCluster } from '../../src/core/emr/cluster-plan.js';
import type { Lab } from '../../src/core/lab/lab-schema.js';
import { repoRoot } from '../helpers/cli.js';
import type { RecordedCall } from '../helpers/mock-aws.js';
import { testPython } from '../helpers/test-venv.js';
import { emrConfig } from './emr-project.js';
import { tourRequests } from './emr-tour.js';

/** JSON as botocore would take it: dates as ISO strings, streams and buffers as empty blobs. */
function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(plain);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return '';
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, plain(v)]));
}

/**
 * lib-storage hands every part request the whole PutObject input; the SDK's serializer sends only modeled members,
 * so these never reach the wire. Everything else stays strict: a member the model does not know is a bug the
 * serializer would silently drop.
 */
const LIB_STORAGE_CARRYOVER: Record<string, string[]> = { 's3/UploadPart': ['Metadata'], 's3/CompleteMultipartUpload': ['Metadata'] };

function wireInput(q: RecordedCall): unknown {
  const input = { ...q.input };
  for (const k of LIB_STORAGE_CARRYOVER[`${q.service}/${q.operation}`] ?? []) delete input[k];
  return plain(input);
}

function validate(requests: RecordedCall[]): string[] {
  const r = spawnSync(testPython(), [path.join(repoRoot, 'scripts', 'validate_aws_requests.py')], { input: JSON.stringify(requests.map((q) => ({ ...q, input: wireInput(q) }))), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as string[];
}

/** Every lab that loads (a broken lab.yaml is the lab tests' failure, not this one's). */
function labs(): Lab[] {
  return labIds().flatMap((id) => {
    try {
      return [loadLab(id)];
    } catch {
      return [];
    }
  });
}

describe("request conformance with botocore's service models", () => {
  beforeAll(() => void testPython(), 15 * 60_000);

  it('accepts RunJobFlow (groups and fleets) and AddJobFlowSteps for every lab, and the base cluster', () => {
    const config = emrConfig({ emr: { subnetIds: ['subnet-0a1b2c3d'], securityConfiguration: 'labs-sec' } });
    const requests: RecordedCall[] = [];
    const all = labs();
    expect(all.length).toBeGreaterThan(0);
    for (const lab of all) {
      for (const fleets of lab.cluster.fleets ? [false, true] : [false]) {
        const plan = buildEmrPlan(lab, config, { projectRoot: repoRoot, fleets, now: new Date(), account: '123456789012', region: 'eu-west-1' });
        requests.push({ service: 'emr', operation: 'RunJobFlow', input: plan.runJobFlow as unknown as Record<string, unknown> });
        for (const add of plan.addJobFlowSteps) requests.push({ service: 'emr', operation: 'AddJobFlowSteps', input: { ...add, JobFlowId: 'j-0123456789ABC' } });
      }
    }
    for (const fleets of [false, true]) {
      requests.push({ service: 'emr', operation: 'RunJobFlow', input: planCluster({ config, student: 'ana', fleets, idempotencyKey: 'k', now: new Date(), bucket: 'b' }) as unknown as Record<string, unknown> });
    }
    expect(validate(requests)).toEqual([]);
  });

  it('accepts every request the fake-EMR tour sends (EMR, S3, STS, Glue, tagging, CloudWatch)', async () => {
    const requests = await tourRequests();
    expect(new Set(requests.map((r) => r.service))).toEqual(new Set(['emr', 's3', 'sts', 'glue', 'resourcegroupstaggingapi', 'cloudwatch']));
    expect(validate(requests)).toEqual([]);
  });
});
