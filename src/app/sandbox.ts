import type { Config } from '../core/config.js';
import { EnvironmentError, InterruptedError } from '../core/errors.js';
import { probeSandbox, type SandboxStatus } from '../engines/sandbox/sandbox-home.js';
import { startSandbox, stopSandbox } from '../engines/sandbox/sandbox-launch.js';
import { sandboxDied } from '../engines/sandbox/sandbox-endpoint.js';
import { SANDBOX_TIMING } from '../engines/sandbox/sandbox-engine.js';
import { openAwsSession } from './aws-session.js';
import { clusterUp } from './emr/clusters.js';
import { cacheDir, labsHome, projectRoot } from './paths.js';

export interface SandboxDocument {
  state: 'up' | 'down' | 'dead';
  endpoint: string | null;
  clusterId: string | null;
  yarnUrl: string | null;
  historyUrl: string | null;
  pid: number | null;
  clusters: SandboxStatus['clusters'];
  /** dead: where its log is */
  log?: string;
}

export async function sandboxStatus(env: NodeJS.ProcessEnv = process.env): Promise<SandboxDocument> {
  const probe = await probeSandbox(labsHome(env));
  if (probe.state === 'up') {
    const s = probe.status;
    return { state: 'up', endpoint: probe.info.endpoint, clusterId: s.clusterId, yarnUrl: s.yarnUrl, historyUrl: s.historyUrl, pid: probe.info.pid, clusters: s.clusters };
  }
  const none = { endpoint: null, clusterId: null, yarnUrl: null, historyUrl: null, clusters: [] };
  if (probe.state === 'dead') return { ...none, state: 'dead', pid: probe.pid, log: probe.log };
  return { ...none, state: 'down', pid: null };
}

/**
 * `labs sandbox up`: the server (if it is not up), then the student's cluster on it, waited for until its YARN is
 * up (WAITING), as `labs cluster up` does on EMR. Ctrl-C while this command started the server stops it again.
 */
export async function sandboxUp(o: { config: Config; student?: string | undefined; env?: NodeJS.ProcessEnv; onProgress: (m: string) => void; signal: AbortSignal }): Promise<{ started: boolean; doc: SandboxDocument }> {
  const env = o.env ?? process.env;
  const home = labsHome(env);
  const before = await probeSandbox(home);
  let started = false;
  if (before.state !== 'up') {
    if (before.state === 'dead') o.onProgress(`the sandbox (pid ${before.pid}) had died; starting a new one`);
    const info = await startSandbox({ config: o.config, labsHome: home, cacheDir: cacheDir(env), projectRoot, env, onProgress: o.onProgress, signal: o.signal });
    started = true;
    o.onProgress(`sandbox endpoint: ${info.endpoint}`);
  }
  try {
    const session = await openAwsSession({ student: o.student, target: 'sandbox' });
    try {
      const t = SANDBOX_TIMING;
      await clusterUp(session.ctx, session.config, { fleets: false, now: new Date(), wait: { maxWaitTime: t.clusterMaxWaitSeconds, minDelay: t.clusterDelay.min, maxDelay: t.clusterDelay.max, abortSignal: o.signal }, startEstimate: t.clusterStartEstimate, onMessage: o.onProgress });
    } finally {
      session.close();
    }
  } catch (e) {
    if (started && (o.signal.aborted || e instanceof InterruptedError)) {
      await stopSandbox(home);
      throw new InterruptedError('stopped while the sandbox was starting; it was shut down again and nothing is left running');
    }
    const probe = await probeSandbox(home);
    if (probe.state === 'dead') throw sandboxDied(probe.pid, probe.log);
    throw e;
  }
  return { started, doc: await sandboxStatus(env) };
}

export async function sandboxDown(env: NodeJS.ProcessEnv = process.env): Promise<'stopped' | 'not running'> {
  return stopSandbox(labsHome(env));
}

/** `labs ui` on the sandbox: its History Server (finished and running apps) and ResourceManager; it must be up. */
export async function sandboxLinks(env: NodeJS.ProcessEnv = process.env): Promise<{ clusterId: string | null; historyUrl: string | null; yarnUrl: string | null }> {
  const doc = await sandboxStatus(env);
  if (doc.state === 'dead') throw sandboxDied(doc.pid!, doc.log!);
  if (doc.state === 'down') throw new EnvironmentError('the sandbox is not running', 'start it with `labs sandbox up`');
  return { clusterId: doc.clusterId, historyUrl: doc.historyUrl, yarnUrl: doc.yarnUrl };
}
