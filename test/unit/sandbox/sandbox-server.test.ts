import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  AddJobFlowStepsCommand,
  CancelStepsCommand,
  DescribeClusterCommand,
  DescribeStepCommand,
  EMRClient,
  GetAutoTerminationPolicyCommand,
  RunJobFlowCommand,
  TerminateJobFlowsCommand,
  type Configuration,
  type StepConfig,
} from '@aws-sdk/client-emr';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/cli.js';
import { projectPython } from '../../helpers/project-venv.js';

/**
 * The sandbox's EMR look-alike (sandbox/server) through the AWS SDK, with the YARN launcher and spark-submit replaced by
 * stand-ins that keep their contracts (test/sandbox/fixtures): the state machines, queue, cancel, logs and metrics
 * are the server's own. The real YARN and Spark are exercised by the sandbox suite (test/sandbox).
 */
const fixtures = path.join(repoRoot, 'test', 'sandbox', 'fixtures');
let server: ChildProcess;
let dir: string;
let emr: EMRClient;
let s3: S3Client;
let cloudwatch: CloudWatchClient;
let endpoint: string;

const until = async <T>(what: string, probe: () => Promise<T | undefined>, ms = 45_000): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

const state = async (clusterId: string) => (await emr.send(new DescribeClusterCommand({ ClusterId: clusterId }))).Cluster!.Status!;
const step = async (clusterId: string, stepId: string) => (await emr.send(new DescribeStepCommand({ ClusterId: clusterId, StepId: stepId }))).Step!;
const ended = (clusterId: string, stepId: string) => until(`step ${stepId}`, async () => {
  const s = await step(clusterId, stepId);
  return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(s.Status!.State!) ? s : undefined;
});
const submit = (args: string[], action: StepConfig['ActionOnFailure'] = 'CONTINUE', name = 'job'): StepConfig => ({ Name: name, ActionOnFailure: action, HadoopJarStep: { Jar: 'command-runner.jar', Args: ['spark-submit', '--deploy-mode', 'cluster', 's3://logs-bucket/job.py', ...args] } });

const defaultConfigurations: Configuration[] = [{ Classification: 'spark-defaults', Properties: { 'spark.sql.shuffle.partitions': '7' } }];

async function newCluster(o: { concurrency?: number; idle?: number; keepAlive?: boolean; configurations?: Configuration[] } = {}): Promise<string> {
  const out = await emr.send(
    new RunJobFlowCommand({
      Name: 'sandbox-test',
      ReleaseLabel: 'emr-7.13.0',
      LogUri: 's3://logs-bucket/logs/',
      Instances: { KeepJobFlowAliveWhenNoSteps: o.keepAlive ?? true, InstanceGroups: [{ InstanceRole: 'MASTER', InstanceType: 'm5.xlarge', InstanceCount: 1 }] },
      JobFlowRole: 'EMR_EC2_DefaultRole',
      ServiceRole: 'EMR_DefaultRole',
      StepConcurrencyLevel: o.concurrency ?? 1,
      AutoTerminationPolicy: { IdleTimeout: o.idle ?? 3600 },
      Configurations: o.configurations ?? defaultConfigurations,
    }),
  );
  return out.JobFlowId!;
}

async function terminate(clusterId: string): Promise<void> {
  await emr.send(new TerminateJobFlowsCommand({ JobFlowIds: [clusterId] }));
  await until('termination', async () => ((await state(clusterId)).State!.startsWith('TERMINATED') ? true : undefined));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sandbox-server-'));
  const python = projectPython();
  // The S3A jars as Ivy would have retrieved them (the fake spark-submit cannot fetch them; nothing here loads them).
  const ivy = path.join(dir, 'ivy');
  mkdirSync(path.join(ivy, 'jars'), { recursive: true });
  for (const jar of ['org.apache.hadoop_hadoop-aws-3.3.4.jar', 'com.amazonaws_aws-java-sdk-bundle-1.12.262.jar', 'org.wildfly.openssl_wildfly-openssl-1.0.7.Final.jar', 'org.apache.spark_spark-hadoop-cloud_2.12-3.5.5.jar']) writeFileSync(path.join(ivy, 'jars', jar), '');
  server = spawn(
    python,
    ['-m', 'labs_sandbox', '--dir', dir, '--port', '0', '--yarn-cmd', JSON.stringify([python, path.join(fixtures, 'fake-minicluster.py')]), '--spark-submit', path.join(fixtures, 'fake-spark-submit.py'), '--metrics-interval', '1', '--tick', '0.2', '--ivy-dir', ivy],
    { env: { ...process.env, PYTHONPATH: path.join(repoRoot, 'sandbox', 'server') }, stdio: 'ignore' },
  );
  // moto imports slowly on a busy machine: a minute before the server answers is not a failure.
  const info = await until('server.json', async () => (existsSync(path.join(dir, 'server.json')) ? (JSON.parse(readFileSync(path.join(dir, 'server.json'), 'utf8')) as { endpoint: string }) : undefined), 90_000);
  endpoint = info.endpoint;
  const common = { endpoint: info.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  emr = new EMRClient(common);
  s3 = new S3Client({ ...common, forcePathStyle: true });
  cloudwatch = new CloudWatchClient(common);
  await s3.send(new CreateBucketCommand({ Bucket: 'logs-bucket' }));
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const gone = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await gone;
  }
});

describe('the sandbox EMR', () => {
  it('takes a cluster STARTING -> BOOTSTRAPPING -> WAITING once its YARN is ready, keeps its auto-termination policy, and ends it with TerminateJobFlows', async () => {
    const id = await newCluster({ idle: 120, configurations: [...defaultConfigurations, { Classification: 'yarn-site', Properties: { 'fake.ready-delay-seconds': '5' } }] });
    expect(['STARTING', 'BOOTSTRAPPING']).toContain((await state(id)).State);
    await until('WAITING', async () => ((await state(id)).State === 'WAITING' ? true : undefined));
    expect(existsSync(path.join(dir, 'clusters', id, 'yarn', 'configurations.json'))).toBe(true);
    expect(readFileSync(path.join(dir, 'clusters', id, 'spark-conf', 'spark-defaults.conf'), 'utf8')).toMatch(/^spark.sql.shuffle.partitions 7$/m);
    expect((await emr.send(new GetAutoTerminationPolicyCommand({ ClusterId: id }))).AutoTerminationPolicy?.IdleTimeout).toBe(120);
    await terminate(id);
    expect((await state(id)).StateChangeReason).toMatchObject({ Code: 'USER_REQUEST' });
  });

  it('starts YARN again when a port it chose was taken before it bound it; past the retries the cluster ends with the reason, and the next cluster starts', async () => {
    const yarnSite = (starts: number): Configuration[] => [...defaultConfigurations, { Classification: 'yarn-site', Properties: { 'fake.port-taken-starts': String(starts) } }];
    const retried = await newCluster({ configurations: yarnSite(1) });
    await until('WAITING', async () => ((await state(retried)).State === 'WAITING' ? true : undefined));
    expect(readFileSync(path.join(dir, 'clusters', retried, 'yarn', 'starts'), 'utf8')).toBe('2');
    await terminate(retried);

    const refused = await newCluster({ configurations: yarnSite(9) });
    const ended = await until('TERMINATED_WITH_ERRORS', async () => { const st = await state(refused); return st.State === 'TERMINATED_WITH_ERRORS' ? st : undefined; });
    expect(ended.StateChangeReason).toMatchObject({ Code: 'BOOTSTRAP_FAILURE', Message: expect.stringContaining('Address already in use') });
    expect(readFileSync(path.join(dir, 'clusters', refused, 'yarn', 'starts'), 'utf8')).toBe('3');

    const next = await newCluster();
    await until('WAITING', async () => ((await state(next)).State === 'WAITING' ? true : undefined));
    await terminate(next);
  });

  it('a cluster ended to make room does not refuse the next one while its YARN stops; a new cluster starts once it has', async () => {
    const yarnSite = (p: Record<string, string>): Configuration[] => [...defaultConfigurations, { Classification: 'yarn-site', Properties: p }];
    const idle = await newCluster({ configurations: yarnSite({ 'fake.stop-delay-seconds': '8' }) });
    await until('WAITING', async () => ((await state(idle)).State === 'WAITING' ? true : undefined));
    const failing = await newCluster({ configurations: yarnSite({ 'fake.port-taken-starts': '9' }) });
    expect((await state(idle)).State).toBe('TERMINATING');
    await until('TERMINATED_WITH_ERRORS', async () => ((await state(failing)).State === 'TERMINATED_WITH_ERRORS' ? true : undefined));
    const next = await newCluster();
    await until('WAITING', async () => ((await state(next)).State === 'WAITING' ? true : undefined));
    expect((await state(idle)).State).toBe('TERMINATED');
    await terminate(next);
  });

  it('runs steps in order with spark-submit as given; a failed CANCEL_AND_WAIT step cancels the rest and has FailureDetails and gzipped logs at LogUri', async () => {
    const id = await newCluster();
    const [ok, bad, after] = (await emr.send(new AddJobFlowStepsCommand({ JobFlowId: id, Steps: [submit([], 'CANCEL_AND_WAIT'), submit(['--fail', 'boom'], 'CANCEL_AND_WAIT'), submit([], 'CANCEL_AND_WAIT')] }))).StepIds!;
    expect((await ended(id, ok!)).Status!.State).toBe('COMPLETED');
    const failed = await ended(id, bad!);
    expect(failed.Status!.State).toBe('FAILED');
    expect(failed.Status!.FailureDetails).toEqual({
      Reason: 'Unknown Error.',
      Message: 'Exception in thread "main" org.apache.spark.SparkException: boom',
      LogFile: `s3://logs-bucket/logs/${id}/steps/${bad}/stderr.gz`,
    });
    expect((await ended(id, after!)).Status!.State).toBe('CANCELLED');
    const log = await s3.send(new GetObjectCommand({ Bucket: 'logs-bucket', Key: `logs/${id}/steps/${bad}/stderr.gz` }));
    expect(gunzipSync(await log.Body!.transformToByteArray()).toString()).toContain('SparkException: boom');
    const argv = JSON.parse(readFileSync(path.join(dir, 'clusters', id, 'steps', ok!, 'argv.json'), 'utf8')) as { argv: string[]; HADOOP_CONF_DIR: string; SPARK_CONF_DIR: string; AWS_ENDPOINT_URL: string; AWS_REGION: string };
    expect(argv.argv).toEqual(['--deploy-mode', 'cluster', 's3://logs-bucket/job.py']);
    expect(argv.HADOOP_CONF_DIR).toBe(path.join(dir, 'clusters', id, 'yarn', 'hadoop-conf'));
    expect(argv.SPARK_CONF_DIR).toBe(path.join(dir, 'clusters', id, 'spark-conf'));
    // the node's AWS environment, pointing at this endpoint: an AWS SDK in a client-mode driver reaches the sandbox
    expect([argv.AWS_ENDPOINT_URL, argv.AWS_REGION]).toEqual([endpoint, 'us-east-1']);
    await terminate(id);
  });

  it('with ActionOnFailure CONTINUE the next step still runs', async () => {
    const id = await newCluster();
    const [bad, next] = (await emr.send(new AddJobFlowStepsCommand({ JobFlowId: id, Steps: [submit(['--fail', 'x']), submit([])] }))).StepIds!;
    expect((await ended(id, bad!)).Status!.State).toBe('FAILED');
    expect((await ended(id, next!)).Status!.State).toBe('COMPLETED');
    await terminate(id);
  });

  it('runs up to StepConcurrencyLevel steps at once and refuses CANCEL_AND_WAIT there, as EMR does', async () => {
    const id = await newCluster({ concurrency: 2 });
    await expect(emr.send(new AddJobFlowStepsCommand({ JobFlowId: id, Steps: [submit([], 'CANCEL_AND_WAIT')] }))).rejects.toThrow(/StepConcurrencyLevel greater than 1/);
    const ids = (await emr.send(new AddJobFlowStepsCommand({ JobFlowId: id, Steps: [submit(['--sleep', '3']), submit(['--sleep', '3']), submit(['--sleep', '3'])] }))).StepIds!;
    const states = await until('two running', async () => {
      const s = await Promise.all(ids.map(async (x) => (await step(id, x)).Status!.State));
      return s.filter((x) => x === 'RUNNING').length === 2 ? s : undefined;
    });
    expect(states).toEqual(['RUNNING', 'RUNNING', 'PENDING']);
    for (const x of ids) expect((await ended(id, x)).Status!.State).toBe('COMPLETED');
    await terminate(id);
  });

  it('CancelSteps kills the running step\'s YARN application through the ResourceManager and cancels a pending one', async () => {
    const id = await newCluster();
    const [slow, queued] = (await emr.send(new AddJobFlowStepsCommand({ JobFlowId: id, Steps: [submit(['--sleep', '60']), submit([])] }))).StepIds!;
    await until('running', async () => ((await step(id, slow!)).Status!.State === 'RUNNING' && existsSync(path.join(dir, 'clusters', id, 'steps', slow!, 'argv.json')) ? true : undefined));
    await new Promise((r) => setTimeout(r, 1000)); // the app id is read from spark-submit's stderr
    const out = await emr.send(new CancelStepsCommand({ ClusterId: id, StepIds: [slow!, queued!] }));
    expect(out.CancelStepsInfoList).toEqual([{ StepId: slow, Status: 'SUBMITTED' }, { StepId: queued, Status: 'SUBMITTED' }]);
    expect((await ended(id, slow!)).Status!.State).toBe('CANCELLED');
    expect((await step(id, queued!)).Status!.State).toBe('CANCELLED');
    const killed = JSON.parse(readFileSync(path.join(dir, 'clusters', id, 'yarn', 'killed-apps.json'), 'utf8')) as string[];
    expect(killed).toHaveLength(1);
    expect(killed[0]).toMatch(/^application_\d+_\d+$/);
    await terminate(id);
  });

  it('publishes AWS/ElasticMapReduce metrics of a live cluster into CloudWatch', async () => {
    const id = await newCluster();
    await until('WAITING', async () => ((await state(id)).State === 'WAITING' ? true : undefined));
    const metrics = await until('metrics', async () => {
      const m = (await cloudwatch.send(new ListMetricsCommand({ Namespace: 'AWS/ElasticMapReduce', Dimensions: [{ Name: 'JobFlowId', Value: id }] }))).Metrics ?? [];
      return m.length ? m : undefined;
    });
    expect(metrics.map((m) => m.MetricName)).toEqual(expect.arrayContaining(['IsIdle', 'AppsRunning', 'AppsPending', 'ContainerAllocated', 'ContainerPending', 'YARNMemoryAvailablePercentage', 'HDFSUtilization', 'CoreNodesRunning']));
    await terminate(id);
  });

  it('fails BOOTSTRAPPING, naming the jars, when a cluster enables Iceberg and its jars cannot be fetched', async () => {
    const id = await newCluster({ configurations: [{ Classification: 'iceberg-defaults', Properties: { 'iceberg.enabled': 'true' } }] });
    const s = await until('termination', async () => ((await state(id)).State!.startsWith('TERMINATED') ? state(id) : undefined));
    expect(s.State).toBe('TERMINATED_WITH_ERRORS');
    expect(s.StateChangeReason?.Code).toBe('BOOTSTRAP_FAILURE');
    expect(s.StateChangeReason?.Message).toMatch(/could not fetch the Iceberg 1\.10\.0 jars .*iceberg-spark-runtime-3\.5_2\.12-1\.10\.0\.jar/);
  });

  it('ends an idle cluster after its IdleTimeout and stops its YARN', async () => {
    const id = await newCluster({ idle: 60 });
    await until('WAITING', async () => ((await state(id)).State === 'WAITING' ? true : undefined));
    const s = await until('auto-termination', async () => ((await state(id)).State === 'TERMINATED' ? state(id) : undefined), 90_000);
    expect(s.StateChangeReason?.Code).toBe('ALL_STEPS_COMPLETED');
    expect(s.StateChangeReason?.Message).toMatch(/idle/);
  }, 120_000);
});
