import { describe, expect, it } from 'vitest';
import { evaluateCheck, evaluateChecks, formatActual, readPath } from '../../../src/core/checks.js';
import type { Check, Lab } from '../../../src/core/lab-schema.js';

const result = { joins: { broadcast: { node: 'BroadcastHashJoin', seconds: 0.4 } }, ratio: 3.2, stages: [{ tasks: 8 }, { tasks: 4 }], nodes: ['A', 'B'] };
const check = (c: Partial<Check>): Check => ({ name: 'c', path: 'ratio', ...c }) as Check;

describe('readPath', () => {
  it('reads nested keys and array indexes', () => {
    expect(readPath(result, 'joins.broadcast.node')).toBe('BroadcastHashJoin');
    expect(readPath(result, 'stages[1].tasks')).toBe(4);
    expect(readPath(result, 'stages[5].tasks')).toBeUndefined();
    expect(readPath(undefined, 'a.b')).toBeUndefined();
  });
});

describe('evaluateCheck', () => {
  it('compares numbers', () => {
    expect(evaluateCheck(check({ gte: 2 }), 's', result)).toMatchObject({ passed: true, actual: 3.2, expected: '>= 2' });
    expect(evaluateCheck(check({ gte: 4 }), 's', result).passed).toBe(false);
    expect(evaluateCheck(check({ gt: 3, lt: 3.5 }), 's', result)).toMatchObject({ passed: true, expected: '> 3 and < 3.5' });
  });

  it('does not treat a missing value as passing a numeric bound', () => {
    expect(evaluateCheck(check({ path: 'nope', lte: 10 }), 's', result)).toMatchObject({ passed: false, actual: undefined });
  });

  it('matches strings, arrays and existence', () => {
    expect(evaluateCheck(check({ path: 'joins.broadcast.node', equals: 'BroadcastHashJoin' }), 's', result).passed).toBe(true);
    expect(evaluateCheck(check({ path: 'joins.broadcast.node', matches: '^Sort' }), 's', result).passed).toBe(false);
    expect(evaluateCheck(check({ path: 'nodes', contains: 'B' }), 's', result).passed).toBe(true);
    expect(evaluateCheck(check({ path: 'nodes', notContains: 'C' }), 's', result).passed).toBe(true);
    expect(evaluateCheck(check({ path: 'nope', exists: false }), 's', result).passed).toBe(true);
    expect(evaluateCheck(check({ path: 'nope', notContains: 'C' }), 's', result).passed).toBe(false);
  });
});

describe('evaluateChecks', () => {
  it('reads the named step, else the last, and fails checks of a step without a result', () => {
    const lab = { steps: [{ name: 'a' }, { name: 'b' }], checks: [check({ name: 'on a', step: 'a', gte: 1 }), check({ name: 'on b', gte: 1 })] } as unknown as Lab;
    const out = evaluateChecks(lab, new Map([['a', result]]));
    expect(out.map((r) => [r.step, r.passed])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });
});

describe('formatActual', () => {
  it('keeps measured values short', () => {
    expect(formatActual(3.14159)).toBe('3.142');
    expect(formatActual(2)).toBe('2');
    expect(formatActual(undefined)).toBe('missing');
  });
});
