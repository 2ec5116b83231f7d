import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheDir, projectRoot } from '../../src/app/paths.js';
import { requirementsFile } from '../../src/engines/local/local-engine.js';
import { isReady, venvFor } from '../../src/engines/local/python-env.js';
import { alive, clusterStatus, decommissionNode, descendantPids, ensureYarnClasspath, replaceNode, startYarnCluster, stopNode, type EmrConfiguration, type YarnCluster } from '../../src/engines/sandbox/yarn-cluster.js';
import { processesWith } from '../helpers/processes.js';

/**
 * The sandbox's YARN and HDFS for real: build sandbox/yarn, start MiniYARNCluster + MiniDFSCluster, run a PySpark job
 * with the venv's spark-submit in cluster deploy mode against them (HADOOP_CONF_DIR = DIR/hadoop-conf), take a node
 * away, decommission another, stop, and find no process left. One start for the whole file: it is the slow part.
 * Prints what it measured (time to ready, peak RSS) as one `sandbox-yarn:` JSON line.
 */
const venv = venvFor(cacheDir(), requirementsFile(projectRoot), process.env.LABS_PYTHON ?? 'python3');
const sparkHome = () => spawnSync(venv.python, ['-c', 'import pyspark, os; print(os.path.dirname(pyspark.__file__))'], { encoding: 'utf8' }).stdout.trim();

// An EMR cluster's yarn-site for m5.xlarge core nodes (12 GiB for containers), as a lab would send it: the sandbox
// must scale it to its 3 GiB nodes, keep loopback addresses, and leave spark-defaults to the EMR side.
const configurations: EmrConfiguration[] = [
  {
    Classification: 'yarn-site',
    Properties: {
      'yarn.nodemanager.resource.memory-mb': '12288',
      'yarn.scheduler.maximum-allocation-mb': '12288',
      'yarn.scheduler.minimum-allocation-mb': '256',
      'yarn.resourcemanager.address': 'ip-10-0-0-1.ec2.internal:8032',
    },
  },
  { Classification: 'capacity-scheduler', Properties: { 'yarn.scheduler.capacity.root.default.user-limit-factor': '2' } },
  { Classification: 'hdfs-site', Properties: { 'dfs.replication': '3' } },
  { Classification: 'spark-defaults', Properties: { 'spark.executor.memory': '4g' } },
];

const JOB = `
import sys
from pyspark.sql import SparkSession
spark = SparkSession.builder.appName("sandbox-yarn-test").getOrCreate()
src, out = sys.argv[1], sys.argv[2]
spark.range(0, 10000, numPartitions=4).selectExpr("id", "id % 7 AS k").write.mode("overwrite").parquet(src)
counts = spark.read.parquet(src).groupBy("k").count()
counts.write.mode("overwrite").json(out)
assert spark.read.json(out).count() == 7
spark.stop()
`;

async function rm<T>(cluster: YarnCluster, route: string): Promise<T> {
  const res = await fetch(`${cluster.ready.rmWebUrl}${route}`, { headers: { Accept: 'application/json' } });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

interface RmNode {
  id: string;
  state: string;
  availMemoryMB: number;
  usedMemoryMB: number;
}
const nodes = async (cluster: YarnCluster, states = 'NEW,RUNNING,UNHEALTHY,DECOMMISSIONING,DECOMMISSIONED,LOST,REBOOTED,SHUTDOWN') =>
  (await rm<{ nodes: { node?: RmNode[] } | null }>(cluster, `/ws/v1/cluster/nodes?states=${states}`)).nodes?.node ?? [];

/** KiB resident now (VmRSS) and at peak (VmHWM) for one process, 0 once it is gone. */
function rssKb(pid: number): { now: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { now: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0), peak: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) };
  } catch {
    return { now: 0, peak: 0 };
  }
}


describe.runIf(isReady(venv))('sandbox YARN and HDFS (MiniYARNCluster + MiniDFSCluster)', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labs-sandbox-yarn-'));
  let cluster: YarnCluster;
  const measured: Record<string, number> = {};
  let appId = '';

  beforeAll(async () => {
    const build = { projectRoot, cacheDir: cacheDir(), onProgress: () => {}, signal: new AbortController().signal };
    await ensureYarnClasspath(build); // a first build (Maven) is not part of the time to ready
    const started = Date.now();
    cluster = await startYarnCluster({
      ...build,
      dir,
      nodes: 2,
      nodeMemoryMb: 3072,
      nodeVcores: 2,
      configurations,
    });
    measured.readySeconds = Math.round((Date.now() - started) / 100) / 10;
  }, 10 * 60_000);

  afterAll(async () => {
    await cluster?.stop();
    console.log(`sandbox-yarn: ${JSON.stringify(measured)}`);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('binds every listener of the cluster JVM to 127.0.0.1', () => {
    const ss = spawnSync('ss', ['-Hltnp'], { encoding: 'utf8' });
    const ours = ss.stdout.split('\n').filter((l) => l.includes(`pid=${cluster.pid},`));
    expect(ours.length).toBeGreaterThanOrEqual(10); // RM (5), 2 NM (3 each), NameNode (2), DataNode (3), control
    for (const line of ours) expect(line.split(/\s+/)[3]).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('applies the cluster Configurations, scaled to the sandbox nodes', async () => {
    const applied = JSON.parse(readFileSync(path.join(dir, 'applied-configuration.json'), 'utf8'));
    expect(applied.memoryScale).toBe(0.25);
    expect(applied.classifications['yarn-site']['yarn.scheduler.maximum-allocation-mb']).toMatchObject({ requested: '12288', applied: '3072' });
    expect(applied.classifications['yarn-site']['yarn.scheduler.minimum-allocation-mb']).toMatchObject({ requested: '256', applied: '64', how: 'scaled' });
    expect(applied.classifications['yarn-site']['yarn.resourcemanager.address']).toMatchObject({ how: 'sandbox-loopback' });
    expect(applied.classifications['hdfs-site']['dfs.replication']).toMatchObject({ requested: '3', applied: '1', how: 'capped' });
    expect(applied.ignored).toEqual(['spark-defaults']);
    const running = await nodes(cluster, 'RUNNING');
    expect(running.map((n) => n.availMemoryMB + n.usedMemoryMB)).toEqual([3072, 3072]);
    const scheduler = await rm<{ scheduler: { schedulerInfo: { type: string; queues: { queue: { queueName: string; userLimitFactor: number }[] } } } }>(cluster, '/ws/v1/cluster/scheduler');
    expect(scheduler.scheduler.schedulerInfo.type).toBe('capacityScheduler');
    expect(scheduler.scheduler.schedulerInfo.queues.queue.find((q) => q.queueName === 'default')?.userLimitFactor).toBe(2);
  });

  it('runs a PySpark job with --master yarn --deploy-mode cluster that writes and reads HDFS', async () => {
    const job = path.join(dir, 'job.py');
    writeFileSync(job, JOB);
    const home = sparkHome();
    const args = [
      '--master', 'yarn', '--deploy-mode', 'cluster', '--name', 'sandbox-yarn-test',
      '--driver-memory', '512m', '--executor-memory', '512m', '--num-executors', '2', '--executor-cores', '1',
      // The NodeManagers run on this machine: Spark's jars are used where they are instead of uploaded per job.
      '--conf', `spark.yarn.jars=local:${home}/jars/*`,
      '--conf', `spark.pyspark.python=${venv.python}`,
      job, 'hdfs:///labs-test/numbers', 'hdfs:///labs-test/counts',
    ];
    const submit = spawn(venv.sparkSubmit, args, {
      cwd: dir,
      env: { ...process.env, PYSPARK_PYTHON: venv.python, HADOOP_CONF_DIR: cluster.ready.hadoopConfDir, YARN_CONF_DIR: cluster.ready.hadoopConfDir, SPARK_LOCAL_IP: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    submit.stdout.on('data', (b: Buffer) => (log += b.toString()));
    submit.stderr.on('data', (b: Buffer) => (log += b.toString()));
    let containersPeakKb = 0;
    let containerPeakKb = 0;
    const sampler = setInterval(() => {
      const rss = descendantPids(cluster.pid).map((p) => rssKb(p).now);
      containersPeakKb = Math.max(containersPeakKb, rss.reduce((a, b) => a + b, 0));
      containerPeakKb = Math.max(containerPeakKb, ...rss, 0);
    }, 500);
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => submit.on('close', resolve));
    clearInterval(sampler);
    measured.jobSeconds = Math.round((Date.now() - started) / 100) / 10;
    measured.containersPeakRssMb = Math.round(containersPeakKb / 1024);
    measured.largestContainerPeakRssMb = Math.round(containerPeakKb / 1024);
    measured.clusterJvmPeakRssMb = Math.round(rssKb(cluster.pid).peak / 1024);
    expect(code, log.split('\n').slice(-30).join('\n')).toBe(0);

    const apps = await rm<{ apps: { app?: { id: string; name: string; state: string; finalStatus: string; amHostHttpAddress: string }[] } }>(cluster, '/ws/v1/cluster/apps');
    const app = apps.apps.app?.find((a) => a.name === 'sandbox-yarn-test');
    expect(app).toMatchObject({ state: 'FINISHED', finalStatus: 'SUCCEEDED' });
    appId = app!.id;
    expect((await nodes(cluster, 'RUNNING')).map((n) => n.state)).toEqual(['RUNNING', 'RUNNING']);
    // The job's output is in HDFS, seen from outside Spark (WebHDFS on the NameNode).
    const listing = await fetch(`${cluster.ready.namenodeWebUrl}/webhdfs/v1/labs-test/counts?op=LISTSTATUS`);
    const names = ((await listing.json()) as { FileStatuses: { FileStatus: { pathSuffix: string }[] } }).FileStatuses.FileStatus.map((f) => f.pathSuffix);
    expect(names).toContain('_SUCCESS');
  }, 8 * 60_000);

  it('takes a NodeManager away: the ResourceManager sees the node LOST', async () => {
    expect(appId).not.toBe('');
    const lost = cluster.ready.nodeManagers[1]!;
    const res = await stopNode(cluster.ready, 1);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ nodeId: lost.nodeId, stopped: true, rmState: 'LOST' });
    expect((await nodes(cluster, 'LOST')).map((n) => n.id)).toEqual([lost.nodeId]);
    expect((await nodes(cluster, 'RUNNING')).map((n) => n.id)).toEqual([cluster.ready.nodeManagers[0]!.nodeId]);
    const status = await clusterStatus(cluster.ready);
    expect(status.liveNodeManagers).toBe(1);
    expect((await stopNode(cluster.ready, 1)).status).toBe(409);
    expect((await stopNode(cluster.ready, 7)).status).toBe(404);
  });

  it('replaces a stopped NodeManager: a new node registers RUNNING at the same index', async () => {
    const old = cluster.ready.nodeManagers[1]!;
    expect((await replaceNode(cluster.ready, 0)).status).toBe(409); // node 0 runs: nothing to replace
    const res = await replaceNode(cluster.ready, 1);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ index: 1, replaced: old.nodeId, rmState: 'RUNNING' });
    expect(res.body.nodeId).not.toBe(old.nodeId);
    expect((await nodes(cluster, 'RUNNING')).map((n) => n.id).sort()).toEqual([cluster.ready.nodeManagers[0]!.nodeId, res.body.nodeId].sort());
    expect((await clusterStatus(cluster.ready)).liveNodeManagers).toBe(2);
  });

  it('decommissions a NodeManager gracefully: DECOMMISSIONING, then DECOMMISSIONED once it runs nothing', async () => {
    const node = cluster.ready.nodeManagers[0]!;
    const res = await decommissionNode(cluster.ready, 0);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ nodeId: node.nodeId, rmState: expect.stringMatching(/^DECOMMISSION(ING|ED)$/) });
    const until = Date.now() + 60_000;
    let state = '';
    while (Date.now() < until && state !== 'DECOMMISSIONED') {
      state = (await nodes(cluster)).find((n) => n.id === node.nodeId)?.state ?? '';
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(state).toBe('DECOMMISSIONED');
  }, 90_000);

  it('stops on request, removes ready.json and leaves no process behind', async () => {
    const pid = cluster.pid;
    await cluster.stop();
    expect(await cluster.exited).toBe(0);
    expect(alive(pid)).toBe(false);
    expect(processesWith(dir)).toEqual([]);
    expect(() => readFileSync(path.join(dir, 'ready.json'))).toThrow();
  }, 120_000);
});
