import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { labJsonSchema } from '../../../src/core/lab/lab-schema.js';

describe('schema/lab.schema.json', () => {
  it('is the JSON Schema generated from the zod schema (run `npm run schema` when this fails)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../../schema/lab.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(labJsonSchema());
  });

  it('describes the fields editors complete', () => {
    const schema = labJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['id', 'day', 'title', 'topics', 'spark', 'cluster', 'data', 'steps', 'checks']));
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'day', 'title', 'topics', 'steps']));
  });
});
