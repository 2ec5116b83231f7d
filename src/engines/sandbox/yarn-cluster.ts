import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError, InputError, InterruptedError } from '../../core/errors.js';
import { requireJava } from '../local/java.js';
import { ensureMavenBuild, type MavenBuildOptions, type MavenProject } from '../maven-build.js';

/**
 * The sandbox's YARN and HDFS: builds sandbox/yarn (labs.sandbox.MiniCluster: Hadoop's MiniYARNCluster and
 * MiniDFSCluster in one JVM) and runs it. The command line, the files it writes in DIR and its control endpoint
 * are the contract in docs/sandbox.md ("YARN and HDFS"); the EMR look-alike (sandbox/server) may start it itself
 * from that command line.
 */

export const YARN_PROJECT = 'sandbox/yarn';
export const MAIN_CLASS = 'labs.sandbox.MiniCluster';

/**
 * One JVM holds a ResourceManager, the NodeManagers, a NameNode and a DataNode: measured at about 0.6 GB resident
 * under a Spark job, so 768 MB of heap leaves headroom without starving the containers (docs: memory budget).
 */
export const MINICLUSTER_HEAP_MB = 768;
/** Per node: an ApplicationMaster and an executor of Spark's default size (1 GB + 384 MB overhead) fit on one. */
export const DEFAULT_NODE_MEMORY_MB = 3072;
export const DEFAULT_NODE_VCORES = 2;
export const DEFAULT_NODES = 2;

/** Hadoop 3.3 reaches into these JDK internals (reflection, direct buffers); Java 17 closes them by default. */
const ADD_OPENS = ['java.lang', 'java.util', 'java.lang.reflect', 'java.io', 'java.net', 'java.nio', 'sun.nio.ch'];

export interface YarnClasspath {
  /** target/classes plus every runtime jar, ':'-separated, absolute */
  classpath: string;
  /** JVM flags: heap, IPv4 loopback, the --add-opens list */
  javaArgs: string[];
}

function yarnProject(projectRoot: string): MavenProject {
  const target = path.join(projectRoot, YARN_PROJECT, 'target');
  return {
    dir: YARN_PROJECT,
    outputs: [path.join(target, 'classes', 'labs', 'sandbox', 'MiniCluster.class'), path.join(target, 'classpath.txt')],
    what: "the sandbox's YARN launcher sources",
    needsMaven: `the sandbox builds its YARN launcher (${YARN_PROJECT}) with it`,
    firstDownload: 'hadoop-client-minicluster 3.3.4 and what it needs (about 100 MB, once; the Scala jobs share half of it)',
    rebuild: 'labs sandbox up',
    logName: 'sandbox-yarn-build.log',
    interrupted: "the sandbox's YARN build was interrupted",
    built: (seconds) => `sandbox YARN launcher built (${seconds} s)`,
  };
}

export function javaArgs(heapMb = MINICLUSTER_HEAP_MB): string[] {
  return [
    `-Xmx${heapMb}m`,
    // Serial GC: one JVM of many on a small machine; no parallel GC threads competing with the containers.
    '-XX:+UseSerialGC',
    // "localhost" must mean 127.0.0.1 for every service (never ::1 on one side and 127.0.0.1 on the other).
    '-Djava.net.preferIPv4Stack=true',
    ...ADD_OPENS.map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
  ];
}

/** Compile sandbox/yarn when its sources changed (Maven, `<cacheDir>/m2`, offline first); the classpath to run it. */
export async function ensureYarnClasspath(opts: MavenBuildOptions): Promise<YarnClasspath> {
  const project = yarnProject(opts.projectRoot);
  await ensureMavenBuild(project, opts);
  const target = path.join(opts.projectRoot, YARN_PROJECT, 'target');
  const jars = readFileSync(path.join(target, 'classpath.txt'), 'utf8').trim();
  return { classpath: [path.join(target, 'classes'), jars].filter(Boolean).join(path.delimiter), javaArgs: javaArgs() };
}

export interface NodeManagerInfo {
  index: number;
  /** host:port, as the ResourceManager names the node */
  nodeId: string;
  httpAddress: string;
}

/** DIR/ready.json: written (atomically) once every service is up, removed when the cluster stops. */
export interface ReadyJson {
  rmAddress: string;
  rmWebUrl: string;
  hdfsUri: string;
  namenodeWebUrl: string;
  controlUrl: string;
  pid: number;
  hadoopConfDir: string;
  nodeMemoryMb: number;
  nodeVcores: number;
  nodeManagers: NodeManagerInfo[];
  startSeconds: number;
}

/** One entry of RunJobFlow's Configurations. */
export interface EmrConfiguration {
  Classification: string;
  Properties?: Record<string, string>;
  Configurations?: EmrConfiguration[];
}

export interface StartYarnOptions extends MavenBuildOptions {
  /** where the cluster keeps its state, logs, hadoop-conf/ and ready.json */
  dir: string;
  nodes?: number;
  nodeMemoryMb?: number;
  nodeVcores?: number;
  configurations?: EmrConfiguration[];
  readyTimeoutMs?: number;
}

export interface YarnCluster {
  ready: ReadyJson;
  pid: number;
  /** resolves with the exit code once the JVM has ended (for whatever reason) */
  exited: Promise<number | null>;
  /** SIGTERM, wait for a clean stop (SIGKILL after 60 s), and kill any container process left behind */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// The cluster must not outlive the labs process even when it exits without reaching its finally blocks; were the
// process killed outright, the JVM would still see its stdin close and stop itself.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** MiB the machine can give right now (MemAvailable on Linux). */
export function availableMb(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Math.floor(Number(m[1]) / 1024);
  } catch {
    // not Linux: fall back to Node's figure
  }
  return Math.floor(os.freemem() / (1024 * 1024));
}

/**
 * What must be free to start: the JVM (heap plus ~512 MB of its own), and one node's worth of containers (an
 * ApplicationMaster and an executor). YARN hands out node memory as a promise, not as RAM; a job that uses all of
 * it on a machine without that much would be killed by the kernel rather than by YARN.
 */
export function memoryNeededMb(nodeMemoryMb: number): number {
  return MINICLUSTER_HEAP_MB + 512 + nodeMemoryMb;
}

/** Every process below `pid`, read from ps (containers run under bash scripts under the NodeManager's JVM). */
export function descendantPids(pid: number): number[] {
  const r = spawnSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  if (r.status !== 0) return [];
  const children = new Map<number, number[]>();
  for (const line of r.stdout.split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number);
    if (!p || pp === undefined) continue;
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Running, not merely a zombie waiting for its parent (or init) to reap it. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc: kill(0) is all we know
  }
}

function killAll(pids: number[]): void {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function lastLine(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.startsWith('error: ')).at(-1)?.replace(/^error: /, '');
  } catch {
    return undefined;
  }
}

/** A start that failed, told in one line by what failed.json says (the JVM's own classification). */
function startFailure(dir: string, code: number | null): EnvironmentError {
  const log = path.join(dir, 'minicluster.log');
  const failed = readJson<{ kind: string; message: string }>(path.join(dir, 'failed.json'));
  if (failed?.kind === 'port') {
    return new EnvironmentError(`a port the sandbox's YARN needs is taken: ${failed.message.split('\n')[0]}`, 'start it again (its ports are chosen at random on 127.0.0.1), or stop what holds that port');
  }
  if (failed?.kind === 'memory') {
    return new EnvironmentError(`the sandbox's YARN ran out of memory while starting: ${failed.message.split('\n')[0]}`, 'free some memory (close other programs) and start it again');
  }
  const why = failed?.message.split('\n')[0] ?? lastLine(path.join(dir, 'minicluster.err')) ?? `the JVM exited with code ${code}`;
  return new EnvironmentError(`the sandbox's YARN did not start: ${why}`, `see ${log}`);
}

/**
 * Start the MiniCluster JVM in `dir` and wait for its ready.json. The JVM gets a pipe as stdin: if this process
 * dies, the pipe closes and the cluster stops itself. An abort (Ctrl-C) during the start stops it and leaves no
 * process; a failed start says why in one line (EnvironmentError, exit 3).
 */
export async function startYarnCluster(opts: StartYarnOptions): Promise<YarnCluster> {
  const env = opts.env ?? process.env;
  const nodes = opts.nodes ?? DEFAULT_NODES;
  const nodeMemoryMb = opts.nodeMemoryMb ?? DEFAULT_NODE_MEMORY_MB;
  const nodeVcores = opts.nodeVcores ?? DEFAULT_NODE_VCORES;
  if (nodes < 2) throw new InputError(`the sandbox needs at least 2 NodeManagers, got ${nodes}`, 'ask for 2 or more nodes');
  if (nodeMemoryMb < 1024) throw new InputError(`node memory ${nodeMemoryMb} MB is too small for a Spark container`, 'give each node at least 1024 MB (2048+ to run an AM and an executor)');
  const java = requireJava(env);
  const free = availableMb();
  const need = memoryNeededMb(nodeMemoryMb);
  if (free < need) {
    throw new EnvironmentError(
      `not enough free memory for the sandbox's YARN: ${free} MB available, it needs ${need} MB (the cluster JVM and one node of ${nodeMemoryMb} MB)`,
      'close other programs, or give the nodes less memory (at least 2048 MB each)',
    );
  }
  const cp = await ensureYarnClasspath(opts);
  if (opts.signal.aborted) throw new InterruptedError("the sandbox's YARN start was interrupted", 'start it again');

  mkdirSync(opts.dir, { recursive: true });
  const args = [...cp.javaArgs, '-cp', cp.classpath, MAIN_CLASS, '--dir', opts.dir, '--nodes', String(nodes), '--node-memory-mb', String(nodeMemoryMb), '--node-vcores', String(nodeVcores)];
  if (opts.configurations) {
    const file = path.join(opts.dir, 'configurations.json');
    writeFileSync(file, JSON.stringify(opts.configurations, null, 2));
    args.push('--configurations', file);
  }
  const out = openSync(path.join(opts.dir, 'minicluster.out'), 'w');
  const err = openSync(path.join(opts.dir, 'minicluster.err'), 'w');
  const readyFile = path.join(opts.dir, 'ready.json');
  const child = spawn(java.java, args, {
    cwd: opts.dir,
    // Containers inherit these from the NodeManagers: Spark binds loopback, and finds this Java.
    env: { ...env, SPARK_LOCAL_IP: '127.0.0.1', JAVA_HOME: env.JAVA_HOME ?? path.dirname(path.dirname(realJava(java.java))) },
    stdio: ['pipe', out, err],
    // Its own process group: a terminal's Ctrl-C reaches labs, which stops the cluster in order.
    detached: true,
  });
  closeSync(out);
  closeSync(err);
  live.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      live.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      live.delete(child);
      resolve(null);
    });
  });
  let ended = false;
  void exited.then(() => {
    ended = true;
  });

  const stop = async () => {
    if (!child.pid) return;
    const below = descendantPids(child.pid);
    if (!ended) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
    }
    // The JVM kills its containers on the way out; one killed outright could not have.
    const left = below.filter(alive);
    killAll(left);
    const until = Date.now() + 5_000;
    while (left.some(alive) && Date.now() < until) await sleep(50);
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 180_000);
  try {
    for (;;) {
      if (opts.signal.aborted) throw new InterruptedError("the sandbox's YARN start was interrupted; nothing was left running", 'start it again');
      if (existsSync(readyFile)) {
        const ready = readJson<ReadyJson>(readyFile);
        if (ready) return { ready, pid: child.pid!, exited, stop };
      }
      if (ended) throw startFailure(opts.dir, await exited);
      if (Date.now() > deadline) {
        throw new EnvironmentError(`the sandbox's YARN was not up within ${Math.round((opts.readyTimeoutMs ?? 180_000) / 1000)} s`, `the machine may be overloaded; see ${path.join(opts.dir, 'minicluster.log')}`);
      }
      await sleep(200);
    }
  } catch (e) {
    await stop();
    throw e;
  }
}

function realJava(java: string): string {
  const r = spawnSync('sh', ['-c', `readlink -f "$(command -v "${java}")"`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : java;
}

/** The control endpoint's answers (GET /status). */
export interface ClusterStatus {
  rmState: string;
  liveNodeManagers: number;
  nodeManagers: (NodeManagerInfo & { service: string; rmState: string })[];
}

async function control(ready: ReadyJson, method: 'GET' | 'POST', route: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${ready.controlUrl}${route}`, { method, signal: AbortSignal.timeout(60_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function clusterStatus(ready: ReadyJson): Promise<ClusterStatus> {
  return (await control(ready, 'GET', '/status')).body as unknown as ClusterStatus;
}

/** Take a NodeManager away (its containers die with it); the RM marks the node SHUTDOWN. */
export async function stopNode(ready: ReadyJson, index: number): Promise<{ status: number; body: Record<string, unknown> }> {
  return control(ready, 'POST', `/nodes/${index}/stop`);
}

/** A stopped node replaced by a new NodeManager (a new nodeId, the same index), as EMR replenishes lost capacity. */
export async function replaceNode(ready: ReadyJson, index: number): Promise<{ status: number; body: Record<string, unknown> }> {
  return control(ready, 'POST', `/nodes/${index}/replace`);
}

/** Graceful decommission: no new containers there; running ones finish (or the timeout passes), then DECOMMISSIONED. */
export async function decommissionNode(ready: ReadyJson, index: number): Promise<{ status: number; body: Record<string, unknown> }> {
  return control(ready, 'POST', `/nodes/${index}/decommission`);
}
