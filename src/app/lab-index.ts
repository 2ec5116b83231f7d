import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, projectRoot } from './paths.js';

/** What `labs list` prints of a lab. */
export interface LabSummary {
  id: string;
  day: number;
  title: string;
  topics: string[];
  steps: number;
  checks: number;
  minutes?: number | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;
const labsDir = (root: string) => path.join(root, 'labs');

/** Lab ids, from the directories under labs/ that hold a lab.yaml, in course order. */
export function labIds(root = projectRoot): string[] {
  const dir = labsDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, 'lab.yaml')))
    .map((e) => e.name)
    .sort();
}

/**
 * The key of a validated catalog: every lab.yaml's path, size and mtime, and this build's own mtime (a new
 * schema must re-validate unchanged files). Stat calls only, so a hit costs no YAML parse and no zod.
 */
function catalogKey(root: string, ids: string[]): string {
  const self = statSync(fileURLToPath(import.meta.url));
  const files = ids.map((id) => {
    const s = statSync(path.join(labsDir(root), id, 'lab.yaml'));
    return `${id}:${s.size}:${s.mtimeMs}`;
  });
  return [root, self.mtimeMs, ...files].join('|');
}

/**
 * The lab summaries for `labs list`. Parsing and validating 28 lab.yaml files is most of its cold start, so the
 * result of a full validation is kept in LABS_CACHE_DIR keyed by the files' stats; any change re-validates all of
 * them (and reports a broken lab exactly as `labs show` would). `show`, `start` and `verify` always validate.
 */
export async function labSummaries(root = projectRoot, env: Env = process.env): Promise<LabSummary[]> {
  const ids = labIds(root);
  const key = catalogKey(root, ids);
  const file = path.join(cacheDir(env), 'lab-index.json');
  const cached = readCache(file, key);
  if (cached) return cached;
  const { loadLab } = await import('./lab-catalog.js');
  const labs = ids.map((id) => loadLab(id, root)).map((l): LabSummary => ({ id: l.id, day: l.day, title: l.title, topics: l.topics, steps: l.steps.length, checks: l.checks.length, minutes: l.minutes }));
  writeCache(file, key, labs);
  return labs;
}

function readCache(file: string, key: string): LabSummary[] | undefined {
  try {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { key?: unknown; labs?: unknown };
    return doc.key === key && Array.isArray(doc.labs) ? (doc.labs as LabSummary[]) : undefined;
  } catch {
    return undefined; // missing or unreadable: a cache, rebuilt below
  }
}

function writeCache(file: string, key: string, labs: LabSummary[]): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ key, labs }));
    renameSync(tmp, file);
  } catch {
    // A read-only cache dir only costs the next `labs list` a full validation; it is no reason to fail this one.
  }
}
