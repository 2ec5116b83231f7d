// Build: bundle the CLI with esbuild so a cold start reads a few files instead of hundreds (zod alone is
// 200+ modules; Node 20 has no compile cache). Type checking is tsc's job (`npm run typecheck`).
// Heavy dependencies stay external and load only through the dynamic imports of the commands that need them.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
/** Small pure-JS dependencies on the cold-start path: bundled. Everything else is resolved from node_modules. */
const BUNDLED = new Set(['zod', 'yaml', 'fastest-levenshtein', 'env-paths']);
const external = Object.keys(pkg.dependencies).filter((d) => !BUNDLED.has(d)).flatMap((d) => [d, `${d}/*`]);

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  jsx: 'automatic',
  // Prefer the ESM builds of bundled packages; a CJS one needs require(), which the banner provides.
  mainFields: ['module', 'main'],
  banner: { js: "import { createRequire as __labsRequire } from 'node:module'; const require = __labsRequire(import.meta.url);" },
  // Minified: parse time is most of a cold start. The source map keeps --debug stacks readable.
  minify: true,
  sourcemap: true,
  external: [...external, '@aws-sdk/*', '@smithy/*'],
  logLevel: 'warning',
});
