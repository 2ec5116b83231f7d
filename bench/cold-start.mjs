// Cold start of the CLI against bare Node, measured in the same run: ratios, not absolute times, because this
// machine is shared and noisy. Each command is run interleaved with the baseline so load affects both alike.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin', 'labs.js');
const env = { ...process.env, LABS_HOME: mkdtempSync(path.join(os.tmpdir(), 'labs-bench-')), NO_COLOR: '1' };

function timeOnce(args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function coldStart(runs = 15) {
  const cases = { baseline: ['-e', '0'], 'labs list': [bin, 'list'], 'labs --help': [bin, '--help'] };
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const args of Object.values(cases)) timeOnce(args); // warm the file cache
  for (let i = 0; i < runs; i++) for (const [name, args] of Object.entries(cases)) samples[name].push(timeOnce(args));
  const base = median(samples.baseline);
  return Object.entries(samples).map(([name, xs]) => ({ name, medianMs: median(xs), ratio: median(xs) / base, runs: xs.length }));
}
