import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../core/config.js';
import { EnvironmentError, InputError, InterruptedError } from '../../core/errors.js';
import { requireJava } from '../local/java.js';
import { isPortFree } from '../local/ports.js';
import { requirementsFile } from '../local/local-engine.js';
import { ensurePythonEnv, venvFor, type PythonEnv } from '../local/python-env.js';
import { withoutAwsSettings } from '../local/s3-emulator.js';
import { readServerInfo, sandboxDir, type ServerInfo } from './sandbox-home.js';
import { alive, availableMb } from './yarn-cluster.js';
import { yarnCommand } from './yarn-command.js';

/** The budget the issue sets: the whole sandbox (server, YARN/HDFS, containers, History Server) in 8 GiB. */
export const SANDBOX_BUDGET_MB = 8192;
/** The sandbox's own JVMs and Python next to the NodeManagers' container memory: minicluster ~1 GiB, SHS, server. */
const FIXED_MB = 1536;

export function sandboxMemoryMb(config: Config): number {
  return FIXED_MB + config.sandbox.nodes * config.sandbox.nodeMemoryMb;
}

export function checkMemory(config: Config, availableMb: number): void {
  const need = sandboxMemoryMb(config);
  if (need > SANDBOX_BUDGET_MB) {
    throw new InputError(`sandbox.nodes × sandbox.nodeMemoryMb need ${need} MB with the sandbox's own processes; the sandbox must fit in ${SANDBOX_BUDGET_MB} MB`, 'lower sandbox.nodeMemoryMb or sandbox.nodes (`labs config set sandbox.nodeMemoryMb 2048`)');
  }
  if (availableMb < need) {
    throw new EnvironmentError(`the sandbox needs about ${need} MB of free memory and this machine has ${availableMb} MB available`, 'close other programs (other Spark runs, browsers), or lower sandbox.nodeMemoryMb');
  }
}

function sparkHome(env: PythonEnv): string {
  const lib = path.join(env.dir, 'lib');
  const py = readdirSync(lib).find((d) => d.startsWith('python'));
  return path.join(lib, py ?? 'python3', 'site-packages', 'pyspark');
}

export interface StartOptions {
  config: Config;
  labsHome: string;
  cacheDir: string;
  projectRoot: string;
  env: NodeJS.ProcessEnv;
  onProgress: (message: string) => void;
  signal: AbortSignal;
  /** seconds between CloudWatch publications (EMR: 60 or 300); tests shorten it */
  metricsIntervalSeconds?: number;
}

/** The last lines of the server's log, for an error that says why it stopped. */
function logTail(file: string, lines = 3): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join(' | ');
}

/**
 * Start the sandbox server in the background (it outlives this command: `labs sandbox down` ends it), after the checks
 * that would otherwise fail half-way: Java, the venv, free memory, the port. Ctrl-C while it starts ends it again.
 */
export async function startSandbox(o: StartOptions): Promise<ServerInfo> {
  requireJava(o.env);
  checkMemory(o.config, availableMb());
  const port = o.config.sandbox.port;
  if (port !== 0 && !(await isPortFree(port))) {
    throw new EnvironmentError(`port ${port} for the sandbox's AWS endpoint is already in use`, 'stop what listens there, or run `labs config set sandbox.port 0` to use any free port');
  }
  const reqs = requirementsFile(o.projectRoot);
  const pyenv = await ensurePythonEnv(venvFor(o.cacheDir, reqs, o.config.local.python), reqs, o.config.local.python, o.onProgress, o.signal);
  const yarn = await yarnCommand({ config: o.config, projectRoot: o.projectRoot, cacheDir: o.cacheDir, env: o.env, onProgress: o.onProgress, signal: o.signal });

  const dir = sandboxDir(o.labsHome);
  mkdirSync(dir, { recursive: true });
  rmSync(path.join(dir, 'server.json'), { force: true });
  const logFile = path.join(dir, 'server.log');
  const fd = openSync(logFile, 'w');
  const home = sparkHome(pyenv);
  const args = [
    '-m', 'labs_sandbox',
    '--dir', dir,
    '--port', String(port),
    '--yarn-cmd', JSON.stringify(yarn),
    '--spark-submit', pyenv.sparkSubmit,
    '--spark-home', home,
    '--ivy-dir', path.join(o.cacheDir, 'ivy'),
    '--metrics-interval', String(o.metricsIntervalSeconds ?? Number(o.env.LABS_SANDBOX_METRICS_SECONDS ?? 60)),
  ];
  o.onProgress(`starting the sandbox (log: ${logFile})`);
  const child = spawn(pyenv.python, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...withoutAwsSettings(o.env), PYTHONPATH: path.join(o.projectRoot, 'sandbox', 'server'), JAVA_HOME: o.env.JAVA_HOME ?? '' },
  });
  closeSync(fd);
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, sig);
    } catch {
      // gone already
    }
  };
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (o.signal.aborted) throw new InterruptedError('stopped while the sandbox was starting; nothing was left running');
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new EnvironmentError(`the sandbox server exited while starting: ${logTail(logFile) || `code ${child.exitCode}`}`, `read ${logFile}; \`labs setup local\` rebuilds the venv`);
      }
      const info = readServerInfo(o.labsHome);
      if (info && info.pid === child.pid) {
        child.unref();
        return info;
      }
      if (Date.now() > deadline) throw new EnvironmentError('the sandbox server did not answer within 60 s', `read ${logFile}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (e) {
    killGroup('SIGTERM');
    await waitGone(child.pid ?? 0, 20_000);
    killGroup('SIGKILL');
    throw e;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
  return true;
}

/** SIGTERM: the server terminates its clusters (their YARN stops) and exits; SIGKILL its group if it does not. */
export async function stopSandbox(labsHome: string, graceMs = 120_000): Promise<'stopped' | 'not running'> {
  const info = readServerInfo(labsHome);
  if (!info || !alive(info.pid)) {
    rmSync(path.join(sandboxDir(labsHome), 'server.json'), { force: true });
    return 'not running';
  }
  process.kill(info.pid, 'SIGTERM');
  if (!(await waitGone(info.pid, graceMs))) {
    try {
      process.kill(-info.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  rmSync(path.join(sandboxDir(labsHome), 'server.json'), { force: true });
  return 'stopped';
}
