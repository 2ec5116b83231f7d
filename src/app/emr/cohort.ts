import path from 'node:path';
import pLimit from 'p-limit';
import type { Cluster, RunJobFlowInput } from '@aws-sdk/client-emr';
import type { Config } from '../../core/config.js';
import { hourlyCost } from '../../core/dashboard/cost.js';
import { clusterRequest, clusterShape } from '../../core/emr/cluster-plan.js';
import { TAG, tagValue } from '../../core/emr/tags.js';
import { isLabsError } from '../../core/errors.js';
import type { Lab } from '../../core/lab/lab-schema.js';
import { evaluateChecks } from '../../core/lab/checks.js';
import { runPrefix, s3Uri } from '../../core/emr/layout.js';
import type { RunRecord } from '../../core/run/run-record.js';
import type { RosterEntry } from '../../core/roster.js';
import type { AwsClients } from '../../aws/clients.js';
import type { CreateOptions } from '../../aws/emr.js';
import type { S3Client } from '@aws-sdk/client-s3';
import { ensureBucket, listSubPrefixes } from '../../aws/s3.js';
import { isScalaJob } from '../../core/run/step-plan.js';
import { ensureCluster, liveClustersTagged } from '../../engines/emr/cluster.js';
import type { EmrContext } from '../../aws/session.js';
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
  /** how many students are handled at once (AWS calls in flight stay bounded; throttling is retried by the SDK) */
  concurrency: number;
  onMessage: (message: string) => void;
}

/** Each student in turn (at most `concurrency` at once); one student's failure is reported, not thrown. */
function forEachStudent(students: readonly string[], concurrency: number, act: (student: string) => Promise<StudentOutcome>): Promise<StudentOutcome[]> {
  return pLimit(concurrency).map(students, async (student) => {
    try {
      return await act(student);
    } catch (e) {
      if (!isLabsError(e)) throw e;
      return { student, ok: false, detail: e.hint ? `${e.message} (${e.hint})` : e.message };
    }
  });
}

/** The cohort's live clusters. */
export function cohortClusters(ctx: EmrContext, config: Config, cohort: string): Promise<Cluster[]> {
  return liveClustersTagged(ctx, { [TAG.course]: config.course, [TAG.cohort]: cohort });
}

/** A student's base cluster of the cohort (no lab): what `cohort up` makes. */
const baseCluster = (config: Config, student: string, o: { cohort: string; fleets: boolean; now: Date; bucket: string }) =>
  clusterRequest({ config, student, cohort: o.cohort, fleets: o.fleets, now: o.now, bucket: o.bucket });

/** What `cohort up` would create, sent nowhere: each student's RunJobFlow, and the class's cost per hour while up. */
export function planCohort(config: Config, roster: readonly RosterEntry[], o: { cohort: string; fleets: boolean; now: Date; bucket: string }): { requests: { student: string; runJobFlow: RunJobFlowInput }[]; hourlyUsd: number | undefined } {
  const requests = roster.map(({ student }) => ({ student, runJobFlow: baseCluster(config, student, o).request }));
  return { requests, hourlyUsd: classHourlyUsd(config, roster.length) };
}

/** Estimated USD per hour of `students` base clusters (the small profile) while they are up; undefined if unpriced. */
export function classHourlyUsd(config: Config, students: number): number | undefined {
  const p = config.emr.profiles.small;
  const one = hourlyCost([
    { role: 'primary', type: p.primaryTypes[0]!, count: 1 },
    { role: 'core', type: p.coreTypes[0]!, count: p.coreCount },
    { role: 'task', type: p.coreTypes[0]!, count: p.taskCount },
  ]);
  return one === undefined ? undefined : one * students;
}

/**
 * One tagged, auto-terminating base cluster per student of the roster (a live one is reused: `up` can be run again
 * after a failure). Clusters are created, not waited for: `labs cohort status` or `labs dashboard --cohort` shows
 * them coming up.
 */
export async function cohortUp(ctx: EmrContext, config: Config, roster: readonly RosterEntry[], o: CohortOptions & { fleets: boolean; now: Date; create?: CreateOptions }): Promise<StudentOutcome[]> {
  // every student's LogUri is in this bucket: it must exist before EMR writes there
  await ensureBucket(ctx.clients.s3, ctx.layout.bucket, ctx.region, config.emr.bucket ? undefined : ctx.account);
  return forEachStudent(
    roster.map((r) => r.student),
    o.concurrency,
    async (student) => {
      const { cluster, created } = await ensureCluster(ctx, {
        config,
        student,
        cohort: o.cohort,
        cluster: baseCluster(config, student, { ...o, bucket: ctx.layout.bucket }),
        waitReady: false,
        wait: { maxWaitTime: 0 },
        create: o.create,
        onMessage: (m) => o.onMessage(`${student}: ${m}`),
      });
      return { student, ok: true, clusterId: cluster.Id, detail: `${created ? 'created' : 'reused'} ${cluster.Id} (${cluster.Status?.State})` };
    },
  );
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
export async function cohortRun(config: Config, lab: Lab, students: readonly string[], o: CohortRunOptions): Promise<StudentOutcome[]> {
  // Built once here: each student's engine would otherwise start its own Maven build of the same jar at once.
  if (lab.steps.some(isScalaJob)) await ensureScalaJar({ projectRoot: o.projectRoot, cacheDir: o.cacheDir, onProgress: o.onMessage, signal: new AbortController().signal });
  return forEachStudent(students, o.concurrency, async (student) => {
    const run = await startLab({
      lab,
      config: { ...config, student },
      engine: studentEngine(config, student, o),
      store: cohortRunStore(o.labsHome, o.cohort, student),
      onEvent: (e) => (e.type === 'setup' ? o.onMessage(`${student}: ${e.message}`) : undefined),
      signal: new AbortController().signal,
      wait: false,
    });
    const clusterId = run.steps[0]?.emr?.clusterId;
    return { student, ok: true, clusterId, detail: `queued ${run.steps.length} steps on ${clusterId} (run ${run.runId})` };
  });
}

/** How many of these students have no live cluster of the lab's shape: what `cohort run` would create. */
export async function studentsWithoutCluster(ctx: EmrContext, config: Config, lab: Lab, students: readonly string[], o: { cohort: string; fleets: boolean }): Promise<string[]> {
  const shape = clusterShape(config, lab, o.fleets);
  const have = new Set((await cohortClusters(ctx, config, o.cohort)).filter((c) => tagValue(c.Tags, TAG.shape) === shape).map((c) => tagValue(c.Tags, TAG.student)));
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
  failing: string[];
  runId?: string | undefined;
  /** the run the instructor queued (`cohort run`), or the student's own latest run found in S3 */
  source?: 'cohort run' | 's3' | undefined;
}

function gradeOf(student: string, lab: Lab, run: Pick<RunRecord, 'state' | 'checks' | 'runId'>, source: Grade['source']): Grade {
  const checks = run.checks ?? [];
  return {
    student,
    lab: lab.id,
    state: run.state,
    passed: checks.filter((c) => c.passed && !c.pending).length,
    total: lab.checks.length,
    pending: checks.filter((c) => c.pending).length,
    failing: checks.filter((c) => !c.passed || c.pending).map((c) => c.name),
    runId: run.runId,
    source,
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
  const checks = evaluateChecks(lab, results);
  // a step without result.json did not complete (or the run is still going): not a passing run
  const complete = lab.steps.every((s) => results.get(s.name) !== undefined);
  return gradeOf(student, lab, { runId, checks, state: complete && checks.every((c) => c.passed) ? 'COMPLETED' : 'FAILED' }, 's3');
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
      return own ?? { student, lab: lab.id, state: 'NOT RUN', passed: 0, total: lab.checks.length, pending: 0, failing: [] };
    } finally {
      await engine.dispose();
    }
  });
}

/** The cohort's live clusters, one row each, with the student and lab their tags name. */
export async function cohortStatus(ctx: EmrContext, config: Config, cohort: string): Promise<ClusterView[]> {
  return (await cohortClusters(ctx, config, cohort)).map(viewOf).sort((a, b) => (a.student ?? '').localeCompare(b.student ?? ''));
}
