// Bench entries are TypeScript (they drive src/ and the test fakes directly): esbuild bundles one, then it is imported.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function loadEntry(file) {
  // Inside node_modules so the bundle's bare imports (ink, react, the AWS SDK) resolve from the project.
  const outdir = path.join(root, 'node_modules', '.cache', 'labs-bench', String(process.pid));
  await build({ entryPoints: [path.join(root, 'bench', file)], outdir, bundle: true, format: 'esm', platform: 'node', target: 'node20', jsx: 'automatic', packages: 'external', logLevel: 'warning' });
  return import(path.join(outdir, file.replace(/\.tsx?$/, '.js')));
}
