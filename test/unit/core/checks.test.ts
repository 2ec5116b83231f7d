import { describe, expect, it } from 'vitest';
import { evaluateCheck, evaluateChecks, formatActual, parseAnswers, PENDING_ANSWER, readPath } from '../../../src/core/lab/checks.js';
import { InputError } from '../../../src/core/errors.js';
import { CheckSchema, type Check, type Lab } from '../../../src/core/lab/lab-schema.js';

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
    const out = evaluateChecks(lab, new Map([['a', result]]), { target: 'local' });
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

describe('answer checks', () => {
  const lab = {
    id: 'day3-x',
    steps: [{ name: 'run' }],
    checks: [
      { name: 'skewed key', path: 'answers.key', answer: 'key' },
      { name: 'straggler stage', path: 'answers.stages', answer: 'stage' },
      { name: 'a measurement', path: 'answers.ratio', gte: 2 },
    ],
  } as unknown as Lab;
  const results = new Map([['run', { answers: { key: 'Hot-7', stages: [3, 4], ratio: 5 } }]]);

  it('are pending, not failed, without answers (labs start)', () => {
    const out = evaluateChecks(lab, results, { target: 'local' });
    expect(out.map((r) => [r.passed, r.pending ?? false])).toEqual([
      [true, true],
      [true, true],
      [true, false],
    ]);
    expect(out[0]!.actual).toBe(PENDING_ANSWER);
  });

  it('compare the answer with the value at path: trimmed, case-insensitive, any array element', () => {
    const out = evaluateChecks(lab, results, { target: 'local', answers: parseAnswers(' KEY = hot-7 ,stage=4', lab) });
    expect(out.map((r) => r.passed)).toEqual([true, true, true]);
    expect(out[0]).toMatchObject({ actual: 'hot-7', expected: 'the correct key' });
    expect(out[0]!.pending).toBeUndefined();
    const wrong = evaluateChecks(lab, results, { target: 'local', answers: new Map([['key', 'hot-8'], ['stage', '5']]) });
    expect(wrong.map((r) => r.passed)).toEqual([false, false, true]);
  });

  it('never reveal the known value', () => {
    const [r] = evaluateChecks(lab, results, { target: 'local', answers: new Map([['key', 'nope']]) });
    expect(JSON.stringify(r)).not.toContain('Hot-7');
  });

  it('fail with "no answer" and a hint when answers were given but not this one', () => {
    const out = evaluateChecks(lab, results, { target: 'local', answers: new Map([['key', 'hot-7']]) });
    expect(out[1]).toMatchObject({ passed: false, actual: 'no answer' });
    expect(out[1]!.explain).toContain('labs check day3-x --answer stage=');
  });

  it('fail when the run produced no value to grade against', () => {
    expect(evaluateChecks(lab, new Map(), { target: 'local', answers: new Map([['key', 'x'], ['stage', '3']]) }).map((r) => r.passed)).toEqual([false, false, false]);
  });
});

describe('parseAnswers', () => {
  const lab = { id: 'day3-x', checks: [{ name: 'k', path: 'a', answer: 'key' }, { name: 's', path: 'b', answer: 'stage' }] } as unknown as Lab;

  it('reads name=value pairs', () => {
    expect([...parseAnswers('key=hot-7,stage=3', lab)]).toEqual([
      ['key', 'hot-7'],
      ['stage', '3'],
    ]);
  });

  it.each(['key', 'key=', '=3', 'key=1,,stage=2', 'key=1,key=2', '1key=2'])('rejects %j with an InputError (exit 2)', (text) => {
    expect(() => parseAnswers(text, lab)).toThrow(InputError);
  });

  it('names the answers the lab asks for when a name is unknown', () => {
    expect(() => parseAnswers('colour=red', lab)).toThrow(/asks for no answer named "colour"/);
    try {
      parseAnswers('colour=red', lab);
    } catch (e) {
      expect((e as InputError).hint).toBe('it asks for: key, stage');
      expect((e as InputError).exitCode).toBe(2);
    }
  });
});

describe('the answer field in lab.yaml', () => {
  it('stands alone: no operator with it, and a check needs one or the other', () => {
    expect(CheckSchema.safeParse({ name: 'a', path: 'x.y', answer: 'stage' }).success).toBe(true);
    expect(CheckSchema.safeParse({ name: 'a', path: 'x.y', answer: 'stage', equals: 3 }).success).toBe(false);
    expect(CheckSchema.safeParse({ name: 'a', path: 'x.y' }).success).toBe(false);
    expect(CheckSchema.safeParse({ name: 'a', path: 'x.y', answer: 'Stage Id' }).success).toBe(false);
  });
});
