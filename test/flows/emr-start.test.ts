import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { emrStepLog } from '../../src/app/emr/step-log.js';
import { startLab } from '../../src/app/start.js';
import { connect } from '../../src/aws/session.js';
import { TAG, tagValue } from '../../src/core/emr/tags.js';
import { EnvironmentError, InterruptedError } from '../../src/core/errors.js';
import type { Lab } from '../../src/core/lab/lab-schema.js';
import { FakeAws, type FakeOptions } from '../helpers/fake-aws.js';
import { emrConfig, fastEngine, joinsLab, recorder, storeIn, tempProject } from './emr-project.js';

const BUCKET = 'emr-spark-labs-123456789012-eu-west-1';
let fake: FakeAws;
afterEach(() => {
  fake?.mock.restore();
  fake = undefined as unknown as FakeAws;
});

async function start(o: { fake?: FakeOptions; lab?: Lab; fleets?: boolean; signal?: AbortSignal; project?: ReturnType<typeof tempProject>; config?: Record<string, unknown> } = {}) {
  fake ??= new FakeAws(o.fake);
  const project = o.project ?? tempProject();
  const config = emrConfig(o.config);
  const engine = fastEngine(fake, project.root, project.home, config, { fleets: o.fleets });
  const rec = recorder();
  const run = await startLab({ lab: o.lab ?? joinsLab(), config, engine, store: storeIn(project.home), onEvent: rec.onEvent, signal: o.signal ?? new AbortController().signal });
  return { run, rec, project };
}

const ops = (from = 0) => fake.mock.calls().slice(from).map((c) => c.operation);
const count = (op: string, from = 0) => ops(from).filter((o) => o === op).length;
const resultOf = (plan: string) => ({ state: 'COMPLETED' as const, result: { plan } });

describe('labs start --target emr, on a fake EMR', () => {
  it('cold: makes a private bucket and a tagged, auto-terminating cluster, uploads, runs each step, checks result.json', async () => {
    fake = new FakeAws({ stepOutcome: () => resultOf('BroadcastHashJoin') });
    const { run, rec } = await start();
    expect(run.state).toBe('COMPLETED');
    expect(run.dir).toMatch(new RegExp(`^s3://${BUCKET}/ana/runs/day2-joins/`));
    expect(run.steps.map((s) => s.state)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(run.checks?.[0]).toMatchObject({ passed: true, actual: 'BroadcastHashJoin' });

    expect(ops().slice(0, 6)).toEqual(['GetCallerIdentity', 'GetBucketLocation', 'CreateBucket', 'PutPublicAccessBlock', 'PutBucketEncryption', 'PutBucketPolicy']);
    const [cluster] = fake.activeClusters();
    expect(fake.clusters.size).toBe(1);
    expect(cluster!.input.AutoTerminationPolicy).toEqual({ IdleTimeout: 3600 });
    expect(tagValue(cluster!.input.Tags, TAG.student)).toBe('ana');
    expect(cluster!.input.Instances?.InstanceGroups).toBeDefined();
    expect(cluster!.steps.map((s) => s.config.HadoopJarStep?.Args?.slice(0, 3))).toEqual([
      ['spark-submit', '--deploy-mode', 'cluster'],
      ['spark-submit', '--deploy-mode', 'cluster'],
    ]);
    expect([...fake.objects.keys()].filter((k) => k.includes('/artifacts/')).length).toBe(3); // the job, labkit.py, labkit_jobs.py
    expect(fake.objectText(BUCKET, 'ana/data/day2-joins/orders/part-0.csv')).toContain('id,amount');
    expect(rec.setup().join('\n')).toMatch(/creating an EMR cluster .*auto-terminates after 60 min idle/);
    expect(rec.events.filter((e) => e.type === 'step-start')).toHaveLength(2);
  });

  it('warm: reuses the live cluster of the same shape and re-sends nothing unchanged', async () => {
    fake = new FakeAws({ stepOutcome: () => resultOf('BroadcastHashJoin') });
    const project = tempProject();
    await start({ project });
    const before = fake.mock.calls().length;
    const { run } = await start({ project });
    expect(run.state).toBe('COMPLETED');
    expect(fake.clusters.size).toBe(1);
    expect(count('RunJobFlow', before)).toBe(0);
    expect(count('PutObject', before)).toBe(0);
    expect(count('CreateBucket', before)).toBe(0);
    expect(count('AddJobFlowSteps', before)).toBe(1);
    expect(count('GetResources', before)).toBe(1);
  });

  it('with --fleets: an instance-fleet cluster, Spot core with a fallback to on-demand', async () => {
    const { run } = await start({ fleets: true, fake: { stepOutcome: () => resultOf('BroadcastHashJoin') } });
    expect(run.state).toBe('COMPLETED');
    const [cluster] = fake.activeClusters();
    expect(cluster!.input.Instances?.InstanceGroups).toBeUndefined();
    expect(cluster!.input.Instances?.InstanceFleets?.[1]?.LaunchSpecifications?.SpotSpecification?.TimeoutAction).toBe('SWITCH_TO_ON_DEMAND');
  });

  it('a lost RunJobFlow response does not make a second cluster', async () => {
    fake = new FakeAws({ stepOutcome: () => resultOf('BroadcastHashJoin') });
    fake.loseRunJobFlowResponses = 1;
    const { run } = await start();
    expect(run.state).toBe('COMPLETED');
    expect(fake.clusters.size).toBe(1);
    expect(count('RunJobFlow')).toBe(1);
  });

  it('Ctrl-C while the cluster starts leaves it tagged; the next command finds it even before the tag index does', async () => {
    fake = new FakeAws({ startingPolls: 50, stepOutcome: () => resultOf('BroadcastHashJoin') });
    const project = tempProject();
    const ac = new AbortController();
    const waiting = start({ project, signal: ac.signal });
    while (fake.clusters.size === 0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await expect(waiting).rejects.toThrowError(InterruptedError);
    expect(fake.clusters.size).toBe(1);
    fake.taggingLags = true;
    await start({ project });
    expect(fake.clusters.size).toBe(1);
    expect(count('RunJobFlow')).toBe(1);
  });

  it('explains a failing step from its stderr.gz in LogUri, keeps the log for `labs logs`, and stops the lab there', async () => {
    const stderr = [
      '25/11/25 10:00:00 INFO SparkContext: Running Spark version 3.5.6-amzn-0',
      'Traceback (most recent call last):',
      '  File "/mnt/tmp/spark-1/day2_joins.py", line 42, in <module>',
      '    main()',
      '  File "/mnt/tmp/spark-1/day2_joins.py", line 30, in main',
      '    df = spark.read.parquet(args.data)',
      "pyspark.errors.exceptions.captured.AnalysisException: [PATH_NOT_FOUND] Path does not exist: s3://b/ana/data/day2-joins/orders.",
    ].join('\n');
    fake = new FakeAws({ stepOutcome: () => ({ state: 'FAILED', stderr }) });
    const { run } = await start();
    expect(run.state).toBe('FAILED');
    expect(run.steps.map((s) => s.state)).toEqual(['FAILED', 'CANCELLED']);
    const failed = run.steps[0]!;
    expect(failed.failure).toMatchObject({ cause: 'python-exception' });
    expect(failed.failure!.summary).toMatch(/PATH_NOT_FOUND/);
    expect(failed.failure!.frames.at(-1)).toMatch(/day2_joins.py:30 in main/);
    expect(existsSync(failed.logs!.stderr)).toBe(true);
    expect(readFileSync(failed.logs!.stderr, 'utf8')).toContain('Traceback');
    expect(count('AddJobFlowSteps')).toBe(1);
  });

  it("falls back to EMR's FailureDetails when the log has no recognisable error", async () => {
    fake = new FakeAws({ stepOutcome: () => ({ state: 'FAILED', stderr: 'nothing useful', failureDetails: { Reason: 'Unknown Error.', Message: 'Exit code 1' } }) });
    const { run } = await start();
    expect(run.steps[0]!.failure!.summary).toBe('Unknown Error.: Exit code 1');
  });

  it('a cluster that fails to bootstrap ends the command with its reason and a fix (exit 3)', async () => {
    const err = await start({ fake: { bootstrapFailure: { Code: 'VALIDATION_ERROR', Message: 'The instance profile EMR_EC2_DefaultRole does not exist.' } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toMatch(/TERMINATED_WITH_ERRORS: VALIDATION_ERROR: The instance profile/);
    expect((err as EnvironmentError).hint).toMatch(/create-default-roles/);
    expect((err as EnvironmentError).exitCode).toBe(3);
  });

  it('a subnet without capacity: the cluster ends with INSTANCE_FAILURE, explained with another subnet or fleets as the fix', async () => {
    const err = await start({ fake: { bootstrapFailure: { Code: 'INSTANCE_FAILURE', Message: 'Instance failed to provision: insufficient capacity in subnet-0abc' } } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toMatch(/INSTANCE_FAILURE: Instance failed to provision: insufficient capacity/);
    expect((err as EnvironmentError).hint).toMatch(/emr.subnetIds.*--fleets/);
    // it was made tagged and with auto-termination before it failed
    const [made] = [...fake.clusters.values()];
    expect(made!.input.AutoTerminationPolicy?.IdleTimeout).toBeGreaterThan(0);
    expect(tagValue(made!.input.Tags, TAG.student)).toBe('ana');
  });

  it('rides out throttling while waiting, and ends with a clear exit-3 error when a call stays throttled', async () => {
    fake = new FakeAws({ stepOutcome: () => resultOf('BroadcastHashJoin') });
    fake.throttle.set('DescribeStep', 3);
    fake.throttle.set('DescribeCluster', 0);
    const { run } = await start();
    expect(run.state).toBe('COMPLETED');

    fake.mock.restore();
    fake = new FakeAws();
    fake.throttle.set('ListClusters', 1);
    const err = await start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toMatch(/throttl/);
    expect(fake.clusters.size).toBe(0);
  });

  it('Ctrl-C during a step cancels it on the cluster', async () => {
    fake = new FakeAws({ stepPolls: 1000 });
    const ac = new AbortController();
    const running = start({ signal: ac.signal });
    while (!fake.activeClusters()[0]?.steps.length) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    const { run } = await running;
    expect(run.state).toBe('CANCELLED');
    expect(count('CancelSteps')).toBe(1);
    expect(fake.activeClusters()[0]!.steps[0]!.step.Status!.State).toBe('CANCELLED');
  });

  it('creates the student Glue database for a Glue-catalog lab and composes its cluster', async () => {
    const { run } = await start({ lab: joinsLab({ cluster: { catalog: 'glue' }, checks: [] }) });
    expect(run.state).toBe('COMPLETED');
    expect(fake.databases.has('labs_ana')).toBe(true);
    expect(fake.activeClusters()[0]!.input.Configurations?.[0]?.Classification).toBe('spark-hive-site');
  });

  it('`labs logs` reads a step log from LogUri later: the run record says where the step ran', async () => {
    fake = new FakeAws({ stepOutcome: () => resultOf('BroadcastHashJoin') });
    const { run } = await start();
    const step = run.steps[0]!;
    expect(step.emr).toMatchObject({ clusterId: expect.stringMatching(/^j-/), stepId: expect.stringMatching(/^s-/), logUri: `s3://${BUCKET}/ana/logs/` });
    fake.putObject(BUCKET, `ana/logs/${step.emr!.clusterId}/steps/${step.emr!.stepId}/stdout.gz`, gzipSync('rows: 42\n'));
    const ctx = await connect(emrConfig(), { clients: fake.clients });
    expect(await emrStepLog(ctx, step, 'stdout')).toBe('rows: 42\n');
    await expect(emrStepLog(ctx, step, 'stderr')).rejects.toThrowError(/not in s3:.* yet/);
  });
});

describe('labs cluster up', () => {
  it('makes the bucket its LogUri needs, then a tagged base cluster with auto-termination, and reuses it', async () => {
    const { clusterUp } = await import('../../src/app/emr/clusters.js');
    fake = new FakeAws();
    const config = emrConfig();
    const ctx = await connect(config, { clients: fake.clients });
    const wait = { maxWaitTime: 5, minDelay: 0.001, maxDelay: 0.002 };
    const first = await clusterUp(ctx, config, { fleets: true, now: new Date(), wait, onMessage: () => {} });
    expect(first).toMatchObject({ created: true, cluster: { state: 'WAITING', fleets: true } });
    expect(fake.buckets.has(BUCKET)).toBe(true);
    expect(fake.activeClusters()[0]!.input.AutoTerminationPolicy?.IdleTimeout).toBe(3600);
    const again = await clusterUp(ctx, config, { fleets: true, now: new Date(), wait, onMessage: () => {} });
    expect(again).toMatchObject({ created: false, cluster: { id: first.cluster.id } });
  });
});

describe('labs ui on an ended cluster', () => {
  it('makes one persistent Spark UI and reuses it; makes another only when EMR no longer has it', async () => {
    const { sparkUi } = await import('../../src/app/emr/clusters.js');
    const { persistentUiIdsFile } = await import('../../src/app/emr/persistent-ui-ids.js');
    const { run } = await start({ fake: { stepOutcome: () => resultOf('BroadcastHashJoin') } });
    const clusterId = run.steps[0]!.emr!.clusterId;
    fake.terminate(clusterId);
    const ctx = await connect(emrConfig(), { clients: fake.clients });
    const file = path.join(tempProject().home, 'persistent-ui.json');
    const ids = persistentUiIdsFile(file);

    const first = await sparkUi(ctx, emrConfig(), clusterId, ids);
    expect(first).toMatchObject({ clusterId, persistent: true, url: expect.stringMatching(/^https:/) });
    await sparkUi(ctx, emrConfig(), clusterId, ids);
    expect(count('CreatePersistentAppUI')).toBe(1);
    expect(count('DescribePersistentAppUI')).toBe(1);
    // the link is a credential: only the id is kept
    expect(readFileSync(file, 'utf8')).not.toMatch(/https|token/);

    fake.persistentUis.clear();
    await sparkUi(ctx, emrConfig(), clusterId, ids);
    expect(count('CreatePersistentAppUI')).toBe(2);
  });
});
