import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AddJobFlowStepsCommand, DescribeClusterCommand, DescribeStepCommand, EMRClient, RunJobFlowCommand, TerminateJobFlowsCommand, type Configuration } from '@aws-sdk/client-emr';
import { GetTableCommand, GetTableVersionsCommand, GlueClient } from '@aws-sdk/client-glue';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir, projectRoot } from '../../src/app/paths.js';
import { requirementsFile } from '../../src/engines/local/local-engine.js';
import { requireJava } from '../../src/engines/local/java.js';
import { isReady, venvFor } from '../../src/engines/local/python-env.js';
import { ensureYarnClasspath, MAIN_CLASS } from '../../src/engines/sandbox/yarn-cluster.js';

/**
 * Glue on the sandbox, for real: the sandbox server (moto's AWS with its EMR made real) starts a cluster whose
 * Configurations enable Iceberg as on EMR (iceberg-defaults iceberg.enabled, a Glue catalog in spark-defaults), a
 * PySpark step runs on its YARN in cluster deploy mode and writes Iceberg tables through Iceberg's GlueCatalog and
 * S3FileIO, and the Glue API (GetTable, GetTableVersions) shows them: columns, location, metadata_location, one version
 * per commit. A second catalog comes from the step's own --conf only. The first run on a machine fetches the Iceberg
 * jars (112 MB) from Maven Central into the labs cache's Ivy directory at BOOTSTRAPPING; after that ~60 s.
 */
const venv = venvFor(cacheDir(), requirementsFile(projectRoot), process.env.LABS_PYTHON ?? 'python3');
const sparkHome = () => spawnSync(venv.python, ['-c', 'import pyspark, os; print(os.path.dirname(pyspark.__file__))'], { encoding: 'utf8' }).stdout.trim();
const javaHome = (java: string) => path.dirname(path.dirname(spawnSync('sh', ['-c', `readlink -f "$(command -v "${java}")"`], { encoding: 'utf8' }).stdout.trim()));

/** What a lab sends EMR for a Glue-backed Iceberg catalog: nothing about endpoints. */
const configurations: Configuration[] = [
  { Classification: 'iceberg-defaults', Properties: { 'iceberg.enabled': 'true' } },
  {
    Classification: 'spark-defaults',
    Properties: {
      'spark.sql.extensions': 'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions',
      'spark.sql.catalog.lake': 'org.apache.iceberg.spark.SparkCatalog',
      'spark.sql.catalog.lake.catalog-impl': 'org.apache.iceberg.aws.glue.GlueCatalog',
      'spark.sql.catalog.lake.io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
      'spark.sql.catalog.lake.warehouse': 's3://glue-lake/warehouse',
      // Iceberg's default (true) asks Glue to keep no archived versions; this lab wants the history.
      'spark.sql.catalog.lake.glue.skip-archive': 'false',
    },
  },
];

const JOB = `
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sandbox-glue-test").getOrCreate()
spark.sql("CREATE NAMESPACE IF NOT EXISTS lake.sales")
spark.sql("CREATE TABLE lake.sales.orders (id bigint, city string) USING iceberg")
spark.range(0, 100, numPartitions=2).selectExpr("id", "concat('city-', id % 3) AS city").writeTo("lake.sales.orders").append()
spark.sql("ALTER TABLE lake.sales.orders ADD COLUMN amount double")
spark.sql("INSERT INTO lake.sales.orders VALUES (100, 'city-0', 2.5)")
assert spark.table("lake.sales.orders").count() == 101
assert spark.table("lake.sales.orders").where("amount IS NOT NULL").count() == 1
# a catalog of the step's own (--conf), unknown to the cluster's Configurations
spark.sql("CREATE NAMESPACE IF NOT EXISTS adhoc.scratch")
spark.sql("CREATE TABLE adhoc.scratch.events USING iceberg AS SELECT id FROM lake.sales.orders WHERE id < 10")
spark.sql("INSERT INTO adhoc.scratch.events VALUES (1000)")
assert spark.table("adhoc.scratch.events").count() == 11
spark.stop()
`;

const until = async <T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
};

const processesOf = (dir: string) =>
  spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.includes(dir) && !l.includes('ps -eo'));

/** The step's stderr and the driver's (cluster mode: the ApplicationMaster container's), last lines, for a failure. */
function stepLogs(dir: string, clusterId: string, stepId: string): string {
  const out: string[] = [];
  const stderr = path.join(dir, 'clusters', clusterId, 'steps', stepId, 'stderr');
  if (existsSync(stderr)) out.push(...readFileSync(stderr, 'utf8').split('\n').slice(-25));
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === 'stderr' && /container_.*_000001/.test(p)) out.push(`--- ${p}`, ...readFileSync(p, 'utf8').split('\n').filter((l) => /Error|Exception|Caused by/.test(l)).slice(0, 15));
    }
  };
  const yarn = path.join(dir, 'clusters', clusterId, 'yarn');
  if (existsSync(yarn)) walk(yarn);
  return out.join('\n');
}

describe.runIf(isReady(venv))('Glue on the sandbox: Iceberg tables written by a step on YARN, read back through the Glue API', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labs-sandbox-glue-'));
  let server: ChildProcess | undefined;
  let emr: EMRClient;
  let glue: GlueClient;
  let s3: S3Client;
  let clusterId = '';
  const measured: Record<string, number> = {};

  beforeAll(async () => {
    const build = { projectRoot, cacheDir: cacheDir(), onProgress: () => {}, signal: new AbortController().signal };
    const java = requireJava();
    const cp = await ensureYarnClasspath(build); // a first Maven build is not part of the test's time
    const yarnCmd = [java.java, ...cp.javaArgs, '-cp', cp.classpath, MAIN_CLASS, '--nodes', '2', '--node-memory-mb', '3072', '--node-vcores', '2'];
    const started = Date.now();
    server = spawn(
      venv.python,
      ['-m', 'labs_sandbox', '--dir', dir, '--port', '0', '--yarn-cmd', JSON.stringify(yarnCmd), '--spark-submit', venv.sparkSubmit, '--spark-home', sparkHome(), '--ivy-dir', path.join(cacheDir(), 'ivy'), '--no-history', '--metrics-interval', '300'],
      {
        cwd: dir,
        env: { ...process.env, PYTHONPATH: path.join(projectRoot, 'sandbox', 'server'), JAVA_HOME: process.env.JAVA_HOME ?? javaHome(java.java) },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let serverErr = '';
    server.stderr!.on('data', (b: Buffer) => (serverErr = (serverErr + b.toString()).slice(-4000)));
    const info = await until('the sandbox server', async () => {
      if (server!.exitCode !== null) throw new Error(`the sandbox server exited: ${serverErr}`);
      return existsSync(path.join(dir, 'server.json')) ? (JSON.parse(readFileSync(path.join(dir, 'server.json'), 'utf8')) as { endpoint: string }) : undefined;
    }, 90_000);
    measured.serverSeconds = Math.round((Date.now() - started) / 100) / 10;
    const common = { endpoint: info.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    emr = new EMRClient(common);
    glue = new GlueClient(common);
    s3 = new S3Client({ ...common, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: 'glue-lake' }));
  }, 10 * 60_000);

  afterAll(async () => {
    const stopping = Date.now();
    if (clusterId) {
      await emr.send(new TerminateJobFlowsCommand({ JobFlowIds: [clusterId] })).catch(() => {});
      await until('termination', async () => ((await emr.send(new DescribeClusterCommand({ ClusterId: clusterId }))).Cluster?.Status?.State?.startsWith('TERMINATED') ? true : undefined), 90_000).catch(() => {});
    }
    if (server && server.exitCode === null) {
      const gone = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await gone;
    }
    measured.stopSeconds = Math.round((Date.now() - stopping) / 100) / 10;
    console.log(`sandbox-glue: ${JSON.stringify(measured)}`);
    const left = processesOf(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(left).toEqual([]);
  }, 150_000);

  it('runs the step: CREATE NAMESPACE, CREATE TABLE, append, ALTER TABLE ADD COLUMN, INSERT through Iceberg GlueCatalog', async () => {
    const started = Date.now();
    clusterId = (
      await emr.send(
        new RunJobFlowCommand({
          Name: 'sandbox-glue-test',
          ReleaseLabel: 'emr-7.13.0',
          Applications: [{ Name: 'Spark' }],
          Instances: { KeepJobFlowAliveWhenNoSteps: true, InstanceGroups: [{ InstanceRole: 'MASTER', InstanceType: 'm5.xlarge', InstanceCount: 1 }] },
          JobFlowRole: 'EMR_EC2_DefaultRole',
          ServiceRole: 'EMR_DefaultRole',
          AutoTerminationPolicy: { IdleTimeout: 600 },
          Configurations: configurations,
        }),
      )
    ).JobFlowId!;
    const job = path.join(dir, 'glue_job.py');
    writeFileSync(job, JOB);
    const args = [
      'spark-submit', '--deploy-mode', 'cluster', '--name', 'sandbox-glue-test',
      '--driver-memory', '512m', '--executor-memory', '512m', '--num-executors', '2', '--executor-cores', '1',
      '--conf', 'spark.sql.catalog.adhoc=org.apache.iceberg.spark.SparkCatalog',
      '--conf', 'spark.sql.catalog.adhoc.type=glue',
      '--conf', 'spark.sql.catalog.adhoc.warehouse=s3://glue-lake/adhoc',
      job,
    ];
    const stepId = (await emr.send(new AddJobFlowStepsCommand({ JobFlowId: clusterId, Steps: [{ Name: 'glue', ActionOnFailure: 'CONTINUE', HadoopJarStep: { Jar: 'command-runner.jar', Args: args } }] }))).StepIds![0]!;
    // A fresh machine fetches the Iceberg jars at BOOTSTRAPPING first: minutes, once.
    const state = await until('the step', async () => {
      const s = (await emr.send(new DescribeStepCommand({ ClusterId: clusterId, StepId: stepId }))).Step!.Status!.State!;
      const c = (await emr.send(new DescribeClusterCommand({ ClusterId: clusterId }))).Cluster!.Status!;
      if (c.State!.startsWith('TERMINAT')) throw new Error(`the cluster ended: ${JSON.stringify(c.StateChangeReason)}`);
      return ['COMPLETED', 'FAILED', 'CANCELLED'].includes(s) ? s : undefined;
    }, 8 * 60_000);
    measured.clusterAndStepSeconds = Math.round((Date.now() - started) / 100) / 10;
    expect(state, stepLogs(dir, clusterId, stepId)).toBe('COMPLETED');
    const conf = readFileSync(path.join(dir, 'clusters', clusterId, 'spark-conf', 'spark-defaults.conf'), 'utf8');
    expect(conf).toMatch(/^spark\.driver\.extraClassPath .*iceberg-spark-runtime-3\.5_2\.12-1\.10\.0\.jar/m);
    // what the lab sent is what runs: the sandbox adds no catalog setting, the endpoint comes from the node's env
    expect(conf).not.toMatch(/spark\.sql\.catalog\.lake\.(glue|s3)\.endpoint/);
  }, 9 * 60_000);

  it('shows the table in Glue: Iceberg type, columns after ALTER, location, a metadata_location that exists in S3', async () => {
    expect(clusterId).not.toBe('');
    const table = (await glue.send(new GetTableCommand({ DatabaseName: 'sales', Name: 'orders' }))).Table!;
    expect(table.Parameters).toMatchObject({ table_type: 'ICEBERG' });
    expect(table.StorageDescriptor!.Columns!.map((c) => [c.Name, c.Type])).toEqual([
      ['id', 'bigint'],
      ['city', 'string'],
      ['amount', 'double'],
    ]);
    expect(table.StorageDescriptor!.Location).toBe('s3://glue-lake/warehouse/sales.db/orders');
    const metadata = table.Parameters!.metadata_location!;
    expect(metadata).toMatch(/^s3:\/\/glue-lake\/warehouse\/sales\.db\/orders\/metadata\/00003-.*\.metadata\.json$/);
    expect(table.Parameters!.previous_metadata_location).toMatch(/\/00002-.*\.metadata\.json$/);
    const key = metadata.replace('s3://glue-lake/', '');
    expect((await s3.send(new HeadObjectCommand({ Bucket: 'glue-lake', Key: key }))).ContentLength).toBeGreaterThan(0);

    const adhoc = (await glue.send(new GetTableCommand({ DatabaseName: 'scratch', Name: 'events' }))).Table!;
    expect(adhoc.StorageDescriptor!.Location).toBe('s3://glue-lake/adhoc/scratch.db/events');
    expect(adhoc.Parameters).toMatchObject({ table_type: 'ICEBERG' });
  });

  it('keeps one Glue version per commit (glue.skip-archive false): create, append, alter, insert', async () => {
    const versions = (await glue.send(new GetTableVersionsCommand({ DatabaseName: 'sales', TableName: 'orders' }))).TableVersions!;
    const byId = [...versions].sort((a, b) => Number(a.VersionId) - Number(b.VersionId));
    expect(byId.map((v) => v.VersionId)).toEqual(['1', '2', '3', '4']);
    const locations = byId.map((v) => v.Table!.Parameters!.metadata_location!);
    expect(locations.map((l) => /\/(\d{5})-[^/]+\.metadata\.json$/.exec(l)?.[1])).toEqual(['00000', '00001', '00002', '00003']);
    expect(byId[1]!.Table!.StorageDescriptor!.Columns!.map((c) => c.Name)).toEqual(['id', 'city']);
    expect(byId[3]!.Table!.StorageDescriptor!.Columns!.map((c) => c.Name)).toEqual(['id', 'city', 'amount']);
    // The step's catalog keeps Iceberg's default, glue.skip-archive true: its INSERT moved the version on (Iceberg's
    // optimistic lock, VersionId) and Glue archived nothing.
    const events = (await glue.send(new GetTableCommand({ DatabaseName: 'scratch', Name: 'events' }))).Table!;
    expect(events.VersionId).toBe('2');
    const kept = (await glue.send(new GetTableVersionsCommand({ DatabaseName: 'scratch', TableName: 'events' }))).TableVersions!;
    expect(kept.map((v) => v.VersionId)).toEqual(['2']);
  });
});
