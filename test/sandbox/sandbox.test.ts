import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DescribeStepCommand, EMRClient } from '@aws-sdk/client-emr';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labIds, loadLab } from '../../src/app/lab-catalog.js';
import { checkFailed, type CheckResult } from '../../src/core/lab/checks.js';
import type { RunRecord } from '../../src/core/run/run-record.js';
import { alive } from '../../src/engines/sandbox/yarn-cluster.js';
import { scopedCheckProblems } from '../helpers/check-targets.js';
import { runLabsAsync, spawnLabs, tempHome } from '../helpers/cli.js';
import { processesWith } from '../helpers/processes.js';
import { sandboxSuiteLabs } from '../helpers/sandbox-labs.js';
import { projectCopy } from '../helpers/project-copy.js';

/**
 * The sandbox suite: ONE sandbox (real YARN/HDFS minicluster, real spark-submit in cluster deploy mode) started by
 * `labs sandbox up` through the built CLI, one cluster reused by every lab, stopped by `labs sandbox down --yes`.
 *
 * Which labs run here besides day2-joins: test/helpers/sandbox-labs.ts (every lab with a sandbox-scoped check, and
 * one daily slice of the others: a third of them, so three consecutive days run every lab).
 */
const picked = sandboxSuiteLabs({ ids: labIds(), scoped: (id) => loadLab(id).checks.some((c) => c.targets?.includes('sandbox')), asked: process.env.LABS_SANDBOX_LABS, day: Math.floor(Date.now() / 86_400_000) });
const sandboxLabs = picked.labs;
console.log(`sandbox suite: ${picked.note}`);
const home = tempHome('labs-sandbox-suite-');
const env = { LABS_HOME: home, LABS_SANDBOX_PORT: '0', LABS_SANDBOX_IDLE_TIMEOUT: '60', LABS_SANDBOX_METRICS_SECONDS: '10' };
const project = projectCopy();
project.addFile('spark-jobs/python/sandbox_fails.py', 'from pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\nspark.read.parquet("s3://sandbox-no-such-bucket/none/").count()\n');
project.addFile('spark-jobs/python/sandbox_sleeps.py', 'import time\nfrom pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\ntime.sleep(900)\n');
const lab = (id: string, job: string) => `id: ${id}\nday: 3\ntitle: sandbox ${id}\nsummary: a sandbox test lab\ntopics: [x]\nminutes: 5\ncluster:\n  profile: small\nsteps:\n  - name: run\n    job: spark-jobs/python/${job}\n    args: []\n    timeoutMinutes: 20\nchecks: []\n`;
project.addFile('labs/day3-sandbox-fails/lab.yaml', lab('day3-sandbox-fails', 'sandbox_fails.py'));
project.addFile('labs/day3-sandbox-sleeps/lab.yaml', lab('day3-sandbox-sleeps', 'sandbox_sleeps.py'));

interface Doc { state: string; endpoint: string; clusterId: string | null; yarnUrl: string | null; historyUrl: string | null; pid: number | null }
let doc: Doc;
let emr: EMRClient;
let s3: S3Client;
const labs = (args: string[], bin?: string) => runLabsAsync(args, env, bin);
const status = async (): Promise<Doc> => JSON.parse((await labs(['sandbox', 'status', '--json'])).stdout) as Doc;

beforeAll(async () => {
  const up = await labs(['sandbox', 'up', '--json']);
  expect(up.code, up.stderr).toBe(0);
  // the sandbox's own estimate, not EMR's 7-10 minutes
  expect(up.stderr).toContain('clusters take under a minute here to start');
  doc = JSON.parse(up.stdout) as Doc;
  const common = { endpoint: doc.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  emr = new EMRClient(common);
  s3 = new S3Client({ ...common, forcePathStyle: true });
}, 15 * 60_000);

afterAll(async () => {
  const down = await labs(['sandbox', 'down', '--yes']);
  expect(down.code, down.stderr).toBe(0);
  // the server and its YARN/HDFS JVMs are gone (a zombie left for a non-reaping init to collect is not running)
  if (doc?.pid) expect(alive(doc.pid)).toBe(false);
  expect(processesWith(home)).toEqual([]);
}, 5 * 60_000);

describe('the EMR sandbox, through the built CLI', () => {
  it('labs sandbox status --json: endpoint, cluster, YARN and History Server on loopback', async () => {
    expect(doc).toMatchObject({ state: 'up', endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), clusterId: expect.stringMatching(/^j-/), yarnUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/), historyUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/) });
    const metrics = (await (await fetch(`${doc.yarnUrl}/ws/v1/cluster/metrics`)).json()) as { clusterMetrics: { activeNodes: number } };
    expect(metrics.clusterMetrics.activeNodes).toBeGreaterThanOrEqual(2);
  });

  it('day2-joins runs end to end on YARN: step COMPLETED per DescribeStep, logs at LogUri, result.json in S3, checks passed', async () => {
    const r = await labs(['start', 'day2-joins', '--target', 'sandbox', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as { state: string; steps: { state: string; out: string; emr: { clusterId: string; stepId: string; logUri: string } }[]; checks: CheckResult[] };
    expect(run.state).toBe('COMPLETED');
    expect(run.checks.length).toBeGreaterThan(0);
    expect(run.checks.filter(checkFailed)).toEqual([]);
    expect(scopedCheckProblems(loadLab('day2-joins').checks, run.checks, 'sandbox'), 'checks scoped to targets').toEqual([]);
    const { clusterId, stepId, logUri } = run.steps[0]!.emr;
    expect(clusterId).toBe(doc.clusterId);
    expect((await emr.send(new DescribeStepCommand({ ClusterId: clusterId, StepId: stepId }))).Step?.Status?.State).toBe('COMPLETED');
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(logUri)!;
    const logs = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}${clusterId}/steps/${stepId}/` }));
    expect((logs.Contents ?? []).map((o) => path.basename(o.Key!))).toEqual(expect.arrayContaining(['stderr.gz', 'stdout.gz']));
    const [, outBucket, outKey] = /^s3:\/\/([^/]+)\/(.*)$/.exec(run.steps[0]!.out)!;
    const result = await s3.send(new GetObjectCommand({ Bucket: outBucket, Key: `${outKey}/result.json` }));
    expect(JSON.parse(await result.Body!.transformToString())).toBeTypeOf('object');
  }, 30 * 60_000);

  it('a failing step is FAILED with a diagnosis from the logs the sandbox put at LogUri (exit 1)', async () => {
    const r = await labs(['start', 'day3-sandbox-fails', '--target', 'sandbox', '--json'], project.bin);
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout) as { steps: { state: string; failure?: { cause: string; summary: string }; emr: { clusterId: string; stepId: string; logUri: string } }[] };
    const step = run.steps[0]!;
    expect(step.state).toBe('FAILED');
    // The cause is the driver's (its container log at LogUri), not the client's "application finished with failed status".
    expect(step.failure?.cause).not.toBe('unknown');
    expect(step.failure?.summary).not.toMatch(/finished with failed status/);
    const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(step.emr.logUri)!;
    const log = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${step.emr.clusterId}/steps/${step.emr.stepId}/stderr.gz` }));
    expect(gunzipSync(await log.Body!.transformToByteArray()).toString()).toMatch(/finished with failed status/);
  }, 30 * 60_000);

  it('labs stop kills the running step\'s YARN application', async () => {
    const q = await labs(['start', 'day3-sandbox-sleeps', '--target', 'sandbox', '--no-wait'], project.bin);
    expect(q.code, q.stderr).toBe(0);
    const running = async () => ((await (await fetch(`${doc.yarnUrl}/ws/v1/cluster/apps?states=RUNNING`)).json()) as { apps: { app: { id: string }[] } | null }).apps?.app ?? [];
    let apps: { id: string }[] = [];
    for (let i = 0; i < 200 && !apps.length; i++) {
      apps = await running();
      if (!apps.length) await new Promise((r) => setTimeout(r, 3000));
    }
    expect(apps).toHaveLength(1);
    const stop = await labs(['stop', 'day3-sandbox-sleeps'], project.bin);
    expect(stop.code, stop.stderr).toBe(0);
    expect(stop.stdout).toMatch(/cancelling s-/);
    let state = '';
    for (let i = 0; i < 60 && state !== 'KILLED'; i++) {
      state = ((await (await fetch(`${doc.yarnUrl}/ws/v1/cluster/apps/${apps[0]!.id}`)).json()) as { app: { state: string } }).app.state;
      if (state !== 'KILLED') await new Promise((r) => setTimeout(r, 2000));
    }
    expect(state).toBe('KILLED');
  }, 30 * 60_000);

  it('labs dashboard --once --target sandbox shows the cluster\'s CloudWatch metrics from its live YARN', async () => {
    const r = await labs(['dashboard', '--once', '--target', 'sandbox', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout) as { clusters: { id: string; metrics: Record<string, number> }[] };
    const mine = d.clusters.find((c) => c.id === doc.clusterId);
    expect(mine?.metrics).toMatchObject({ YARNMemoryAvailablePercentage: expect.any(Number) });
  }, 5 * 60_000);

  it('an idle cluster auto-terminates after its IdleTimeout (60 s here) and its YARN stops', async () => {
    let clusterState = '';
    for (let i = 0; i < 60 && !clusterState.startsWith('TERMINATED'); i++) {
      const s = JSON.parse((await labs(['sandbox', 'status', '--json'])).stdout) as { clusters: { clusterId: string; state: string }[] };
      clusterState = s.clusters.find((c) => c.clusterId === doc.clusterId)?.state ?? '';
      if (!clusterState.startsWith('TERMINATED')) await new Promise((r) => setTimeout(r, 5000));
    }
    expect(clusterState).toBe('TERMINATED');
    await expect(fetch(`${doc.yarnUrl}/ws/v1/cluster/metrics`)).rejects.toThrow();
    expect((await status()).clusterId).toBeNull();
  }, 10 * 60_000);

  // Last: a lab with its own Configurations gets a cluster of its own (one at a time: the idle one is terminated),
  // so the tests above, which use the cluster `labs sandbox up` made, run before.
  it.each(sandboxLabs)('%s runs on the sandbox: every step completes, every check passes', async (id) => {
    const r = await labs(['start', id, '--target', 'sandbox', '--json']);
    let run: RunRecord;
    try {
      run = JSON.parse(r.stdout) as RunRecord;
    } catch {
      throw new Error(`labs start ${id} --target sandbox printed no JSON (exit ${r.code}):\n${r.stderr.slice(-3000)}`);
    }
    // an error document instead of a run record (the run could not start): show what it says
    if (!Array.isArray(run.steps)) throw new Error(`labs start ${id} --target sandbox did not run (exit ${r.code}): ${r.stdout.slice(0, 2000)}\n${r.stderr.slice(-3000)}`);
    const failedStep = run.steps.find((s) => s.state !== 'COMPLETED');
    expect(failedStep?.failure ?? failedStep?.state, `step ${failedStep?.name} did not complete`).toBeUndefined();
    const failing = (run.checks ?? []).filter(checkFailed).map((c) => `${c.name}: ${JSON.stringify(c.actual)} (expected ${c.expected})`);
    expect(failing, 'failing checks').toEqual([]);
    // a check scoped to sandbox (or with no targets) is evaluated here; one scoped elsewhere is n/a, never passed
    expect(scopedCheckProblems(loadLab(id).checks, run.checks ?? [], 'sandbox'), 'checks scoped to targets').toEqual([]);
    expect(run.target).toBe('sandbox');
    expect(r.code).toBe(0);
  }, 30 * 60_000);
});

describe('Ctrl-C during `labs sandbox up`', () => {
  // Its own LABS_HOME, so a second, short-lived server: interrupted while its cluster's YARN is starting, the command
  // stops what it started (server, YARN/HDFS JVMs), says so and exits 130.
  it('stops the server and its YARN it had started, says so, exits 130 and leaves no process behind', async () => {
    const h = tempHome('labs-sandbox-ctrlc-');
    const child = spawnLabs(['sandbox', 'up'], { LABS_HOME: h, LABS_SANDBOX_PORT: '0' });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const until = Date.now() + 120_000;
    while (!/cluster j-\w+: (STARTING|BOOTSTRAPPING)/.test(stderr) && Date.now() < until && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    expect(stderr, 'the cluster should be starting').toMatch(/cluster j-\w+: (STARTING|BOOTSTRAPPING)/);
    expect(processesWith(h).length, 'the server runs').toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toContain('it was shut down again and nothing is left running');
    expect(processesWith(h)).toEqual([]);
    expect(JSON.parse((await runLabsAsync(['sandbox', 'status', '--json'], { LABS_HOME: h })).stdout)).toMatchObject({ state: 'down' });
  }, 5 * 60_000);
});
