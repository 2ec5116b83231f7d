// Regenerates schema/lab.schema.json (for editors) from the zod schema in src/core/lab-schema.ts.
// Runs on the built code: `npm run build && npm run schema`. A unit test fails when the file is stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import { labJsonSchema } from '../dist/core/lab-schema.js';

mkdirSync(new URL('../schema/', import.meta.url), { recursive: true });
writeFileSync(new URL('../schema/lab.schema.json', import.meta.url), `${JSON.stringify(labJsonSchema(), null, 2)}\n`);
console.log('wrote schema/lab.schema.json');
