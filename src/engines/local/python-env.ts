import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { EnvironmentError, InterruptedError } from '../../core/errors.js';

/** Python versions pyspark 3.5 supports; EMR 7.x runs 3.11, which we prefer. */
const SUPPORTED_PYTHON = /^3\.(9|10|11|12)\./;
const MARKER = '.labs-complete';

export interface PythonEnv {
  dir: string;
  python: string;
  sparkSubmit: string;
  /** what the marker records: requirement hash, python version */
  key: string;
}

export function pythonVersion(python: string): string | undefined {
  const r = spawnSync(python, ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3])'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The venv lives in the cache, named by what it was built from: a changed requirements file means a new venv. */
export function venvFor(cache: string, requirementsFile: string, python: string): PythonEnv {
  const version = pythonVersion(python);
  if (!version) {
    throw new EnvironmentError(`Python not found ("${python}")`, 'install Python 3.11 (e.g. apt install python3 python3-venv) or set LABS_PYTHON to its path');
  }
  if (!SUPPORTED_PYTHON.test(version)) {
    throw new EnvironmentError(`Python ${version} is not supported by PySpark 3.5`, 'install Python 3.11 (the version EMR 7 runs) and set LABS_PYTHON to it');
  }
  const key = createHash('sha256').update(readFileSync(requirementsFile)).update(version).digest('hex').slice(0, 12);
  const dir = path.join(cache, `venv-${key}`);
  return { dir, python: path.join(dir, 'bin', 'python'), sparkSubmit: path.join(dir, 'bin', 'spark-submit'), key: `${key} python ${version}` };
}

/** A venv counts as ready only once the marker written after a successful install is there. */
export function isReady(env: PythonEnv): boolean {
  const marker = path.join(env.dir, MARKER);
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === env.key && existsSync(env.sparkSubmit);
}

function run(cmd: string, args: string[], onLine: (line: string) => void, signal: AbortSignal): Promise<{ code: number | null; tail: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PIP_PROGRESS_BAR: 'off' } });
    const tail: string[] = [];
    const onData = (buf: Buffer) => {
      for (const line of buf.toString('utf8').split('\n')) {
        const t = line.trim();
        if (!t) continue;
        tail.push(t);
        if (tail.length > 40) tail.shift();
        onLine(t);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const abort = () => child.kill('SIGTERM');
    signal.addEventListener('abort', abort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      signal.removeEventListener('abort', abort);
      resolve({ code, tail });
    });
  });
}

/** Turn pip's chatter into short progress messages. */
function pipProgress(line: string): string | undefined {
  const collecting = /^Collecting (\S+)/.exec(line);
  if (collecting) return `downloading ${collecting[1]}`;
  if (/^Building wheel for (\S+)/.test(line)) return `building ${/^Building wheel for (\S+)/.exec(line)![1]} (takes a minute the first time)`;
  if (line.startsWith('Installing collected packages')) return 'installing packages';
  if (line.startsWith('Successfully installed')) return 'packages installed';
  return undefined;
}

/**
 * Create the venv and install the pinned requirements. On any failure or Ctrl-C the half-made venv is removed,
 * so the next run starts clean instead of finding something that looks complete.
 */
export async function ensurePythonEnv(
  env: PythonEnv,
  requirementsFile: string,
  basePython: string,
  onProgress: (message: string) => void,
  signal: AbortSignal,
): Promise<PythonEnv> {
  if (isReady(env)) return env;
  mkdirSync(path.dirname(env.dir), { recursive: true });
  // Two `labs` processes (two terminals, parallel tests) must not build the same venv at once: the second waits
  // for the first and then finds it ready.
  const lockOptions = { realpath: false, lockfilePath: `${env.dir}.lock` };
  if (await lockfile.check(env.dir, lockOptions)) onProgress('waiting for another labs process that is building the venv');
  const release = await lockfile.lock(env.dir, { ...lockOptions, retries: { retries: 900, minTimeout: 1000, maxTimeout: 1000 } });
  try {
    if (isReady(env)) return env;
    return await install(env, requirementsFile, basePython, onProgress, signal);
  } finally {
    await release();
  }
}

async function install(env: PythonEnv, requirementsFile: string, basePython: string, onProgress: (message: string) => void, signal: AbortSignal): Promise<PythonEnv> {
  rmSync(env.dir, { recursive: true, force: true });
  try {
    onProgress(`creating Python venv in ${env.dir}`);
    const venv = await run(basePython, ['-m', 'venv', env.dir], () => {}, signal);
    if (signal.aborted) throw new InterruptedError('setup interrupted; nothing half-installed was kept', 'run `labs setup local` again');
    if (venv.code !== 0) {
      throw new EnvironmentError(`could not create a Python venv: ${venv.tail.at(-1) ?? 'python -m venv failed'}`, 'install the venv module (e.g. apt install python3-venv)');
    }
    onProgress('installing pyspark 3.5.6 and lab dependencies (about 350 MB the first time)');
    const pip = await run(env.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-r', requirementsFile], (line) => {
      const msg = pipProgress(line);
      if (msg) onProgress(msg);
    }, signal);
    if (signal.aborted) throw new InterruptedError('setup interrupted; nothing half-installed was kept', 'run `labs setup local` again');
    if (pip.code !== 0) {
      const reason = pip.tail.filter((l) => /^ERROR:/.test(l)).at(-1) ?? pip.tail.at(-1) ?? 'pip failed';
      const conflict = pip.tail.some((l) => l.includes('ResolutionImpossible'));
      throw new EnvironmentError(
        `pip install failed: ${conflict ? (pip.tail.find((l) => /conflict|requires|depends on/.test(l)) ?? reason) : reason}`,
        conflict
          ? `the pins in ${path.relative(process.cwd(), requirementsFile)} conflict with each other: fix them (this is a bug in the project)`
          : 'check your network or proxy (pip needs to reach the Python package index), then run `labs setup local` again',
      );
    }
    writeFileSync(path.join(env.dir, MARKER), `${env.key}\n`);
    onProgress('Python venv ready');
    return env;
  } catch (e) {
    rmSync(env.dir, { recursive: true, force: true });
    throw e;
  }
}
