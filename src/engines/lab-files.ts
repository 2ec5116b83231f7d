import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Lab } from '../core/lab/lab-schema.js';
import type { LabFiles } from '../core/run/run-plan.js';
import { labArtifacts } from '../core/run/step-plan.js';

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export interface LabFilesOptions {
  /** the file used for a lab's job path instead of the bundled one (e.g. a student's copy), by project-relative path */
  jobFiles?: Readonly<Record<string, string>> | undefined;
  /** hash every file (EMR: checksums name the S3 keys); locally only the paths matter */
  hash: boolean;
  /**
   * stands in for the checksum of a file that is not there (`labs plan` before the Scala jar was ever built); without
   * it a missing file is an error
   */
  ifMissing?: ((rel: string) => string) | undefined;
}

function filesUnder(p: string): string[] {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => filesUnder(path.join(p, e.name)));
}

/**
 * What a run of the lab ships, read once: its artifacts (jobs, labkit, the Scala jar) and, when hashing, its data
 * files as they go to S3. The run plan (core/run/run-plan.ts) is built from this; nothing re-reads or re-hashes them.
 */
export function readLabFiles(lab: Lab, projectRoot: string, o: LabFilesOptions): LabFiles {
  const artifacts: Record<string, { file: string; sha256?: string }> = {};
  for (const rel of labArtifacts(lab)) {
    const file = o.jobFiles?.[rel] ?? path.join(projectRoot, rel);
    if (!o.hash) artifacts[rel] = { file };
    else artifacts[rel] = { file, sha256: o.ifMissing && !existsSync(file) ? o.ifMissing(rel) : sha256File(file) };
  }
  const data: LabFiles['data'][number][] = [];
  if (o.hash) {
    const labDir = path.join(projectRoot, 'labs', lab.id);
    for (const d of lab.data) {
      if (!d.path) continue;
      const root = path.join(labDir, d.path);
      const isDir = statSync(root).isDirectory();
      for (const file of filesUnder(root)) {
        const inside = isDir ? `/${path.relative(root, file).split(path.sep).join('/')}` : '';
        data.push({ name: d.name, inside, file, sha256: sha256File(file) });
      }
    }
  }
  return { artifacts, data };
}
