import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const labsBin = path.join(repoRoot, 'bin', 'labs.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tempHome(prefix = 'labs-home-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Run the built `labs` binary as a user would (no TTY), with its own LABS_HOME unless the env gives one. */
export function runLabs(args: string[], env: NodeJS.ProcessEnv = {}, bin = labsBin, cwd?: string): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    cwd,
    env: { ...process.env, NO_COLOR: '1', LABS_UI_PORT: '0', ...env },
    timeout: 20 * 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same without blocking the test worker: a lab runs for minutes, and a worker stuck in spawnSync that long
 * misses vitest's own RPC deadlines ("Timeout calling onTaskUpdate").
 */
export function runLabsAsync(args: string[], env: NodeJS.ProcessEnv = {}, bin = labsBin, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', LABS_UI_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The same, asynchronously, for tests that interact with the running process (Ctrl-C). */
export function spawnLabs(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawn(process.execPath, [labsBin, ...args], {
    env: { ...process.env, NO_COLOR: '1', LABS_UI_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
