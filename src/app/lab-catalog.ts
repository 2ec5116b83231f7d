import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../core/errors.js';
import { parseLab } from '../core/lab/lab-validate.js';
import type { Lab } from '../core/lab/lab-schema.js';
import { closest } from '../core/suggest.js';
import { labIds } from './lab-index.js';
import { projectRoot } from './paths.js';

const labsDir = (root: string) => path.join(root, 'labs');

// Lab ids live in lab-index.ts, the light module `labs list` loads without the validator.
export { labIds };

export function loadLab(id: string, root = projectRoot): Lab {
  const dir = path.join(labsDir(root), id);
  const file = path.join(dir, 'lab.yaml');
  if (!/^[a-z0-9-]+$/.test(id) || !existsSync(file)) {
    const ids = labIds(root);
    const near = closest(id, ids);
    throw new InputError(
      `unknown lab "${id}"`,
      near.length ? `did you mean ${near.join(', ')}? (\`labs list\` shows all ${ids.length})` : '`labs list` shows the labs',
    );
  }
  return parseLab(readFileSync(file, 'utf8'), {
    file: path.relative(process.cwd(), file) || file,
    dirName: id,
    projectFileExists: (rel) => existsSync(path.join(root, rel)),
    labFileExists: (rel) => existsSync(path.join(dir, rel)),
  });
}

export function loadAllLabs(root = projectRoot): Lab[] {
  return labIds(root).map((id) => loadLab(id, root));
}

export function labReadme(id: string, root = projectRoot): string | undefined {
  const file = path.join(labsDir(root), id, 'README.md');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
