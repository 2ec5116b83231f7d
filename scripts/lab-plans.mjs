#!/usr/bin/env node
// Writes labs/day1-instance-fleets/data/plans/{groups,fleets}.json: the `Instances` of the RunJobFlow that
// `labs plan day1-instance-fleets --target emr [--fleets] --json` prints (nothing is sent). The lab's job compares
// them; test/unit/labs/instance-fleets-plans.test.ts fails when they differ from what `labs plan` prints now.
// Usage: node scripts/lab-plans.mjs [--check]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lab = 'day1-instance-fleets';
const dir = join(root, 'labs', lab, 'data', 'plans');

export function planInstances(fleets) {
  const argv = [join(root, 'bin', 'labs.js'), 'plan', lab, '--target', 'emr', '--json', ...(fleets ? ['--fleets'] : [])];
  const out = execFileSync(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return JSON.stringify(JSON.parse(out).runJobFlow.Instances, null, 2) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [name, fleets] of [['groups.json', false], ['fleets.json', true]]) {
    const text = planInstances(fleets);
    const file = join(dir, name);
    if (check) {
      let old = '';
      try { old = readFileSync(file, 'utf8'); } catch { /* missing */ }
      if (old !== text) { stale++; console.error(`${file}: differs from labs plan; run node scripts/lab-plans.mjs`); }
    } else {
      writeFileSync(file, text);
      console.log(`wrote ${file}`);
    }
  }
  process.exit(stale ? 1 : 0);
}
