import path from 'node:path';
import pLimit from 'p-limit';
import type { Cluster, RunJobFlowInput } from '@aws-sdk/client-emr';
import type { Config } from '../../core/config.js';
import { hourlyCost } from '../../core/dashboard/cost.js';
import { clusterRequest, clusterShape } from '../../core/emr/cluster-plan.js';
import { TAG, tagValue } from '../../core/emr/tags.js';
import { InterruptedError, isLabsError } from '../../core/errors.js';
import type { Lab } from '../../core/lab/lab-schema.js';
import { checkFailed, evaluateChecks, tallyChecks, type CheckResult } from '../../core/lab/checks.js';
import { runPrefix, s3Uri } from '../../core/emr/layout.js';
import type { RunRecord } from '../../core/run/run-record.js';
import type { RosterEntry } from '../../core/roster.js';
import type { AwsClients } from '../../aws/clients.js';
import type { CreateOptions } from '../../aws/emr.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { listSubPrefixes } from '../../aws/s3.js';
import { isScalaJob } from '../../core/run/step-plan.js';
import { ensureCluster, liveClustersTagged } from '../../engines/emr/cluster.js';
import { connect, ensureLayoutBucket, type EmrContext } from '../../aws/session.js';
import { ClusterListing, shareListing } from '../../aws/emr-lookup.js';
import { terminateClusters } from '../../aws/emr.js';
import { checkCohortGuardrails } from '../../core/cohort-guardrails.js';
import { progressTracker, type CohortProgress } from '../../core/cohort-progress.js';
import { emrQuotas } from '../../core/emr-quotas.js';
import { EmrEngine } from '../../engines/emr/emr-engine.js';
import { ensureScalaJar } from '../../engines/scala-build.js';
import { refreshRun } from '../refresh-run.js';
import { RunStore } from '../run-store.js';
import { readResults, startLab } from '../start.js';
import { viewOf, type ClusterView } from './clusters.js';

/** What happened for one student: every bulk command reports per student and carries on past a failure. */
export interface StudentOutcome {
  student: string;
  ok: boolean;
  detail: string;
  clusterId?: string | undefined;
}

export interface CohortOptions {
  cohort: string;
  /** how many students are handled at once; the calls themselves are paced to EMR's rate limits (aws/emr-pacing.ts) */
  concurrency: number;
  onMessage: (message: string) => void;
  /** counts and an ETA after each student (up, run) or batch (down) */
  onProgress?: ((p: CohortProgress) => void) | undefined;
  /** Ctrl-C: students not started yet are left alone, those under way finish; running the command again resumes */
  signal?: AbortSignal | undefined;
}

/** The rate a command's paced call allows (the account's raised quotas included): what its ETA is computed from. */
const ratePerSecond = (config: Config, operation: string) => emrQuotas(config.emr.apiQuotas)[operation]?.perSecond ?? 0.5;

/** One listing of the live clusters for the whole command, with the cohort's tags read from the index once. */
export function cohortListing(ctx: EmrContext, config: Config, cohort: string): ClusterListing {
  return new ClusterListing(ctx.clients, { prefetchTags: { [TAG.course]: config.course, [TAG.cohort]: cohort } });
}

/** Each student in turn (at most `concurrency` at once); one student's failure is reported, not thrown. */
async function forEachStudent(students: readonly string[], o: Pick<CohortOptions, 'concurrency' | 'signal'>, act: (student: string) => Promise<StudentOutcome>, onDone?: (o: StudentOutcome) => void): Promise<StudentOutcome[]> {
  const outcomes = await pLimit(o.concurrency).map(students, async (student): Promise<StudentOutcome | undefined> => {
    if (o.signal?.aborted) return undefined;
    let outcome: StudentOutcome;
    try {
      outcome = await act(student);
    } catch (e) {
      if (!isLabsError(e)) throw e;
      outcome = { student, ok: false, detail: e.hint ? `${e.message} (${e.hint})` : e.message };
    }
    onDone?.(outcome);
    return outcome;
  });
  const done = outcomes.filter((x): x is StudentOutcome => x !== undefined);
  if (done.length < students.length) {
    throw new InterruptedError(`stopped after ${done.length} of ${students.length} students (${done.filter((x) => x.ok).length} done)`, 'run the same command again: it finds what was made and carries on');
  }
  return done;
}

/** The cohort's live clusters (from the command's listing when it has one). */
export function cohortClusters(ctx: EmrContext, config: Config, cohort: string, listing?: ClusterListing): Promise<Cluster[]> {
  return liveClustersTagged(ctx, { [TAG.course]: config.course, [TAG.cohort]: cohort }, listing ?? cohortListing(ctx, config, cohort));
}

/** A student's base cluster of the cohort (no lab): what `cohort up` makes. */
const baseCluster = (config: Config, student: string, o: { cohort: string; fleets: boolean; now: Date; bucket: string }) =>
  clusterRequest({ config, student, cohort: o.cohort, fleets: o.fleets, now: o.now, bucket: o.bucket });

/** What `cohort up` would create, sent nowhere: each student's RunJobFlow, and the class's cost per hour while up. */
export function planCohort(config: Config, roster: readonly RosterEntry[], o: { cohort: string; fleets: boolean; now: Date; bucket: string }): { requests: { student: string; runJobFlow: RunJobFlowInput }[]; hourlyUsd: number | undefined } {
  const requests = roster.map(({ student }) => ({ student, runJobFlow: baseCluster(config, student, o).request }));
  const hourlyUsd = classHourlyUsd(config, roster.length);
  // a dry run refuses what the real one would (it cannot see live clusters: the roster alone is counted)
  checkCohortGuardrails(config, { cohort: o.cohort, clusters: requests.length, hourlyUsd });
  return { requests, hourlyUsd };
}

/** Estimated USD per hour of `students` clusters of a profile (the base clusters: small) while up; undefined if unpriced. */
export function classHourlyUsd(config: Config, students: number, profile: 'small' | 'medium' | 'large' = 'small'): number | undefined {
  const p = config.emr.profiles[profile];
  const one = hourlyCost([
    { role: 'primary', type: p.primaryTypes[0]!, count: 1 },
    { role: 'core', type: p.coreTypes[0]!, count: p.coreCount },
    { role: 'task', type: p.coreTypes[0]!, count: p.taskCount },
  ]);
  return one === undefined ? undefined : one * students;
}

/** The cohort's clusters and cost once `adding` more are made: checked against the course's guardrails first. */
async function guardCohort(ctx: EmrContext, config: Config, listing: ClusterListing, o: { cohort: string; adding: number; profile?: 'small' | 'medium' | 'large' }): Promise<void> {
  if (o.adding === 0) return;
  const live = await cohortClusters(ctx, config, o.cohort, listing);
  const liveUsd = classHourlyUsd(config, live.length);
  const newUsd = classHourlyUsd(config, o.adding, o.profile);
  checkCohortGuardrails(config, { cohort: o.cohort, clusters: live.length + o.adding, hourlyUsd: liveUsd === undefined || newUsd === undefined ? undefined : liveUsd + newUsd });
}

/** Every key with more than one live cluster: a retry that was answered after all made a twin. Keeps the oldest. */
async function terminateTwins(ctx: EmrContext, config: Config, listing: ClusterListing, cohort: string): Promise<string[]> {
  listing.refresh();
  const byKey = new Map<string, Cluster[]>();
  for (const c of await cohortClusters(ctx, config, cohort, listing)) {
    const key = tagValue(c.Tags, TAG.idempotencyKey);
    if (key) byKey.set(key, [...(byKey.get(key) ?? []), c]);
  }
  const twins = [...byKey.values()].flatMap((cs) => cs.sort((a, b) => (a.Id! < b.Id! ? -1 : 1)).slice(1).map((c) => c.Id!));
  if (twins.length) await terminateClusters(ctx.clients.emr, twins);
  return twins;
}

/**
 * One tagged, auto-terminating base cluster per student of the roster (a live one is reused: `up` can be run again
 * after a failure or Ctrl-C). Clusters are created, not waited for: `labs cohort status` or `labs dashboard --cohort`
 * shows them coming up. One listing serves the whole class: a student's look-up is a filter of it, and only
 * candidates by Name are described; RunJobFlow is paced to its bucket (10, then 1 every 2 s: 200 take 380 s).
 */
export async function cohortUp(ctx: EmrContext, config: Config, roster: readonly RosterEntry[], o: CohortOptions & { fleets: boolean; now: Date; create?: CreateOptions }): Promise<StudentOutcome[]> {
  const listing = cohortListing(ctx, config, o.cohort);
  const students = roster.map((r) => r.student);
  const shape = clusterShape(config, undefined, o.fleets);
  const have = new Set((await cohortClusters(ctx, config, o.cohort, listing)).filter((c) => tagValue(c.Tags, TAG.shape) === shape).map((c) => tagValue(c.Tags, TAG.student)));
  await guardCohort(ctx, config, listing, { cohort: o.cohort, adding: students.filter((s) => !have.has(s)).length });
  // every student's LogUri is in this bucket: it must exist before EMR writes there
  await ensureLayoutBucket(ctx, config);
  const progress = progressTracker('up', students.length, ratePerSecond(config, 'RunJobFlow'), o.onProgress ?? (() => {}));
  progress.start();
  const outcomes = await forEachStudent(
    students,
    o,
    async (student) => {
      const { cluster, created } = await ensureCluster(ctx, {
        config,
        student,
        cohort: o.cohort,
        cluster: baseCluster(config, student, { ...o, bucket: ctx.layout.bucket }),
        waitReady: false,
        wait: { maxWaitTime: 0 },
        create: { ...o.create, twinCheck: false },
        listing,
        describeFound: false,
        onMessage: (m) => o.onMessage(`${student}: ${m}`),
      });
      return { student, ok: true, clusterId: cluster.Id, detail: `${created ? 'created' : 'reused'} ${cluster.Id} (${cluster.Status?.State})`, created };
    },
    (out) => progress.record(!out.ok ? 'failed' : (out as { created?: boolean }).created ? 'created' : 'reused'),
  );
  const twins = await terminateTwins(ctx, config, listing, o.cohort).catch(() => []);
  if (twins.length) o.onMessage(`terminated ${twins.length} duplicate clusters made by retried requests: ${twins.join(', ')}`);
  return outcomes.map(({ student, ok, detail, clusterId }) => ({ student, ok, detail, clusterId }));
}

/** Terminates the cohort's live clusters, 10 a call (TerminateJobFlows' limit), paced; the ids it ended. */
export async function cohortDown(ctx: EmrContext, config: Config, ids: readonly string[], o: Pick<CohortOptions, 'onProgress'> = {}): Promise<string[]> {
  const progress = progressTracker('down', ids.length, ratePerSecond(config, 'TerminateJobFlows') * 10, o.onProgress ?? (() => {}));
  progress.start();
  await terminateClusters(ctx.clients.emr, [...ids], (batch) => progress.record('created', batch.length));
  return [...ids];
}

/** Where the instructor's copies of a cohort's run records live: LABS_HOME/cohorts/<cohort>/<student>/runs. */
export const cohortHome = (labsHome: string, cohort: string) => path.join(labsHome, 'cohorts', cohort);
const cohortRunsDir = (labsHome: string, cohort: string, student: string) => path.join(cohortHome(labsHome, cohort), student, 'runs');
export const cohortRunStore = (labsHome: string, cohort: string, student: string) => new RunStore(cohortRunsDir(labsHome, cohort, student));

export interface StudentEngineOptions {
  labsHome: string;
  cohort: string;
  projectRoot: string;
  cacheDir: string;
  fleets?: boolean | undefined;
  /** the instructor's clients, shared by every student's engine */
  clients: AwsClients;
}

/** The EMR engine working as one student of the cohort: their tags and S3 prefix, the instructor's credentials. */
export function studentEngine(config: Config, student: string, o: StudentEngineOptions): EmrEngine {
  return new EmrEngine({ config: { ...config, student }, projectRoot: o.projectRoot, cacheDir: o.cacheDir, runsDir: cohortRunsDir(o.labsHome, o.cohort, student), clients: o.clients, cohort: o.cohort, fleets: o.fleets });
}

export interface CohortRunOptions extends CohortOptions, StudentEngineOptions {
  fleets: boolean;
}

/**
 * The lab queued on every student's cluster (`labs start --no-wait` for each): artifacts under the student's prefix,
 * the steps in one AddJobFlowSteps. A student without a cluster of the lab's shape gets one (the caller asked first).
 */
export async function cohortRun(config: Config, lab: Lab, students: readonly string[], o: CohortRunOptions & { ctx?: EmrContext }): Promise<StudentOutcome[]> {
  // Built once here: each student's engine would otherwise start its own Maven build of the same jar at once.
  if (lab.steps.some(isScalaJob)) await ensureScalaJar({ projectRoot: o.projectRoot, cacheDir: o.cacheDir, onProgress: o.onMessage, signal: new AbortController().signal });
  // Every student's engine looks up its cluster in this one listing (they share the instructor's clients).
  const ctx = o.ctx ?? (await connect(config, { clients: o.clients }));
  const listing = cohortListing(ctx, config, o.cohort);
  const missing = await studentsWithoutCluster(ctx, config, lab, students, { cohort: o.cohort, fleets: o.fleets, listing });
  await guardCohort(ctx, config, listing, { cohort: o.cohort, adding: missing.length, profile: lab.cluster.profile });
  const release = shareListing(ctx.clients.emr, listing);
  const progress = progressTracker('run', students.length, ratePerSecond(config, 'AddJobFlowSteps'), o.onProgress ?? (() => {}));
  progress.start();
  try {
    return await forEachStudent(
      students,
      o,
      async (student) => {
        const run = await startLab({
          lab,
          config: { ...config, student },
          engine: studentEngine(config, student, { ...o, clients: ctx.clients }),
          store: cohortRunStore(o.labsHome, o.cohort, student),
          onEvent: (e) => (e.type === 'setup' ? o.onMessage(`${student}: ${e.message}`) : undefined),
          signal: new AbortController().signal,
          wait: false,
        });
        const clusterId = run.steps[0]?.emr?.clusterId;
        return { student, ok: true, clusterId, detail: `queued ${run.steps.length} steps on ${clusterId} (run ${run.runId})` };
      },
      (out) => progress.record(out.ok ? 'created' : 'failed'),
    );
  } finally {
    release();
  }
}

/** How many of these students have no live cluster of the lab's shape: what `cohort run` would create. */
export async function studentsWithoutCluster(ctx: EmrContext, config: Config, lab: Lab, students: readonly string[], o: { cohort: string; fleets: boolean; listing?: ClusterListing }): Promise<string[]> {
  const shape = clusterShape(config, lab, o.fleets);
  const have = new Set((await cohortClusters(ctx, config, o.cohort, o.listing)).filter((c) => tagValue(c.Tags, TAG.shape) === shape).map((c) => tagValue(c.Tags, TAG.student)));
  return students.filter((s) => !have.has(s));
}

export interface Grade {
  student: string;
  lab: string;
  state: RunRecord['state'] | 'NOT RUN';
  passed: number;
  total: number;
  /** answer checks the student has not answered yet count as not passed */
  pending: number;
  /** checks scoped to other targets than the one the run was on: neither passed nor failed, not in `total`'s grade */
  notApplicable: number;
  failing: string[];
  runId?: string | undefined;
  /** the run the instructor queued (`cohort run`), or the student's own latest run found in S3 */
  source?: 'cohort run' | 's3' | undefined;
  /** the graded checks with their measured values (a run exists), for the grade sheet */
  checks?: CheckResult[] | undefined;
}

function gradeOf(student: string, lab: Lab, run: Pick<RunRecord, 'state' | 'checks' | 'runId'>, source: Grade['source']): Grade {
  const checks = run.checks ?? [];
  const tally = tallyChecks(checks);
  return {
    student,
    lab: lab.id,
    state: run.state,
    passed: tally.passed,
    total: lab.checks.length,
    pending: tally.pending,
    notApplicable: tally.notApplicable,
    failing: checks.filter((c) => checkFailed(c) || c.pending).map((c) => c.name),
    runId: run.runId,
    source,
    checks,
  };
}

/**
 * The student's own latest run of the lab in the course bucket (`labs start --target emr` writes under
 * <student>/runs/<lab>/<runId>/), graded from its result.json files. Run ids sort by time.
 */
async function latestRunInS3(s3: S3Client, bucket: string, student: string, lab: Lab, engine: EmrEngine): Promise<Grade | undefined> {
  const layout = { bucket, student };
  const runIds = (await listSubPrefixes(s3, bucket, `${runPrefix(layout, lab.id, '')}`)).sort();
  const runId = runIds.at(-1);
  if (!runId) return undefined;
  const results = await readResults(lab, engine, { lab, runId, student, dir: s3Uri(bucket, runPrefix(layout, lab.id, runId)) });
  const checks = evaluateChecks(lab, results, { target: engine.target });
  // a step without result.json did not complete (or the run is still going): not a passing run
  const complete = lab.steps.every((s) => results.get(s.name) !== undefined);
  return gradeOf(student, lab, { runId, checks, state: complete && !checks.some(checkFailed) ? 'COMPLETED' : 'FAILED' }, 's3');
}

/**
 * Each student's latest run of the lab, graded: the one the instructor queued with `cohort run` (brought up to date
 * from EMR: a run that has finished gets its checks now), else the student's own latest run in the course bucket.
 * A student with neither is NOT RUN, with nothing passed; an unanswered question is not passed.
 */
export async function cohortGrade(
  lab: Lab,
  students: readonly string[],
  o: { labsHome: string; cohort: string; concurrency: number; engineFor: (student: string) => EmrEngine; s3?: { client: S3Client; bucket: string } | undefined },
): Promise<Grade[]> {
  return pLimit(o.concurrency).map(students, async (student): Promise<Grade> => {
    const store = cohortRunStore(o.labsHome, o.cohort, student);
    const engine = o.engineFor(student);
    try {
      const queued = store.latest(lab.id);
      if (queued) return gradeOf(student, lab, await refreshRun(queued, lab, engine, store), 'cohort run');
      const own = o.s3 ? await latestRunInS3(o.s3.client, o.s3.bucket, student, lab, engine) : undefined;
      return own ?? { student, lab: lab.id, state: 'NOT RUN', passed: 0, total: lab.checks.length, pending: 0, notApplicable: 0, failing: [] };
    } finally {
      await engine.dispose();
    }
  });
}

/** The cohort's live clusters, one row each, with the student and lab their tags name. */
export async function cohortStatus(ctx: EmrContext, config: Config, cohort: string): Promise<ClusterView[]> {
  return (await cohortClusters(ctx, config, cohort)).map(viewOf).sort((a, b) => (a.student ?? '').localeCompare(b.student ?? ''));
}
