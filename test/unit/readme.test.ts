import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');

describe('README Quick start', () => {
  const quickStart = readme.split('## Quick start')[1]!.split('\n## ')[0]!;
  const commands = [...quickStart.matchAll(/```sh\n([^`]+)```/g)].map((m) => m[1]!.trim());

  it('has exactly two commands: one runs day2-joins locally, one runs the tests', () => {
    expect(commands).toEqual(['npm ci && npx labs start day2-joins', 'npm ci && npm test']);
  });

  it('is what .ci/run runs, followed by the speed targets (npm run bench)', () => {
    const ciCommands = ci.split('\n').filter((l) => /^npm /.test(l)).map((l) => l.split(' ').slice(0, 2).join(' '));
    expect(ciCommands).toEqual([...commands[1]!.split(' && '), 'npm run']);
    expect(ci).toMatch(/\nnpm run bench\n?$/);
  });
});

/** Issue 12: every lab's README says what a student sees on each target, under one heading, one bullet per target. */
describe('lab READMEs: "On each target"', () => {
  const labsDir = new URL('../../labs/', import.meta.url);
  const labs = readdirSync(labsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

  it.each(labs)('%s has the section with a bullet for local, sandbox and emr', (id) => {
    const text = readFileSync(new URL(`${id}/README.md`, labsDir), 'utf8');
    const parts = text.split('\n## On each target\n');
    expect(parts.length, 'exactly one "## On each target" heading').toBe(2);
    const section = parts[1]!.split('\n## ')[0]!;
    for (const target of ['local', 'sandbox', 'emr']) expect(section, target).toMatch(new RegExp(`^- \\*\\*${target}\\*\\*`, 'im'));
  });
});
