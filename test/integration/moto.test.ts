import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClients, destroyClients, type AwsClients } from '../../src/aws/clients.js';
import { latestClusterMetrics } from '../../src/aws/cloudwatch.js';
import { addSteps, createClusterIdempotent, describeCluster, describeStep, findClustersByTags, listSteps, terminateClusters } from '../../src/aws/emr.js';
import { ensureDatabase } from '../../src/aws/glue.js';
import { ensureBucket, getObjectText, uploadIfChanged } from '../../src/aws/s3.js';
import { callerIdentity } from '../../src/aws/sts.js';
import { mergeConfig } from '../../src/core/config.js';
import { planCluster } from '../../src/core/emr/cluster-plan.js';
import { TAG, tagValue } from '../../src/core/emr/tags.js';
import { runLabs } from '../helpers/cli.js';
import { startMoto, type MotoServer } from '../helpers/moto-server.js';

/**
 * The aws/ modules against moto's server, with real SDK clients from aws/clients.ts pointed at it the way a user
 * would (AWS_ENDPOINT_URL). moto's EMR is partial: no fleets here, steps never finish, no CancelSteps.
 */
let moto: MotoServer;
let clients: AwsClients;
const saved = { ...process.env };

beforeAll(async () => {
  moto = await startMoto();
  Object.assign(process.env, moto.env);
  delete process.env.AWS_PROFILE;
  clients = createClients({ env: process.env });
}, 15 * 60_000);

afterAll(async () => {
  if (clients) destroyClients(clients);
  await moto?.stop();
  process.env = saved;
});

describe('aws/ against moto server', () => {
  it('STS: who we are', async () => {
    expect((await callerIdentity(clients.sts)).account).toBe('123456789012');
  });

  it('S3: a new bucket is private, encrypted and TLS-only (moto enforces the policy: plain HTTP is denied)', async () => {
    expect(await ensureBucket(clients.s3, 'labs-it', 'us-east-1')).toBe('created');
    expect(await ensureBucket(clients.s3, 'labs-it', 'us-east-1')).toBe('exists');
    const pab = await clients.s3.send(new GetPublicAccessBlockCommand({ Bucket: 'labs-it' }));
    expect(pab.PublicAccessBlockConfiguration).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: true });
    const enc = await clients.s3.send(new GetBucketEncryptionCommand({ Bucket: 'labs-it' }));
    expect(enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    expect((await clients.s3.send(new GetBucketPolicyCommand({ Bucket: 'labs-it' }))).Policy).toContain('aws:SecureTransport');
    await expect(getObjectText(clients.s3, 'labs-it', 'any')).rejects.toThrowError(/access denied/);
  });

  it('S3: uploads skip unchanged files (multipart for large ones); logs are gunzipped', async () => {
    // moto serves plain HTTP, which the TLS-only policy above denies: this bucket has no policy.
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'labs-it-plain' }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'moto-'));
    const small = path.join(dir, 'job.py');
    const big = path.join(dir, 'big.bin');
    writeFileSync(small, 'print(1)\n');
    writeFileSync(big, Buffer.alloc(6 * 1024 * 1024, 7));
    expect(await uploadIfChanged(clients.s3, { bucket: 'labs-it-plain', key: 'ana/job.py', file: small, sha256: 's1' })).toBe('uploaded');
    expect(await uploadIfChanged(clients.s3, { bucket: 'labs-it-plain', key: 'ana/big.bin', file: big, sha256: 'b1' })).toBe('uploaded');
    expect(await uploadIfChanged(clients.s3, { bucket: 'labs-it-plain', key: 'ana/big.bin', file: big, sha256: 'b1' })).toBe('unchanged');
    expect(await uploadIfChanged(clients.s3, { bucket: 'labs-it-plain', key: 'ana/big.bin', file: big, sha256: 'b2' })).toBe('uploaded');
    expect(await getObjectText(clients.s3, 'labs-it-plain', 'ana/job.py')).toBe('print(1)\n');
    await clients.s3.send(new PutObjectCommand({ Bucket: 'labs-it-plain', Key: 'logs/stderr.gz', Body: gzipSync('Traceback') }));
    expect(await getObjectText(clients.s3, 'labs-it-plain', 'logs/stderr.gz')).toBe('Traceback');
    expect(await getObjectText(clients.s3, 'labs-it-plain', 'missing')).toBeUndefined();
  });

  it('Glue: the student database is made once', async () => {
    expect(await ensureDatabase(clients.glue, 'labs_ana', 's3://labs-it/ana/warehouse/')).toBe('created');
    expect(await ensureDatabase(clients.glue, 'labs_ana', 's3://labs-it/ana/warehouse/')).toBe('exists');
  });

  it('CloudWatch: EMR metrics by JobFlowId in one GetMetricData call', async () => {
    const now = new Date();
    await clients.cloudwatch.send(
      new PutMetricDataCommand({ Namespace: 'AWS/ElasticMapReduce', MetricData: [{ MetricName: 'IsIdle', Dimensions: [{ Name: 'JobFlowId', Value: 'j-IT' }], Value: 1, Timestamp: new Date(now.getTime() - 60_000) }] }),
    );
    const m = await latestClusterMetrics(clients.cloudwatch, ['j-IT'], { now, metrics: ['IsIdle'] });
    expect(m['j-IT']?.IsIdle).toBe(1);
  });

  it('EMR (instance groups): a tagged cluster made idempotently, a step added, the cluster terminated', async () => {
    const config = mergeConfig([{ source: 'it', values: { target: 'emr', student: 'ana' } }]);
    const input = planCluster({ config, student: 'ana', fleets: false, idempotencyKey: 'it-key', now: new Date(), bucket: 'labs-it' });
    const { clusterId } = await createClusterIdempotent(clients.emr, input, { lookupDelaysMs: [0] });
    const again = await createClusterIdempotent(clients.emr, input, { lookupDelaysMs: [0] });
    expect(again).toEqual({ clusterId, reused: true });
    const cluster = await describeCluster(clients.emr, clusterId);
    expect(tagValue(cluster.Tags, TAG.student)).toBe('ana');
    expect((await findClustersByTags(clients.emr, { [TAG.idempotencyKey]: 'it-key' })).map((c) => c.Id)).toEqual([clusterId]);

    const step = (name: string) => ({ Name: `day2-joins:${name} r1`, ActionOnFailure: 'CANCEL_AND_WAIT' as const, HadoopJarStep: { Jar: 'command-runner.jar', Args: ['spark-submit', `${name}.py`] } });
    const [prepId, stepId] = await addSteps(clients.emr, clusterId, [step('prepare'), step('joins')]);
    expect((await describeStep(clients.emr, clusterId, prepId!)).Name).toBe('day2-joins:prepare r1');
    expect((await describeStep(clients.emr, clusterId, stepId!)).Name).toBe('day2-joins:joins r1');
    expect((await listSteps(clients.emr, clusterId, ['PENDING', 'RUNNING'])).map((s) => s.Id)).toContain(stepId!);

    await terminateClusters(clients.emr, [clusterId]);
    expect((await describeCluster(clients.emr, clusterId)).Status?.State).toMatch(/^TERMINAT/);
  });
});

describe('labs start --target emr --no-wait, through the built CLI against moto', () => {
  it('queues the lab and returns; labs status asks EMR about it; labs check says it is still running', async () => {
    // A bucket without the tool's TLS-only policy: moto serves plain HTTP, which that policy denies.
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'labs-queue' }));
    const env = { ...moto.env, AWS_PROFILE: '', LABS_HOME: mkdtempSync(path.join(os.tmpdir(), 'labs-home-')), LABS_BUCKET: 'labs-queue', LABS_STUDENT: 'ana' };
    const start = runLabs(['start', 'day2-joins', '--target', 'emr', '--no-wait'], env);
    expect(start.code, start.stderr).toBe(0);
    const queued = /QUEUED day2-joins: 1 step on (j-\w+) \((s-\w+)\)/.exec(start.stderr);
    expect(queued, start.stderr).not.toBeNull();
    // a bucket the user named that is not private: said, with the fix, and the run goes on
    expect(start.stderr).toMatch(/warning: s3:\/\/labs-queue does not block public access; its owner should run: aws s3api put-public-access-block/);

    // the dashboard follows the run's target (EMR), not the config's (local)
    const dash = runLabs(['dashboard', '--json'], env);
    expect(dash.code, dash.stderr).toBe(0);
    expect(JSON.parse(dash.stdout)).toMatchObject({ target: 'emr', clusters: [{ id: queued![1], student: 'ana' }] });

    const cluster = await describeCluster(clients.emr, queued![1]!);
    expect(tagValue(cluster.Tags, TAG.student)).toBe('ana');
    expect((await describeStep(clients.emr, queued![1]!, queued![2]!)).Name).toMatch(/^day2-joins:joins /);

    const status = JSON.parse(runLabs(['status', 'day2-joins', '--json'], env).stdout);
    expect(status.stale).toBeUndefined();
    expect(status.run).toMatchObject({ target: 'emr', state: 'RUNNING', steps: [{ name: 'joins', emr: { clusterId: queued![1], stepId: queued![2] } }] });
    // moto's steps never finish: the run stays queued, and its checks cannot run yet
    const check = runLabs(['check', 'day2-joins'], env);
    expect(check.code).toBe(2);
    expect(check.stderr).toMatch(/still running/);
  });
});


describe('exercises on EMR, through the built CLI against moto', () => {
  it("labs start --target emr uploads the student's file (content-addressed) instead of the lab's", async () => {
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'labs-exercise' }));
    const env = { ...moto.env, AWS_PROFILE: '', LABS_HOME: mkdtempSync(path.join(os.tmpdir(), 'labs-home-')), LABS_BUCKET: 'labs-exercise', LABS_STUDENT: 'eve' };
    const ws = mkdtempSync(path.join(os.tmpdir(), 'labs-ws-'));
    expect(runLabs(['exercise', 'day2-joins', '--dir', ws], env).code).toBe(0);
    const mine = readFileSync(path.join(ws, 'day2_joins.py'));
    const start = runLabs(['start', 'day2-joins', '--target', 'emr', '--no-wait'], env);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stderr).toContain(`exercise: running your files from ${ws}`);
    const sha = createHash('sha256').update(mine).digest('hex').slice(0, 12);
    const key = `eve/artifacts/${sha}/spark-jobs/python/day2_joins.py`;
    expect(await getObjectText(clients.s3, 'labs-exercise', key)).toBe(mine.toString('utf8'));
    const status = JSON.parse(runLabs(['status', 'day2-joins', '--json'], env).stdout);
    expect(status.run.exercise).toBe(ws);
    expect(status.run.steps[0].argv).toContain(`s3://labs-exercise/${key}`);
  });

  it('labs cohort grade --csv writes the grade sheet: passed / failed / not run, with the measured values', async () => {
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'labs-grades' }));
    const result = (broadcast: string, shuffles: number, ratio: number) => ({
      strategies: { broadcast: { join_node: broadcast, shuffles }, sort_merge: { join_node: 'SortMergeJoin' }, shuffle_hash: { join_node: 'ShuffledHashJoin' } },
      results_agree: true,
      ratios: { smj_over_broadcast: ratio },
      auto: { default_threshold: { join_node: 'BroadcastHashJoin' }, threshold_disabled: { join_node: 'SortMergeJoin' } },
    });
    // ana solved the exercise, bo ran it untouched; cy never ran it (their runs, as labs start --target emr leaves them)
    for (const [student, doc] of [['ana', result('BroadcastHashJoin', 1, 3.4)], ['bo', result('SortMergeJoin', 3, 1.09)]] as const) {
      await clients.s3.send(new PutObjectCommand({ Bucket: 'labs-grades', Key: `${student}/runs/day2-joins/20270101-100000-abcd/joins/result.json`, Body: JSON.stringify(doc) }));
    }
    const dir = mkdtempSync(path.join(os.tmpdir(), 'labs-grade-'));
    writeFileSync(path.join(dir, 'roster.csv'), 'student\nana\nbo\ncy\n');
    const sheet = path.join(dir, 'grades.csv');
    const env = { ...moto.env, AWS_PROFILE: '', LABS_HOME: mkdtempSync(path.join(os.tmpdir(), 'labs-home-')), LABS_BUCKET: 'labs-grades' };
    const r = runLabs(['cohort', 'grade', 'day2-joins', '--cohort', 'fall-27', '--roster', path.join(dir, 'roster.csv'), '--csv', sheet], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`grade sheet: ${sheet} (3 students)`);
    const rows = parse(readFileSync(sheet, 'utf8')) as string[][];
    expect(rows[0]!.slice(0, 5)).toEqual(['student', 'lab', 'result', 'checks passed', 'run']);
    const col = rows[0]!.indexOf('the broadcast join is at least 1.5x faster than the sort-merge join');
    expect(rows.slice(1).map((row) => [row[0], row[2], row[3], row[col]])).toEqual([
      ['ana', 'passed', '8/8', 'pass: 3.4'],
      ['bo', 'failed', '5/8', 'fail: 1.09'],
      ['cy', 'not run', '0/8', ''],
    ]);
    expect(runLabs(['cohort', 'status', '--cohort', 'fall-27', '--csv', sheet], env).code).toBe(2);
  });
});

/**
 * moto's tagging index never lists EMR clusters (the real one lags behind new clusters): every command that looks
 * clusters up by tag must still find the ones that exist, because ListClusters decides what is there.
 */
describe('look-ups by tag find live clusters the tagging index does not list (built CLI against moto)', () => {
  const envFor = (student: string) => ({ ...moto.env, AWS_PROFILE: '', LABS_HOME: mkdtempSync(path.join(os.tmpdir(), 'labs-home-')), LABS_BUCKET: 'labs-lookup', LABS_STUDENT: student });
  const state = async (id: string) => (await describeCluster(clients.emr, id)).Status?.State;

  beforeAll(async () => {
    await clients.s3.send(new CreateBucketCommand({ Bucket: 'labs-lookup' }));
  });

  it('cluster up, then cluster status finds it, cluster up again reuses it, cluster down --yes terminates it', async () => {
    const env = envFor('bea');
    const up = runLabs(['cluster', 'up', '--json'], env);
    expect(up.code, up.stderr).toBe(0);
    const made = JSON.parse(up.stdout) as { cluster: { id: string }; created: boolean };
    expect(made.created).toBe(true);
    const status = JSON.parse(runLabs(['cluster', 'status', '--json'], env).stdout) as { clusters: { id: string }[] };
    expect(status.clusters.map((c) => c.id)).toEqual([made.cluster.id]);
    const again = runLabs(['cluster', 'up'], env);
    expect(again.stderr).toMatch(new RegExp(`reusing cluster ${made.cluster.id}`));
    expect(again.stderr).not.toMatch(/creating an EMR cluster/);
    const down = runLabs(['cluster', 'down', '--yes'], env);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(new RegExp(`terminating ${made.cluster.id}`));
    expect(await state(made.cluster.id)).toMatch(/^TERMINAT/);
  });

  it('cohort up, cohort status, cohort up again (reused, said so), cohort down --yes terminates every live cluster', async () => {
    const env = envFor('instructor');
    const roster = path.join(mkdtempSync(path.join(os.tmpdir(), 'roster-')), 'class.csv');
    writeFileSync(roster, 'student\ncam\ndot\neve\n');
    const up = runLabs(['cohort', 'up', '--cohort', 'it-lookup', '--roster', roster, '--yes', '--json'], env);
    expect(up.code, up.stderr).toBe(0);
    const ids = (JSON.parse(up.stdout) as { students: { clusterId: string; detail: string }[] }).students.map((s) => s.clusterId);
    expect(ids).toHaveLength(3);
    const status = JSON.parse(runLabs(['cohort', 'status', '--cohort', 'it-lookup', '--json'], env).stdout) as { clusters: { id: string; student: string }[] };
    expect(status.clusters.map((c) => c.student)).toEqual(['cam', 'dot', 'eve']);
    const again = runLabs(['cohort', 'up', '--cohort', 'it-lookup', '--roster', roster, '--yes'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.split('\n').filter((l) => / reused j-/.test(l))).toHaveLength(3);
    expect(again.stderr).not.toMatch(/creating an EMR cluster/);
    const down = runLabs(['cohort', 'down', '--cohort', 'it-lookup', '--yes'], env);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/terminating 3 clusters of it-lookup/);
    for (const id of ids) expect(await state(id)).toMatch(/^TERMINAT/);
  });

  it('labs stop finds the running step on the student cluster (it does not say "nothing running")', async () => {
    const env = envFor('fin');
    const start = runLabs(['start', 'day2-joins', '--target', 'emr', '--no-wait'], env);
    expect(start.code, start.stderr).toBe(0);
    const [, clusterId, stepId] = /QUEUED day2-joins: 1 step on (j-\w+) \((s-\w+)\)/.exec(start.stderr)!;
    const stop = runLabs(['stop', 'day2-joins'], env);
    expect(stop.stdout).not.toMatch(/nothing running/);
    // moto has no CancelSteps: the step is found and the cancel is asked for; moto's answer is its own limit
    expect(`${stop.stdout}${stop.stderr}`).toMatch(new RegExp(`${stepId}|${clusterId}`));
  });
});
