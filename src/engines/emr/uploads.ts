import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { artifactKey, dataPrefix, type S3Layout } from '../../core/emr-layout.js';
import type { Lab } from '../../core/lab-schema.js';
import { labArtifacts } from '../../core/step-plan.js';
import type { JobFiles } from '../../core/exercise.js';
import type { FileUpload } from '../../aws/s3.js';

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * sha256 of each file the lab ships to the cluster, by project-relative path. `ifMissing` stands in for a file that
 * is not there (`labs plan` before the Scala jar was ever built); without it a missing file is an error.
 */
export function artifactShas(lab: Lab, projectRoot: string, ifMissing?: (rel: string) => string, jobFiles: JobFiles = {}): Record<string, string> {
  return Object.fromEntries(
    labArtifacts(lab).map((rel) => {
      const file = jobFiles[rel] ?? path.join(projectRoot, rel);
      return [rel, ifMissing && !existsSync(file) ? ifMissing(rel) : sha256File(file)];
    }),
  );
}

function filesUnder(p: string): string[] {
  if (!statSync(p).isDirectory()) return [p];
  return readdirSync(p, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => filesUnder(path.join(p, e.name)));
}

/** Everything a run of the lab needs in S3: its job files (content-addressed) and its shipped data. */
/** `jobFiles`: the files actually used for some of the lab's job paths (a student's exercise), uploaded under their own hash. */
export function labUploads(lab: Lab, projectRoot: string, layout: S3Layout, shas = artifactShas(lab, projectRoot), jobFiles: JobFiles = {}): FileUpload[] {
  const uploads: FileUpload[] = labArtifacts(lab).map((rel) => ({ bucket: layout.bucket, key: artifactKey(layout, shas[rel]!, rel), file: jobFiles[rel] ?? path.join(projectRoot, rel), sha256: shas[rel]! }));
  const labDir = path.join(projectRoot, 'labs', lab.id);
  for (const d of lab.data) {
    if (!d.path) continue;
    const root = path.join(labDir, d.path);
    const isDir = statSync(root).isDirectory();
    for (const file of filesUnder(root)) {
      const inside = isDir ? `/${path.relative(root, file).split(path.sep).join('/')}` : '';
      uploads.push({ bucket: layout.bucket, key: `${dataPrefix(layout, lab.id)}/${d.name}${inside}`, file, sha256: sha256File(file) });
    }
  }
  return uploads;
}
