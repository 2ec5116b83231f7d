import { TAG } from './emr/tags.js';

/**
 * ListClusters returns a cluster's Name and state only (50 a page), not its tags. So the Name carries what a look-up
 * selects by, and one listing finds the candidates of a whole class: only those are described to confirm their tags.
 *   emr-spark-labs <student>[ <lab>] [<course>/<cohort or -> <g|f>:<shape> <idempotency key>]
 * (g: instance groups, f: instance fleets).
 * The tags stay the truth (a Name can be edited in no API, but anyone can make a cluster with any Name).
 */
export interface ClusterNameParts {
  student: string;
  lab?: string | undefined;
  course: string;
  cohort?: string | undefined;
  shape: string;
  fleets: boolean;
  idempotencyKey: string;
}

const PREFIX = 'emr-spark-labs ';
const NAMED = /^emr-spark-labs (\S+)(?: (\S+))? \[(\S+)\/(\S+) ([gf]):([0-9a-f]+) ([0-9a-f]+)\]$/;

export function clusterName(p: ClusterNameParts): string {
  return `${PREFIX}${p.student}${p.lab ? ` ${p.lab}` : ''} [${p.course.replace(/\s+/g, '_')}/${p.cohort ?? '-'} ${p.fleets ? 'f' : 'g'}:${p.shape} ${p.idempotencyKey}]`;
}

export function parseClusterName(name: string | undefined): ClusterNameParts | undefined {
  const m = name ? NAMED.exec(name) : null;
  if (!m) return undefined;
  return { student: m[1]!, lab: m[2], course: m[3]!, cohort: m[4] === '-' ? undefined : m[4], fleets: m[5] === 'f', shape: m[6]!, idempotencyKey: m[7]! };
}

/**
 * Whether a cluster of this Name may carry the wanted tags: false only when its Name proves it does not. A Name of
 * ours from before Names carried the key (`emr-spark-labs ana day2-joins`) is a candidate for any look-up.
 */
export function nameMayMatch(name: string | undefined, wanted: Readonly<Record<string, string>>): boolean {
  if (!name?.startsWith(PREFIX)) return false;
  const p = parseClusterName(name);
  if (!p) return true;
  const byTag: Record<string, string | undefined> = {
    [TAG.student]: p.student,
    [TAG.course]: p.course,
    [TAG.cohort]: p.cohort,
    [TAG.shape]: p.shape,
    [TAG.idempotencyKey]: p.idempotencyKey,
    [TAG.lab]: p.lab,
  };
  return Object.entries(wanted).every(([k, v]) => !(k in byTag) || byTag[k] === (k === TAG.course ? v.replace(/\s+/g, '_') : v));
}
