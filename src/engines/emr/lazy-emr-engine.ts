import type { Lab, Step } from '../../core/lab-schema.js';
import type { RunListener, StepRecord } from '../../core/run-record.js';
import type { Engine, RunContext } from '../engine.js';
import type { EmrEngine, EmrEngineOptions } from './emr-engine.js';

/**
 * The EMR engine behind a dynamic import: creating it costs nothing, and the AWS SDK loads only when a run
 * actually prepares (so `labs start --target local`, `labs list` and friends never load it).
 */
export class LazyEmrEngine implements Engine {
  readonly target = 'emr' as const;
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

  runDir(lab: Lab, runId: string): string {
    return this.engine.runDir(lab, runId);
  }

  stepArgv(run: RunContext, step: Step): string[] {
    return this.engine.stepArgv(run, step);
  }

  runStep(run: RunContext, step: Step, onEvent: RunListener, signal: AbortSignal): Promise<StepRecord> {
    return this.engine.runStep(run, step, onEvent, signal);
  }

  submitRun(run: RunContext, onEvent: RunListener, signal: AbortSignal): Promise<StepRecord[]> {
    return this.engine.submitRun(run, onEvent, signal);
  }

  /** `labs status` and `labs check` refresh a queued run without preparing one. */
  async refreshSteps(run: RunContext, steps: StepRecord[]): Promise<StepRecord[]> {
    return (await this.load()).refreshSteps(run, steps);
  }

  /** `labs check` reads results without preparing a run. */
  async readResult(run: RunContext, step: string): Promise<unknown> {
    return (await this.load()).readResult(run, step);
  }

  async dispose(): Promise<void> {
    await this.inner?.dispose();
  }
}
