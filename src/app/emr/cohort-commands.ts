import { existsSync, readdirSync } from 'node:fs';
import type { Config } from '../../core/config.js';
import { defaultBucket } from '../../core/emr/layout.js';
import { TAG, tagValue } from '../../core/emr/tags.js';
import { InputError } from '../../core/errors.js';
import type { RosterEntry } from '../../core/roster.js';
import type { EmrContext } from '../../aws/session.js';
import { openAwsSession, PLACEHOLDER_ACCOUNT, regionForNames, type AwsFlags, type AwsSession } from '../aws-session.js';
import { loadConfig } from '../config-store.js';
import { cacheDir, labsHome, projectRoot } from '../paths.js';
import { cohortClusters, cohortHome, planCohort, type StudentEngineOptions } from './cohort.js';

/** What `cohort up --dry-run` prints, built without credentials: the bucket's account is a placeholder. */
export function planCohortUp(roster: readonly RosterEntry[], o: { cohort: string; fleets: boolean; flags: AwsFlags }): ReturnType<typeof planCohort> & { config: Config } {
  const config = loadConfig({ target: 'emr' });
  const bucket = config.emr.bucket ?? defaultBucket(PLACEHOLDER_ACCOUNT, regionForNames(config, o.flags) ?? 'us-east-1');
  return { config, ...planCohort(config, roster, { cohort: o.cohort, fleets: o.fleets, now: new Date(), bucket }) };
}

/** A cohort command's AWS session, closed when `body` is done. */
export async function withCohortSession<T>(flags: AwsFlags, body: (s: AwsSession) => Promise<T>): Promise<T> {
  const session = await openAwsSession(flags);
  try {
    return await body(session);
  } finally {
    session.close();
  }
}

/** Students named by cohort run records on this machine (for grading without a roster). */
function recordedStudents(cohort: string): string[] {
  const dir = cohortHome(labsHome(), cohort);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/**
 * The students a command acts on: the roster's, else (grade) those with run records here, else those whose clusters
 * are live. None is bad input.
 */
export async function cohortStudents(ctx: EmrContext, config: Config, o: { cohort: string; roster?: readonly RosterEntry[] | undefined; forGrade: boolean }): Promise<string[]> {
  const students =
    o.roster?.map((r) => r.student) ??
    (o.forGrade ? recordedStudents(o.cohort) : [...new Set((await cohortClusters(ctx, config, o.cohort)).map((cl) => tagValue(cl.Tags, TAG.student) ?? ''))].filter(Boolean).sort());
  if (!students.length) throw new InputError(`${o.cohort}: no students found`, 'pass --roster, or `labs cohort up` first');
  return students;
}

/** How every student's engine is made for a cohort command: this machine's paths, the instructor's clients. */
export function studentEngineOptions(ctx: EmrContext, cohort: string, fleets?: boolean): StudentEngineOptions {
  return { labsHome: labsHome(), cohort, projectRoot, cacheDir: cacheDir(), fleets, clients: ctx.clients };
}
