import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labSummaries } from '../../src/app/lab-index.js';
import { projectRoot } from '../../src/app/paths.js';
import { InputError } from '../../src/core/errors.js';
import { tempHome } from '../helpers/cli.js';

/** A project with two real labs (their job files too, which validation checks) and its own cache dir. */
function smallProject() {
  const root = tempHome('lab-index-');
  for (const id of ['day1-apis', 'day2-joins']) cpSync(path.join(projectRoot, 'labs', id), path.join(root, 'labs', id), { recursive: true });
  cpSync(path.join(projectRoot, 'spark-jobs'), path.join(root, 'spark-jobs'), { recursive: true });
  const env = { LABS_CACHE_DIR: tempHome('lab-cache-') };
  return { root, env, cache: path.join(env.LABS_CACHE_DIR, 'lab-index.json') };
}

describe('labs list reads a validated catalog, cached by the lab.yaml files', () => {
  it('validates on a miss and writes the cache; a hit reads only the cache', async () => {
    const p = smallProject();
    const first = await labSummaries(p.root, p.env);
    expect(first.map((l) => [l.id, l.day])).toEqual([['day1-apis', 1], ['day2-joins', 2]]);
    expect(first[1]).toMatchObject({ steps: expect.any(Number), checks: expect.any(Number), topics: expect.any(Array) });
    // prove a hit parses no lab.yaml: the cache's own text comes back
    const doc = JSON.parse(readFileSync(p.cache, 'utf8'));
    doc.labs[0].title = 'FROM THE CACHE';
    writeFileSync(p.cache, JSON.stringify(doc));
    expect((await labSummaries(p.root, p.env))[0]!.title).toBe('FROM THE CACHE');
  });

  it('any change to a lab.yaml (or a new lab) re-validates, and a broken lab fails as `labs show` would', async () => {
    const p = smallProject();
    await labSummaries(p.root, p.env);
    const file = path.join(p.root, 'labs', 'day2-joins', 'lab.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^day: 2$/m, 'day: 9'));
    await expect(labSummaries(p.root, p.env)).rejects.toThrow(InputError);
    mkdirSync(path.join(p.root, 'labs', 'day3-new'));
    writeFileSync(path.join(p.root, 'labs', 'day3-new', 'lab.yaml'), 'id: day3-new\n');
    await expect(labSummaries(p.root, p.env)).rejects.toThrow(/lab\.yaml/);
  });

  it('an unwritable or damaged cache only costs a full validation', async () => {
    const p = smallProject();
    mkdirSync(p.cache, { recursive: true }); // a directory where the file should be: cannot be written or read
    expect((await labSummaries(p.root, p.env)).length).toBe(2);
    const q = smallProject();
    writeFileSync(q.cache, '{not json');
    expect((await labSummaries(q.root, q.env)).length).toBe(2);
  });
});
