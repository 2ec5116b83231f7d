import type { Lab } from '../../core/lab/lab-schema.js';
import type { RunPlan } from '../../core/run/run-plan.js';
import type { RunListener, StepRecord } from '../../core/run/run-record.js';
import type { Engine, PlanOptions, RunContext, StepOutcome } from '../engine.js';
import type { EmrEngine, EmrEngineOptions } from './emr-engine.js';

/**
 * The EMR engine behind a dynamic import: creating it costs nothing, and the AWS SDK loads only when a run
 * actually prepares (so `labs start --target local`, `labs list` and friends never load it).
 */
export class LazyEmrEngine implements Engine {
  readonly target = 'emr' as const;
  readonly queues = true;
  private inner: EmrEngine | undefined;

  constructor(private readonly opts: EmrEngineOptions) {}

  private get engine(): EmrEngine {
    if (!this.inner) throw new Error('EmrEngine.prepare() must run first');
    return this.inner;
  }

  private async load(): Promise<EmrEngine> {
    const { EmrEngine } = await import('./emr-engine.js');
    this.inner ??= new EmrEngine(this.opts);
    return this.inner;
  }

  async prepare(onEvent: RunListener, signal: AbortSignal, lab?: Lab): Promise<void> {
    await (await this.load()).prepare(onEvent, signal, lab);
  }

  plan(lab: Lab, runId: string, o?: PlanOptions): RunPlan {
    return this.engine.plan(lab, runId, o);
  }

  submit(plan: RunPlan, onEvent: RunListener, signal: AbortSignal, o: { waitReady: boolean }): Promise<StepRecord[]> {
    return this.engine.submit(plan, onEvent, signal, o);
  }

  awaitStep(run: RunPlan, record: StepRecord, onEvent: RunListener, signal: AbortSignal): Promise<StepOutcome> {
    return this.engine.awaitStep(run, record, onEvent, signal);
  }

  /** `labs status` and `labs check` refresh a queued run without preparing one. */
  async lookStep(run: RunContext, record: StepRecord): Promise<StepOutcome> {
    return (await this.load()).lookStep(run, record);
  }

  async cancel(run: RunContext, records: StepRecord[]): Promise<void> {
    await (await this.load()).cancel(run, records);
  }

  async readMetric(run: RunContext, record: StepRecord, metric: { name: string; stat: string }): Promise<number | undefined> {
    return (await this.load()).readMetric(run, record, metric);
  }

  /** `labs check` reads results without preparing a run. */
  async readResult(run: RunContext, step: string): Promise<unknown> {
    return (await this.load()).readResult(run, step);
  }

  async dispose(): Promise<void> {
    await this.inner?.dispose();
  }
}
