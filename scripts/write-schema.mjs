// Regenerates schema/lab.schema.json (for editors) from the zod schema in src/core/lab/lab-schema.ts.
// A unit test fails when the committed file is stale: then run `npm run schema`.
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'labs-schema-')), 'lab-schema.mjs');
await build({ entryPoints: ['src/core/lab/lab-schema.ts'], outfile: out, bundle: true, format: 'esm', platform: 'node', logLevel: 'warning' });
const { labJsonSchema } = await import(pathToFileURL(out).href);
mkdirSync(new URL('../schema/', import.meta.url), { recursive: true });
writeFileSync(new URL('../schema/lab.schema.json', import.meta.url), `${JSON.stringify(labJsonSchema(), null, 2)}\n`);
console.log('wrote schema/lab.schema.json');
