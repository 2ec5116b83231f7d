import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Cluster, Step as EmrStep } from '@aws-sdk/client-emr';
import type { Config } from '../../core/config.js';
import { diagnose, type Diagnosis } from '../../core/run/diagnose.js';
import { s3Uri, stepPrefix } from '../../core/emr/layout.js';
import { initialRecords, runPlan, type RunPlan } from '../../core/run/run-plan.js';
import { InterruptedError, isLabsError } from '../../core/errors.js';
import type { Lab, Step } from '../../core/lab/lab-schema.js';
import type { RunListener, StepRecord, StepState } from '../../core/run/run-record.js';
import type { AwsClients, AwsOptions } from '../../aws/clients.js';
import { clusterMetricValues } from '../../aws/cloudwatch.js';
import { addSteps, cancelSteps, describeStep, waitForStep } from '../../aws/emr.js';
import { ensureDatabase, glueDatabaseName } from '../../aws/glue.js';
import { getObjectText, uploadIfChanged } from '../../aws/s3.js';
import { stepExecutionRoleArn } from '../../core/emr/runtime-role.js';
import { isScalaJob } from '../../core/run/step-plan.js';
import type { Engine, PlanOptions, RunContext, StepOutcome } from '../engine.js';
import { readLabFiles } from '../lab-files.js';
import { ensureScalaJar } from '../scala-build.js';
import { EMR_CLUSTER_START, ensureCluster } from './cluster.js';
import { connect, ensureLayoutBucket, type EmrContext } from '../../aws/session.js';
import { fetchDriverLog, fetchStepLog } from './step-logs.js';

/** How long to wait and how often to look; the defaults suit real EMR, tests shrink them. */
export interface EmrTiming {
  clusterMaxWaitSeconds: number;
  clusterDelay: { min: number; max: number };
  stepDelay: { min: number; max: number };
  logPollSeconds: number;
  /** the period a metric check reads CloudWatch at (EMR's basic monitoring: 5 minutes) */
  metricPeriodSeconds: number;
  /** how long a metric check waits for the step's window to have a datapoint */
  metricWaitSeconds: number;
  /** what the start message promises ("clusters take ... to start") */
  clusterStartEstimate: string;
}

export const DEFAULT_TIMING: EmrTiming = {
  clusterMaxWaitSeconds: 45 * 60,
  // EMR's own waiter defaults (30..120 s) are made for scripts; a student watching a step wants to see it end sooner.
  clusterDelay: { min: 30, max: 60 },
  stepDelay: { min: 10, max: 30 },
  logPollSeconds: 15,
  // EMR publishes every 5 minutes, minutes late: a check run right after the step says "look again later" instead
  metricPeriodSeconds: 300,
  metricWaitSeconds: 0,
  clusterStartEstimate: EMR_CLUSTER_START,
};

export interface EmrEngineOptions {
  config: Config;
  projectRoot: string;
  /** where the Scala build keeps its Maven repository */
  cacheDir: string;
  /** LABS_HOME/runs: failed steps' logs are copied here so `labs logs` reads them like local ones */
  runsDir: string;
  aws?: AwsOptions;
  /** injected by tests; else made by aws/clients.ts */
  clients?: AwsClients;
  fleets?: boolean;
  cohort?: string;
  timing?: Partial<EmrTiming>;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** pauses before looking for a cluster whose RunJobFlow response was lost */
  lookupDelaysMs?: number[];
}

const TERMINAL: StepState[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
const isTerminal = (s: EmrStep) => TERMINAL.includes(s.Status?.State as StepState);

/** The record of a step as EMR last described it; one still RUNNING here has overrun its timeoutMinutes. */
function settle(record: StepRecord, final: EmrStep, step: Step, now: Date): void {
  const timeline = final.Status?.Timeline;
  if (timeline?.StartDateTime) record.startedAt = new Date(timeline.StartDateTime).toISOString();
  record.endedAt = (timeline?.EndDateTime ? new Date(timeline.EndDateTime) : now).toISOString();
  if (record.startedAt) record.seconds = (Date.parse(record.endedAt) - Date.parse(record.startedAt)) / 1000;
  if (isTerminal(final)) {
    record.state = final.Status!.State as StepState;
    return;
  }
  record.state = 'FAILED';
  record.failure = { cause: 'unknown', summary: `timed out after ${step.timeoutMinutes} min`, frames: [], hint: 'raise timeoutMinutes in lab.yaml or look for a stuck stage in the Spark UI (`labs ui`)' };
}

/**
 * Labs on Amazon EMR: the student's tagged cluster (found or created), artifacts in the student's S3 prefix, each step
 * a command-runner.jar spark-submit, waited for with the SDK's waiters, explained from its stderr when it fails.
 */
export class EmrEngine implements Engine {
  readonly target = 'emr' as const;
  readonly queues = true;
  private ctx: EmrContext | undefined;
  private readonly timing: EmrTiming;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: EmrEngineOptions) {
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.now = opts.now ?? (() => new Date());
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  private get context(): EmrContext {
    if (!this.ctx) throw new Error('EmrEngine.prepare() must run first');
    return this.ctx;
  }

  /**
   * The Scala jar when the lab runs one (its checksum names its S3 key, so it is built before anything is hashed),
   * credentials (STS), region and the student's bucket; the cluster waits for the first step (it depends on the lab).
   */
  async prepare(onEvent: RunListener, signal: AbortSignal, lab?: Lab): Promise<void> {
    if (lab?.steps.some(isScalaJob)) {
      await ensureScalaJar({ projectRoot: this.opts.projectRoot, cacheDir: this.opts.cacheDir, onProgress: (message) => onEvent({ type: 'setup', message }), signal, env: this.opts.aws?.env });
    }
    onEvent({ type: 'setup', message: 'checking AWS credentials' });
    const ctx = await this.connected();
    const { bucket } = ctx.layout;
    const made = await ensureLayoutBucket(ctx, this.opts.config, (message) => onEvent({ type: 'setup', message }));
    const hardening = ctx.tlsOnly ? 'private, encrypted, TLS only' : 'private, encrypted; no TLS-only policy: the endpoint is a plain-HTTP emulator on this machine';
    onEvent({ type: 'setup', message: made === 'created' ? `created bucket s3://${bucket} (${hardening})` : `bucket s3://${bucket}` });
  }

  /** The run as it will go: the cluster, the uploads and every step, with the artifacts hashed once, here. */
  plan(lab: Lab, runId: string, o: PlanOptions = {}): RunPlan {
    const { layout } = this.context;
    const files = readLabFiles(lab, this.opts.projectRoot, { jobFiles: o.jobFiles, hash: true });
    return runPlan({ lab, config: this.opts.config, runId, student: layout.student, files, where: { target: 'emr', layout, cohort: this.opts.cohort, fleets: this.opts.fleets ?? false, now: this.now() } });
  }

  /**
   * The plan sent: artifacts and data uploaded (each only when changed), the Glue database, the student's cluster of
   * the plan's shape (found or made; ready, unless the steps are only queued), then every step in one AddJobFlowSteps
   * call (EMR runs them in order). Returns the steps' PENDING records with their EMR step ids.
   */
  async submit(plan: RunPlan, onEvent: RunListener, signal: AbortSignal, o: { waitReady: boolean }): Promise<StepRecord[]> {
    const ctx = this.context;
    const say = (message: string) => onEvent({ type: 'setup', message });
    const sent = await Promise.all(plan.uploads.map((u) => uploadIfChanged(ctx.clients.s3, u)));
    const n = sent.filter((s) => s === 'uploaded').length;
    say(`artifacts: ${n} uploaded, ${plan.uploads.length - n} unchanged`);
    if (plan.lab.cluster.catalog === 'glue') {
      const db = glueDatabaseName(ctx.layout.student);
      await ensureDatabase(ctx.clients.glue, db, s3Uri(ctx.layout.bucket, `${ctx.layout.student}/warehouse/${db}.db/`));
    }
    const cluster = await this.clusterFor(plan, say, signal, o.waitReady);
    const clusterId = cluster.Id!;
    const logUri = cluster.LogUri ?? '';
    const ids = await addSteps(ctx.clients.emr, clusterId, plan.steps.map((s) => s.emr!), stepExecutionRoleArn(this.opts.config, ctx.account, ctx.region));
    const records = initialRecords(plan).map((r, i): StepRecord => ({ ...r, emr: { clusterId, stepId: ids[i]!, logUri } }));
    say(`queued on ${clusterId}: ${records.map((r) => `${r.name} (${r.emr!.stepId})`).join(', ')}`);
    return records;
  }

  private async clusterFor(plan: RunPlan, say: (m: string) => void, signal: AbortSignal, waitReady: boolean): Promise<Cluster> {
    try {
      const { cluster } = await ensureCluster(this.context, {
        config: this.opts.config,
        student: plan.student,
        cohort: this.opts.cohort,
        cluster: plan.cluster!,
        waitReady,
        wait: { maxWaitTime: this.timing.clusterMaxWaitSeconds, minDelay: this.timing.clusterDelay.min, maxDelay: this.timing.clusterDelay.max, abortSignal: signal },
        create: { lookupDelaysMs: this.opts.lookupDelaysMs, sleep: this.sleep },
        startEstimate: this.timing.clusterStartEstimate,
        onMessage: say,
      });
      return cluster;
    } catch (e) {
      if (e instanceof InterruptedError) {
        throw new InterruptedError('stopped while the cluster was starting; it keeps starting and is tagged as yours', 'run the command again to use it, or `labs cluster down` to end it');
      }
      throw e;
    }
  }

  /** The step waited for with the SDK's waiter; Ctrl-C or its timeoutMinutes leave it live on the cluster. */
  async awaitStep(run: RunPlan, planned: StepRecord, onEvent: RunListener, signal: AbortSignal): Promise<StepOutcome> {
    const step = run.lab.steps.find((s) => s.name === planned.name)!;
    const record: StepRecord = { ...planned };
    const { clusterId, stepId } = record.emr!;
    let final: EmrStep;
    try {
      final = await waitForStep(this.context.clients.emr, clusterId, stepId, {
        maxWaitTime: step.timeoutMinutes * 60,
        minDelay: this.timing.stepDelay.min,
        maxDelay: this.timing.stepDelay.max,
        abortSignal: signal,
        onState: (s) => {
          if (s === 'RUNNING' && record.state === 'PENDING') {
            record.state = 'RUNNING';
            record.startedAt = this.now().toISOString();
            onEvent({ type: 'step-start', step: { ...record } });
          }
        },
      });
    } catch (e) {
      if (!signal.aborted && !(e instanceof InterruptedError)) throw e;
      // Ctrl-C: the student wants the run stopped, not left running on the cluster.
      final = { Id: stepId, Status: { State: 'CANCELLED' } };
      return { record: await this.conclude(run, step, record, final, onEvent, signal), stillLive: true };
    }
    const timedOut = !isTerminal(final);
    return { record: await this.conclude(run, step, record, final, onEvent, signal), stillLive: timedOut };
  }

  private async conclude(run: RunContext, step: Step, record: StepRecord, final: EmrStep, onEvent: RunListener, signal: AbortSignal): Promise<StepRecord> {
    settle(record, final, step, this.now());
    if (record.state === 'FAILED' && !record.failure) record.failure = await this.explainFailure(run, step, record, final, onEvent, signal, this.opts.config.emr.logWaitSeconds);
    onEvent({ type: 'step-end', step: { ...record } });
    return record;
  }

  /**
   * A queued step as EMR has it now (`labs status`, `labs check` after `--no-wait`). A step that overran its
   * timeoutMinutes counts as failed and stays live until cancelled. A failed step is explained from the log EMR has
   * uploaded so far, without waiting for more.
   */
  async lookStep(run: RunContext, prev: StepRecord): Promise<StepOutcome> {
    // connected first: without credentials the whole refresh stops here, whatever the record holds
    const ctx = await this.connected();
    const step = run.lab.steps.find((s) => s.name === prev.name);
    if (!prev.emr || !step) return { record: prev, stillLive: false };
    const record: StepRecord = { ...prev };
    const final = await describeStep(ctx.clients.emr, prev.emr.clusterId, prev.emr.stepId);
    const started = final.Status?.Timeline?.StartDateTime;
    const overran = final.Status?.State === 'RUNNING' && started !== undefined && this.now().getTime() - new Date(started).getTime() > step.timeoutMinutes * 60_000;
    if (overran || isTerminal(final)) {
      settle(record, final, step, this.now());
      if (record.state === 'FAILED' && !record.failure) record.failure = await this.explainFailure(run, step, record, final, () => {}, new AbortController().signal, 0);
      return { record, stillLive: overran };
    }
    record.state = final.Status?.State === 'RUNNING' ? 'RUNNING' : 'PENDING';
    if (started) record.startedAt = new Date(started).toISOString();
    return { record, stillLive: false };
  }

  /** A step that ended meanwhile cannot be cancelled; that is not a problem worth reporting. */
  async cancel(run: RunContext, records: StepRecord[]): Promise<void> {
    const byCluster = new Map<string, string[]>();
    for (const r of records) if (r.emr) byCluster.set(r.emr.clusterId, [...(byCluster.get(r.emr.clusterId) ?? []), r.emr.stepId]);
    if (!byCluster.size) return;
    const { clients } = await this.connected();
    for (const [clusterId, stepIds] of byCluster) await cancelSteps(clients.emr, clusterId, stepIds).catch(() => undefined);
  }

  /** The step's stderr from LogUri (EMR pushes logs every few minutes, so wait for it), kept locally for `labs logs`. */
  private async explainFailure(run: RunContext, step: Step, record: StepRecord, final: EmrStep, onEvent: RunListener, signal: AbortSignal, logWaitSeconds: number): Promise<Diagnosis> {
    const details = final.Status?.FailureDetails;
    const { clusterId, logUri } = record.emr!;
    let log: string | undefined;
    if (logUri) {
      if (logWaitSeconds > 0) onEvent({ type: 'setup', message: `step ${step.name} failed; fetching its log from ${logUri} (EMR uploads logs every few minutes)` });
      const wait = { maxSeconds: logWaitSeconds, pollSeconds: this.timing.logPollSeconds, sleep: this.sleep, signal };
      try {
        log = await fetchStepLog(this.context.clients.s3, logUri, clusterId, final.Id!, 'stderr', wait);
        const stdout = log === undefined ? undefined : await fetchStepLog(this.context.clients.s3, logUri, clusterId, final.Id!, 'stdout', { ...wait, maxSeconds: 0 });
        if (log !== undefined) record.logs = this.keepLogs(run, step, log, stdout ?? '');
      } catch (e) {
        if (!isLabsError(e)) throw e;
      }
    }
    const fromDriver = log === undefined ? undefined : await this.driverDiagnosis(logUri, clusterId, log);
    if (fromDriver) return fromDriver;
    const fromLog = log === undefined ? undefined : diagnose(log);
    if (fromLog && fromLog.cause !== 'unknown') return fromLog;
    if (details?.Message || details?.Reason) {
      return {
        cause: 'unknown',
        summary: [details.Reason, details.Message].filter(Boolean).join(': '),
        frames: [],
        hint: details.LogFile ? `EMR points at ${details.LogFile}` : `\`labs logs ${run.lab.id} --step ${step.name}\``,
      };
    }
    return fromLog ?? { cause: 'unknown', summary: 'the step failed and its log has not reached S3 yet', frames: [], hint: `a few minutes from now: \`labs logs ${run.lab.id} --step ${step.name}\`` };
  }

  /** The driver's own log (cluster deploy mode), when it names a cause the step's log does not. */
  private async driverDiagnosis(logUri: string, clusterId: string, stepLog: string): Promise<Diagnosis | undefined> {
    try {
      const text = await fetchDriverLog(this.context.clients.s3, logUri, clusterId, stepLog);
      const d = text ? diagnose(text) : undefined;
      return d && d.cause !== 'unknown' ? d : undefined;
    } catch (e) {
      if (isLabsError(e)) return undefined;
      throw e;
    }
  }

  private keepLogs(run: RunContext, step: Step, stderr: string, stdout: string): { stdout: string; stderr: string } {
    const dir = path.join(this.opts.runsDir, run.lab.id, run.runId, step.name);
    mkdirSync(dir, { recursive: true });
    const files = { stdout: path.join(dir, 'stdout.log'), stderr: path.join(dir, 'stderr.log') };
    writeFileSync(files.stderr, stderr);
    writeFileSync(files.stdout, stdout);
    return files;
  }

  /**
   * The engine's AWS session, made here only (from its options: profile, region, an emulator's endpoint, or clients
   * a test injects). `labs check` and `labs status` read and refresh runs without a prepare(): connect on demand.
   */
  private async connected(): Promise<EmrContext> {
    this.ctx ??= await connect(this.opts.config, { ...this.opts.aws, clients: this.opts.clients });
    return this.ctx;
  }

  async readMetric(_run: RunContext, record: StepRecord, metric: { name: string; stat: string }): Promise<number | undefined> {
    if (!record.emr || !record.startedAt || !record.endedAt) return undefined;
    const { clients } = await this.connected();
    const period = this.timing.metricPeriodSeconds;
    // the periods the step overlaps: from the one it started in to the one it ended in
    const start = new Date(Math.floor(Date.parse(record.startedAt) / 1000 / period) * period * 1000);
    const end = new Date(Math.ceil(Date.parse(record.endedAt) / 1000 / period) * period * 1000);
    const deadline = Date.now() + this.timing.metricWaitSeconds * 1000;
    for (;;) {
      const values = await clusterMetricValues(clients.cloudwatch, record.emr.clusterId, { metric: metric.name, stat: metric.stat, start, end, periodSeconds: period });
      if (values.length) return metric.stat === 'Maximum' ? Math.max(...values) : metric.stat === 'Minimum' ? Math.min(...values) : values.reduce((a, b) => a + b, 0) / values.length;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await this.sleep(Math.min(10_000, left));
    }
  }

  async readResult(run: RunContext, step: string): Promise<unknown> {
    const { layout, clients } = await this.connected();
    const text = await getObjectText(clients.s3, layout.bucket, `${stepPrefix(layout, run.lab.id, run.runId, step)}/result.json`);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  }

  async dispose(): Promise<void> {
    if (!this.opts.clients) for (const c of Object.values(this.ctx?.clients ?? {})) c.destroy();
  }
}
