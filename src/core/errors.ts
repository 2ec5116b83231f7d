/**
 * Typed errors: every failure the user can meet is one of these, carrying the exit code DESIGN.md documents
 * and a hint that says what to do. The CLI's single exit point (cli/main.ts) prints `message` and `hint` and
 * exits with `exitCode`; `--debug` adds the stack.
 */
export const ExitCode = {
  ok: 0,
  /** a lab, step or check failed */
  labFailed: 1,
  /** bad input or usage: unknown lab, malformed lab.yaml or roster, bad flag */
  badInput: 2,
  /** environment or AWS: missing Java/Python, failed install, port taken, credentials, throttling */
  environment: 3,
  /** interrupted by Ctrl-C (128 + SIGINT), the shell convention */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class LabsError extends Error {
  abstract readonly exitCode: ExitCode;
  /** a short, actionable sentence: what to do next */
  readonly hint: string | undefined;
  /** set when the command already printed its --json document, so the exit point must not print a second */
  documentPrinted = false;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.hint = hint;
  }
}

/** Exit 2: the user (or a file the user wrote) gave us something we cannot use. */
export class InputError extends LabsError {
  readonly exitCode = ExitCode.badInput;
}

/** Exit 3: the machine, a dependency or AWS is not in the state we need. */
export class EnvironmentError extends LabsError {
  readonly exitCode = ExitCode.environment;
}

/** Exit 1: the lab ran and something in it failed (a step or a check). */
export class LabFailedError extends LabsError {
  readonly exitCode = ExitCode.labFailed;
}

/** Exit 130: the user pressed Ctrl-C; whatever was running has been stopped. */
export class InterruptedError extends LabsError {
  readonly exitCode = ExitCode.interrupted;
}

export function isLabsError(e: unknown): e is LabsError {
  return e instanceof LabsError;
}
