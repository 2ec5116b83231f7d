import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Cluster, Step as EmrStep } from '@aws-sdk/client-emr';
import type { Config } from '../../core/config.js';
import { diagnose, type Diagnosis } from '../../core/diagnose.js';
import { runPrefix, s3Uri, stepPrefix } from '../../core/emr-layout.js';
import { emrSubmitArgv, stepConfig, validateSteps } from '../../core/emr-steps-plan.js';
import { InterruptedError, isLabsError } from '../../core/errors.js';
import type { Lab, Step } from '../../core/lab-schema.js';
import type { RunListener, StepRecord, StepState } from '../../core/run-record.js';
import type { AwsClients, AwsOptions } from '../../aws/clients.js';
import { addStep, cancelSteps, waitForStep } from '../../aws/emr.js';
import { ensureDatabase, glueDatabaseName } from '../../aws/glue.js';
import { ensureBucket, getObjectText, uploadIfChanged } from '../../aws/s3.js';
import type { Engine, RunContext } from '../engine.js';
import { ensureCluster } from './cluster.js';
import { connect, type EmrContext } from './emr-context.js';
import { fetchStepLog } from './step-logs.js';
import { artifactShas, labUploads } from './uploads.js';

/** How long to wait and how often to look; the defaults suit real EMR, tests shrink them. */
export interface EmrTiming {
  clusterMaxWaitSeconds: number;
  clusterDelay: { min: number; max: number };
  stepDelay: { min: number; max: number };
  logPollSeconds: number;
}

export const DEFAULT_TIMING: EmrTiming = {
  clusterMaxWaitSeconds: 45 * 60,
  // EMR's own waiter defaults (30..120 s) are made for scripts; a student watching a step wants to see it end sooner.
  clusterDelay: { min: 30, max: 60 },
  stepDelay: { min: 10, max: 30 },
  logPollSeconds: 15,
};

export interface EmrEngineOptions {
  config: Config;
  projectRoot: string;
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

interface LabOnCluster {
  cluster: Cluster;
  logUri: string;
  shas: Record<string, string>;
}

const TERMINAL: StepState[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/**
 * Labs on Amazon EMR: the student's tagged cluster (found or created), artifacts in the student's S3 prefix, each step
 * a command-runner.jar spark-submit, waited for with the SDK's waiters, explained from its stderr when it fails.
 */
export class EmrEngine implements Engine {
  readonly target = 'emr' as const;
  private ctx: EmrContext | undefined;
  private readonly ready = new Map<string, Promise<LabOnCluster>>();
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

  /** Credentials (STS), region and the student's bucket; the cluster waits for the first step (it depends on the lab). */
  async prepare(onEvent: RunListener, _signal: AbortSignal): Promise<void> {
    onEvent({ type: 'setup', message: 'checking AWS credentials' });
    this.ctx = await connect(this.opts.config, { ...this.opts.aws, clients: this.opts.clients });
    const { bucket } = this.ctx.layout;
    // The default bucket name embeds this account, so S3 can check the owner; a course bucket may be the instructor's.
    const owner = this.opts.config.emr.bucket ? undefined : this.ctx.account;
    const made = await ensureBucket(this.ctx.clients.s3, bucket, this.ctx.region, owner);
    onEvent({ type: 'setup', message: made === 'created' ? `created bucket s3://${bucket} (private, encrypted, TLS only)` : `bucket s3://${bucket}` });
  }

  runDir(lab: Lab, runId: string): string {
    return s3Uri(this.context.layout.bucket, runPrefix(this.context.layout, lab.id, runId));
  }

  stepArgv(run: RunContext, step: Step): string[] {
    return emrSubmitArgv({ lab: run.lab, layout: this.context.layout, runId: run.runId, artifactSha: artifactShas(run.lab, this.opts.projectRoot) }, step);
  }

  /** Cluster ready, Glue database there, artifacts and data uploaded: once per lab per command. */
  private labOnCluster(lab: Lab, onEvent: RunListener, signal: AbortSignal): Promise<LabOnCluster> {
    let p = this.ready.get(lab.id);
    if (!p) {
      p = this.setUpLab(lab, onEvent, signal);
      this.ready.set(lab.id, p);
      p.catch(() => this.ready.delete(lab.id));
    }
    return p;
  }

  private async setUpLab(lab: Lab, onEvent: RunListener, signal: AbortSignal): Promise<LabOnCluster> {
    const ctx = this.context;
    const say = (message: string) => onEvent({ type: 'setup', message });
    const shas = artifactShas(lab, this.opts.projectRoot);
    const uploads = labUploads(lab, this.opts.projectRoot, ctx.layout, shas);
    const sent = await Promise.all(uploads.map((u) => uploadIfChanged(ctx.clients.s3, u)));
    const n = sent.filter((s) => s === 'uploaded').length;
    say(`artifacts: ${n} uploaded, ${uploads.length - n} unchanged`);
    if (lab.cluster.catalog === 'glue') {
      const db = glueDatabaseName(ctx.layout.student);
      await ensureDatabase(ctx.clients.glue, db, s3Uri(ctx.layout.bucket, `${ctx.layout.student}/warehouse/${db}.db/`));
    }
    try {
      const { cluster } = await ensureCluster(ctx, {
        config: this.opts.config,
        student: ctx.layout.student,
        cohort: this.opts.cohort,
        lab,
        fleets: this.opts.fleets ?? false,
        now: this.now(),
        wait: { maxWaitTime: this.timing.clusterMaxWaitSeconds, minDelay: this.timing.clusterDelay.min, maxDelay: this.timing.clusterDelay.max, abortSignal: signal },
        create: { lookupDelaysMs: this.opts.lookupDelaysMs, sleep: this.sleep },
        onMessage: say,
      });
      return { cluster, logUri: cluster.LogUri ?? '', shas };
    } catch (e) {
      if (e instanceof InterruptedError) {
        throw new InterruptedError('stopped while the cluster was starting; it keeps starting and is tagged as yours', 'run the command again to use it, or `labs cluster down` to end it');
      }
      throw e;
    }
  }

  async runStep(run: RunContext, step: Step, onEvent: RunListener, signal: AbortSignal): Promise<StepRecord> {
    const { cluster, logUri, shas } = await this.labOnCluster(run.lab, onEvent, signal);
    const ctx = this.context;
    const clusterId = cluster.Id!;
    const planned = stepConfig({ lab: run.lab, layout: ctx.layout, runId: run.runId, artifactSha: shas }, step);
    validateSteps([planned], run.lab.id);
    const record: StepRecord = {
      name: step.name,
      state: 'PENDING',
      argv: planned.HadoopJarStep!.Args!,
      out: s3Uri(ctx.layout.bucket, stepPrefix(ctx.layout, run.lab.id, run.runId, step.name)),
    };
    const stepId = await addStep(ctx.clients.emr, clusterId, planned);
    record.emr = { clusterId, stepId, logUri };
    onEvent({ type: 'setup', message: `step ${step.name} (${stepId}) queued on ${clusterId}` });

    let final: EmrStep;
    try {
      final = await waitForStep(ctx.clients.emr, clusterId, stepId, {
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
      // Ctrl-C: the student wants the step stopped, not left running on the cluster.
      await cancelSteps(ctx.clients.emr, clusterId, [stepId]).catch(() => undefined);
      final = { Id: stepId, Status: { State: 'CANCELLED' } };
    }
    return this.finish(run, step, record, final, clusterId, logUri, onEvent, signal);
  }

  private async finish(run: RunContext, step: Step, record: StepRecord, final: EmrStep, clusterId: string, logUri: string, onEvent: RunListener, signal: AbortSignal): Promise<StepRecord> {
    const state = (final.Status?.State ?? 'FAILED') as StepState | 'INTERRUPTED';
    const timeline = final.Status?.Timeline;
    if (timeline?.StartDateTime) record.startedAt = new Date(timeline.StartDateTime).toISOString();
    record.endedAt = (timeline?.EndDateTime ? new Date(timeline.EndDateTime) : this.now()).toISOString();
    if (record.startedAt) record.seconds = (Date.parse(record.endedAt) - Date.parse(record.startedAt)) / 1000;

    if (!TERMINAL.includes(state as StepState)) {
      // Still running after the step's timeout: stop it so it does not hold the cluster.
      await cancelSteps(this.context.clients.emr, clusterId, [final.Id!]).catch(() => undefined);
      record.state = 'FAILED';
      record.failure = { cause: 'unknown', summary: `timed out after ${step.timeoutMinutes} min`, frames: [], hint: 'raise timeoutMinutes in lab.yaml or look for a stuck stage in the Spark UI (`labs ui`)' };
    } else {
      record.state = state as StepState;
    }
    if (record.state === 'FAILED' && !record.failure) record.failure = await this.explainFailure(run, step, record, final, clusterId, logUri, onEvent, signal);
    onEvent({ type: 'step-end', step: { ...record } });
    return record;
  }

  /** The step's stderr from LogUri (EMR pushes logs every few minutes, so wait for it), kept locally for `labs logs`. */
  private async explainFailure(run: RunContext, step: Step, record: StepRecord, final: EmrStep, clusterId: string, logUri: string, onEvent: RunListener, signal: AbortSignal): Promise<Diagnosis> {
    const details = final.Status?.FailureDetails;
    let log: string | undefined;
    if (logUri && this.opts.config.emr.logWaitSeconds > 0) {
      onEvent({ type: 'setup', message: `step ${step.name} failed; fetching its log from ${logUri} (EMR uploads logs every few minutes)` });
      const wait = { maxSeconds: this.opts.config.emr.logWaitSeconds, pollSeconds: this.timing.logPollSeconds, sleep: this.sleep, signal };
      try {
        log = await fetchStepLog(this.context.clients.s3, logUri, clusterId, final.Id!, 'stderr', wait);
        const stdout = log === undefined ? undefined : await fetchStepLog(this.context.clients.s3, logUri, clusterId, final.Id!, 'stdout', { ...wait, maxSeconds: 0 });
        if (log !== undefined) record.logs = this.keepLogs(run, step, log, stdout ?? '');
      } catch (e) {
        if (!isLabsError(e)) throw e;
      }
    }
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

  private keepLogs(run: RunContext, step: Step, stderr: string, stdout: string): { stdout: string; stderr: string } {
    const dir = path.join(this.opts.runsDir, run.lab.id, run.runId, step.name);
    mkdirSync(dir, { recursive: true });
    const files = { stdout: path.join(dir, 'stdout.log'), stderr: path.join(dir, 'stderr.log') };
    writeFileSync(files.stderr, stderr);
    writeFileSync(files.stdout, stdout);
    return files;
  }

  async readResult(run: RunContext, step: string): Promise<unknown> {
    // `labs check` reads results without a prepare(): connect on demand.
    this.ctx ??= await connect(this.opts.config, { ...this.opts.aws, clients: this.opts.clients });
    const { layout, clients } = this.ctx;
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
