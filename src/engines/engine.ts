import type { Lab } from '../core/lab/lab-schema.js';
import type { RunListener, StepRecord } from '../core/run/run-record.js';
import type { EngineTarget, RunPlan } from '../core/run/run-plan.js';

/** What a run gives an engine: where it lives and who it is for. */
export interface RunContext {
  lab: Lab;
  runId: string;
  student: string;
  /** local: the run directory; emr: the run's s3:// prefix */
  dir: string;
}

export interface PlanOptions {
  /** the file used for a lab's job path instead of the bundled one, by project-relative path */
  jobFiles?: Readonly<Record<string, string>> | undefined;
}

/** A step as the engine saw it end (or, for a look, as it stands). */
export interface StepOutcome {
  record: StepRecord;
  /**
   * the step may still be queued or running where it runs (Ctrl-C or its timeout while it ran on a cluster): the one
   * that cancels the later steps cancels it with them
   */
  stillLive: boolean;
}

/**
 * One lab definition, several engines. An engine turns a lab into a run plan (core/run/run-plan.ts), carries it out
 * (`submit`), tells when each step ends (`awaitStep`) and reads back a step's result.json. The order of steps, and
 * what happens to the later steps when one does not complete, is decided once, by app/watch-run.ts.
 */
export interface Engine {
  readonly target: EngineTarget;
  /** true: submit() leaves the steps queued where they run, so a run can return before they end (`--no-wait`) */
  readonly queues: boolean;
  /**
   * get ready to run: tools, environments, credentials, build outputs. Emits 'setup' events. With a lab: what that lab
   * needs (e.g. the Scala jar only for a lab with a Scala step); without one (`labs setup`): everything.
   */
  prepare(onEvent: RunListener, signal: AbortSignal, lab?: Lab): Promise<void>;
  /** the run's plan: every request, argv and record decided before anything is sent (after prepare()) */
  plan(lab: Lab, runId: string, o?: PlanOptions): RunPlan;
  /**
   * do what the plan says before the steps run (uploads, the cluster, the one call that queues every step); returns
   * the steps' records as they stand then. `waitReady: false` does not wait for a cluster that is still starting.
   */
  submit(plan: RunPlan, onEvent: RunListener, signal: AbortSignal, o: { waitReady: boolean }): Promise<StepRecord[]>;
  /** the step to its end (local: runs it); never throws for a failing job: a FAILED record with a diagnosis */
  awaitStep(run: RunPlan, record: StepRecord, onEvent: RunListener, signal: AbortSignal): Promise<StepOutcome>;
  /** queueing engines: one look at a queued step, without waiting (`labs status`, `labs check` after `--no-wait`) */
  lookStep?(run: RunContext, record: StepRecord): Promise<StepOutcome>;
  /** stop these steps where they are queued or running (nothing to do where steps run inside the command) */
  cancel(run: RunContext, records: StepRecord[]): Promise<void>;
  /**
   * cluster engines: a metric of the cluster a step ran on, from CloudWatch over the step's window, as the statistic
   * of its datapoints (a lab's `metric:` check); undefined when there is no datapoint
   */
  readMetric?(run: RunContext, record: StepRecord, metric: { name: string; stat: string }): Promise<number | undefined>;
  /** the parsed result.json of a finished step, or undefined when it has none */
  readResult(run: RunContext, step: string): Promise<unknown>;
  /** stop what prepare() or the steps started for this run (emulators, pollers, clients); called once the run ends */
  dispose?(): Promise<void>;
}
