import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './cli.js';

const requirements = path.join(repoRoot, 'test', 'requirements.txt');

/**
 * The Python of the test venv (botocore, moto), built on first use from test/requirements.txt and cached by its
 * content under LABS_CACHE_DIR (or ~/.cache), so later runs start at once. LABS_TEST_PYTHON points at one you have.
 */
export function testPython(): string {
  if (process.env.LABS_TEST_PYTHON) return process.env.LABS_TEST_PYTHON;
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 12);
  const base = process.env.LABS_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'emr-spark-labs');
  const dir = path.join(base, `test-venv-${hash}`);
  const python = path.join(dir, 'bin', 'python');
  const ready = path.join(dir, '.ready');
  if (existsSync(ready)) return python;
  mkdirSync(base, { recursive: true });
  const lock = `${dir}.lock`;
  try {
    mkdirSync(lock);
  } catch {
    // Another test file is building it: wait for it (pip can take minutes on a slow link).
    const until = Date.now() + 15 * 60_000;
    while (!existsSync(ready) && Date.now() < until) spawnSync('sleep', ['2']);
    if (existsSync(ready)) return python;
    throw new Error(`the test venv at ${dir} was not built in time (lock ${lock}); remove the lock and retry`);
  }
  try {
    rmSync(dir, { recursive: true, force: true });
    const run = (cmd: string, args: string[]) => {
      const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
    };
    run(process.env.LABS_PYTHON ?? 'python3', ['-m', 'venv', dir]);
    run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
    writeFileSync(ready, new Date().toISOString());
    return python;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
