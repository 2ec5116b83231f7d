import type { Lab, Step } from '../core/lab-schema.js';
import type { RunListener, StepRecord } from '../core/run-record.js';

/** What a run gives an engine: where it lives and who it is for. */
export interface RunContext {
  lab: Lab;
  runId: string;
  student: string;
  /** local: the run directory; emr: the run's s3:// prefix */
  dir: string;
}

/**
 * One lab definition, two engines. An engine knows how to get ready, how to run a step (the same spark-submit
 * argv on both, placeholders resolved its own way) and how to read back the step's result.json.
 */
export interface Engine {
  readonly target: 'local' | 'emr';
  /**
   * get ready to run: tools, environments, clusters, build outputs. Emits 'setup' events. With a lab: what that lab
   * needs (e.g. the Scala jar only for a lab with a Scala step); without one (`labs setup`): everything.
   */
  prepare(onEvent: RunListener, signal: AbortSignal, lab?: Lab): Promise<void>;
  /** where a run of this lab lives */
  runDir(lab: Lab, runId: string): string;
  /** the argv the step will run, without running it (`labs plan`, tests) */
  stepArgv(run: RunContext, step: Step): Promise<string[]> | string[];
  /** run one step to its end; never throws for a failing job: returns a FAILED record with a diagnosis */
  runStep(run: RunContext, step: Step, onEvent: RunListener, signal: AbortSignal): Promise<StepRecord>;
  /** queue every step of the run and return at once (`--no-wait`); engines that run steps here have none */
  submitRun?(run: RunContext, onEvent: RunListener, signal: AbortSignal): Promise<StepRecord[]>;
  /** the queued run's steps as they stand now; a step that ended comes back settled (times, failure explained) */
  refreshSteps?(run: RunContext, steps: StepRecord[]): Promise<StepRecord[]>;
  /** the parsed result.json of a finished step, or undefined when it has none */
  readResult(run: RunContext, step: string): Promise<unknown>;
  /** stop what prepare() or runStep() started for this run (emulators, pollers); called once the run ends */
  dispose?(): Promise<void>;
}
