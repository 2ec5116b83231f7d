import type { Config } from '../../core/config.js';
import type { Lab } from '../../core/lab/lab-schema.js';
import type { RunPlan } from '../../core/run/run-plan.js';
import type { RunListener, StepRecord } from '../../core/run/run-record.js';
import type { Engine, PlanOptions, RunContext, StepOutcome } from '../engine.js';
import type { EmrTiming } from '../emr/emr-engine.js';
import { LazyEmrEngine } from '../emr/lazy-emr-engine.js';
import { probeSandbox, sandboxAws, SANDBOX_REGION } from './sandbox-home.js';
import { sandboxDied, sandboxEndpoint } from './sandbox-endpoint.js';

export interface SandboxEngineOptions {
  config: Config;
  projectRoot: string;
  cacheDir: string;
  runsDir: string;
  labsHome: string;
  env: NodeJS.ProcessEnv;
  cohort?: string | undefined;
}

/** The sandbox answers in seconds, not minutes: poll it as often as a student would like EMR to be polled. */
export const SANDBOX_TIMING: EmrTiming = {
  clusterMaxWaitSeconds: 600,
  // on loopback a DescribeStep costs milliseconds and no API bucket: a step's end is seen within ~1-2 s
  clusterDelay: { min: 1, max: 3 },
  stepDelay: { min: 1, max: 2 },
  logPollSeconds: 2,
  // the sandbox publishes every 60 s (LABS_SANDBOX_METRICS_SECONDS): a step's last minute reaches CloudWatch soon
  metricPeriodSeconds: 60,
  metricWaitSeconds: 150,
  // measured by `npm run bench` (sandbox up): 25 s to WAITING on 2 quiet cores
  clusterStartEstimate: 'under a minute here',
};

/** The course config as the sandbox applies it: its own idle timeout and region; logs are in S3 when a step ends. */
export function sandboxConfig(config: Config): Config {
  return { ...config, target: 'sandbox', emr: { ...config.emr, region: SANDBOX_REGION, idleTimeoutSeconds: config.sandbox.idleTimeoutSeconds, logWaitSeconds: Math.min(config.emr.logWaitSeconds, 20) } };
}

/**
 * Target `sandbox`: the EMR engine, unchanged, with its clients pointed at the sandbox on 127.0.0.1 (started here
 * when it is not up). Everything else (the plan, cluster by tags, uploads, steps, logs, diagnosis, checks) is the
 * EMR path; only the plan's and the run's target say where it went.
 */
export class SandboxEngine implements Engine {
  readonly target = 'sandbox' as const;
  readonly queues = true;
  private inner: LazyEmrEngine | undefined;

  constructor(private readonly opts: SandboxEngineOptions) {}

  private emr(endpoint: string): LazyEmrEngine {
    this.inner ??= new LazyEmrEngine({
      config: sandboxConfig(this.opts.config),
      projectRoot: this.opts.projectRoot,
      cacheDir: this.opts.cacheDir,
      runsDir: this.opts.runsDir,
      cohort: this.opts.cohort,
      aws: sandboxAws(endpoint, this.opts.env),
      timing: SANDBOX_TIMING,
    });
    return this.inner;
  }

  private get engine(): LazyEmrEngine {
    if (!this.inner) throw new Error('SandboxEngine.prepare() must run first');
    return this.inner;
  }

  /** For commands that read a run (status, check, stop): the sandbox must be up, nothing is started. */
  private async connected(): Promise<LazyEmrEngine> {
    return this.inner ?? this.emr(await sandboxEndpoint(this.opts.labsHome));
  }

  async prepare(onEvent: RunListener, signal: AbortSignal, lab?: Lab): Promise<void> {
    const say = (message: string) => onEvent({ type: 'setup', message });
    const endpoint = await sandboxEndpoint(this.opts.labsHome, {
      start: { config: this.opts.config, cacheDir: this.opts.cacheDir, projectRoot: this.opts.projectRoot, env: this.opts.env, onProgress: say, signal },
      onStarted: (ep, wasDead) => say(`the sandbox was ${wasDead ? 'dead' : 'not running'}: started it on ${ep} (\`labs sandbox down\` stops it)`),
    });
    say(`sandbox: EMR, S3, Glue and CloudWatch on ${endpoint}`);
    await this.guard(() => this.emr(endpoint).prepare(onEvent, signal, lab));
  }

  /** An error while the sandbox itself has died is that death, told with its fix, not the SDK's connection error. */
  private async guard<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (e) {
      const probe = await probeSandbox(this.opts.labsHome);
      if (probe.state === 'dead') throw sandboxDied(probe.pid, probe.log);
      throw e;
    }
  }

  plan(lab: Lab, runId: string, o?: PlanOptions): RunPlan {
    return { ...this.engine.plan(lab, runId, o), target: 'sandbox' };
  }

  submit(plan: RunPlan, onEvent: RunListener, signal: AbortSignal, o: { waitReady: boolean }): Promise<StepRecord[]> {
    return this.guard(() => this.engine.submit(plan, onEvent, signal, o));
  }

  awaitStep(run: RunPlan, record: StepRecord, onEvent: RunListener, signal: AbortSignal): Promise<StepOutcome> {
    return this.guard(() => this.engine.awaitStep(run, record, onEvent, signal));
  }

  async lookStep(run: RunContext, record: StepRecord): Promise<StepOutcome> {
    const emr = await this.connected();
    return this.guard(() => emr.lookStep(run, record));
  }

  async cancel(run: RunContext, records: StepRecord[]): Promise<void> {
    const emr = await this.connected();
    await this.guard(() => emr.cancel(run, records));
  }

  async readMetric(run: RunContext, record: StepRecord, metric: { name: string; stat: string }): Promise<number | undefined> {
    const emr = await this.connected();
    return this.guard(() => emr.readMetric(run, record, metric));
  }

  async readResult(run: RunContext, step: string): Promise<unknown> {
    const emr = await this.connected();
    return this.guard(() => emr.readResult(run, step));
  }

  async dispose(): Promise<void> {
    await this.inner?.dispose();
  }
}
