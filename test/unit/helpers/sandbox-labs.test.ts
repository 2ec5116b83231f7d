import { describe, expect, it } from 'vitest';
import { labIds, loadLab } from '../../../src/app/lab-catalog.js';
import { SANDBOX_SLICES, sandboxSuiteLabs } from '../../helpers/sandbox-labs.js';

const ids = labIds();
const scoped = (id: string) => loadLab(id).checks.some((c) => c.targets?.includes('sandbox'));

describe('the labs the sandbox suite runs', () => {
  it('always every lab with a sandbox-scoped check, and over `slices` consecutive days every other lab exactly once', () => {
    const seen = new Map<string, number>();
    for (let day = 20_424; day < 20_424 + SANDBOX_SLICES; day++) {
      const { labs } = sandboxSuiteLabs({ ids, scoped, day });
      expect(labs.filter(scoped).sort()).toEqual(ids.filter(scoped).filter((id) => id !== 'day2-joins').sort());
      for (const id of labs.filter((l) => !scoped(l))) seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    const others = ids.filter((id) => !scoped(id) && id !== 'day2-joins');
    expect([...seen.keys()].sort()).toEqual(others.sort());
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(ids.filter(scoped).length).toBeGreaterThan(0);
  });

  it('LABS_SANDBOX_LABS: all, scoped, or a list; day2-joins is never listed (the suite runs it first)', () => {
    expect(sandboxSuiteLabs({ ids, scoped, asked: 'all', day: 0 }).labs).toEqual(ids.filter((id) => id !== 'day2-joins'));
    expect(sandboxSuiteLabs({ ids, scoped, asked: 'scoped', day: 0 }).labs.every(scoped)).toBe(true);
    expect(sandboxSuiteLabs({ ids, scoped, asked: 'day2-joins,day2-kryo', day: 0 }).labs).toEqual(['day2-kryo']);
  });
});
