// The EMR sandbox's costs, measured in one run through the built CLI: how long `labs sandbox up` takes (server,
// YARN/HDFS, the cluster WAITING), day2-joins on the sandbox against the same lab on local[*] run just before it, and
// the peak memory of every process the sandbox started (server, YARN/HDFS JVM, History Server, spark-submit clients,
// YARN containers), sampled from /proc while the lab runs, against the 8 GiB the sandbox must fit in.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'labs.js');
export const SANDBOX_BUDGET_MB = 8192;

function labs(args, env) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('exit', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000 }));
  });
}

function must(r, what) {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return r;
}

/** Resident memory of a process and all its descendants, in MB, from /proc (Linux). */
function treeRssMb(rootPid) {
  const parent = new Map();
  const rss = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(fields[1]));
      rss.set(Number(d), (Number(fields[21]) * 4096) / 1024 / 1024);
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid) => {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0) if (p === rootPid) return true;
    return false;
  };
  let total = 0;
  for (const [pid, mb] of rss) if (inTree(pid)) total += mb;
  return total;
}

export async function sandboxBench() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'labs-bench-sandbox-'));
  const env = { LABS_HOME: home, LABS_SANDBOX_PORT: '0' };
  try {
    const local = must(await labs(['start', 'day2-joins', '--target', 'local', '--json'], env), 'day2-joins on local');
    const up = must(await labs(['sandbox', 'up', '--json'], env), 'labs sandbox up');
    const { pid } = JSON.parse(up.stdout);
    let peakMb = treeRssMb(pid);
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, treeRssMb(pid))), 1000);
    let onSandbox;
    try {
      onSandbox = must(await labs(['start', 'day2-joins', '--target', 'sandbox', '--json'], env), 'day2-joins on the sandbox');
    } finally {
      clearInterval(sampler);
    }
    return { upSeconds: up.seconds, localSeconds: local.seconds, sandboxSeconds: onSandbox.seconds, peakMb };
  } finally {
    await labs(['sandbox', 'down', '--yes'], env);
    rmSync(home, { recursive: true, force: true });
  }
}
