import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labsBin, repoRoot, tempHome } from '../helpers/cli.js';

function loadedModules(args: string[]): string[] {
  const file = path.join(tempHome('trace-'), 'modules.txt');
  const r = spawnSync(process.execPath, ['--import', path.join(repoRoot, 'test/helpers/trace-imports.mjs'), labsBin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, TRACE_IMPORTS_FILE: file, LABS_HOME: tempHome() },
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

describe('cold start stays light', () => {
  it.each([[['list']], [['list', '--json']], [['--help']], [['show', 'day2-joins']], [['dashboard', '--json']], [['status']], [['status', '--json']]])('labs %j loads neither the AWS SDK nor ink/React', (args) => {
    const modules = loadedModules(args);
    expect(modules.some((m) => m.includes('/dist/cli/main.js'))).toBe(true);
    expect(modules.filter((m) => /\/@aws-sdk\/|\/@smithy\/|\/node_modules\/ink\/|\/node_modules\/react\//.test(m))).toEqual([]);
  });
});
