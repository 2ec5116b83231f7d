import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tempHome } from './cli.js';

/**
 * A throw-away copy of the built project (bin, dist, labs, spark-jobs; node_modules linked) so a test can add a
 * broken or failing lab without touching the real labs/. Returns the copy's root and its `labs` binary.
 */
export function projectCopy(): { root: string; bin: string; addFile(rel: string, text: string): void } {
  const root = tempHome('labs-project-');
  for (const d of ['bin', 'dist', 'labs', 'spark-jobs', 'scripts']) cpSync(path.join(repoRoot, d), path.join(root, d), { recursive: true });
  cpSync(path.join(repoRoot, 'package.json'), path.join(root, 'package.json'));
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  return {
    root,
    bin: path.join(root, 'bin', 'labs.js'),
    addFile(rel, text) {
      const file = path.join(root, rel);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, text);
    },
  };
}
