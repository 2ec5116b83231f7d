import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AwsOptions } from '../../aws/clients.js';
import { EMULATOR_CREDENTIALS } from '../local/s3-emulator.js';
import { alive } from './yarn-cluster.js';

/** The sandbox's region: moto answers in any, the sandbox's clusters and metrics live in this one. */
export const SANDBOX_REGION = 'us-east-1';

/** Where a sandbox keeps its state (LABS_HOME/sandbox): server.json (pid, endpoint), logs, clusters' YARN dirs. */
export const sandboxDir = (labsHome: string) => path.join(labsHome, 'sandbox');

export interface ServerInfo {
  endpoint: string;
  port: number;
  pid: number;
}

/** What /_sandbox/status answers (and `labs sandbox status --json` prints, with `state`). */
export interface SandboxStatus {
  endpoint: string;
  pid: number;
  clusterId: string | null;
  yarnUrl: string | null;
  historyUrl: string | null;
  clusters: { clusterId: string; state: string; yarnUrl?: string | null; runningApps: string[] }[];
}

export type SandboxProbe = { state: 'down' } | { state: 'dead'; pid: number; log: string } | { state: 'up'; info: ServerInfo; status: SandboxStatus };

export function readServerInfo(labsHome: string): ServerInfo | undefined {
  const file = path.join(sandboxDir(labsHome), 'server.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ServerInfo;
  } catch {
    return undefined;
  }
}

export async function fetchStatus(endpoint: string, timeoutMs = 3000): Promise<SandboxStatus | undefined> {
  try {
    const res = await fetch(`${endpoint}/_sandbox/status`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? ((await res.json()) as SandboxStatus) : undefined;
  } catch {
    return undefined;
  }
}

/** Up (answering), dead (its state says it runs but the process is gone or mute), or down (never started / stopped). */
export async function probeSandbox(labsHome: string): Promise<SandboxProbe> {
  const info = readServerInfo(labsHome);
  if (!info) return { state: 'down' };
  const log = path.join(sandboxDir(labsHome), 'server.log');
  if (!alive(info.pid)) return { state: 'dead', pid: info.pid, log };
  const status = await fetchStatus(info.endpoint);
  return status ? { state: 'up', info, status } : { state: 'dead', pid: info.pid, log };
}

/** The AWS options that point every client at the sandbox: its endpoint, dummy credentials, its region. */
export function sandboxAws(endpoint: string, env: NodeJS.ProcessEnv): AwsOptions {
  return { region: SANDBOX_REGION, emulator: { endpoint, ...EMULATOR_CREDENTIALS }, env };
}
