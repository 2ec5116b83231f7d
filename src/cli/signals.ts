import { InterruptedError } from '../core/errors.js';

/**
 * Ctrl-C handling for long commands: the first Ctrl-C aborts the signal (the engine stops Spark cleanly and the
 * command reports it); a second one exits at once.
 */
export function interruptSignal(onFirst: () => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) process.exit(130);
    onFirst();
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

/** `labs cluster up` stopped by Ctrl-C: what may exist, and how to find or end it. Other errors pass through. */
export function interruptedClusterUp(e: unknown, student: string): unknown {
  if (!(e instanceof InterruptedError)) return e;
  return new InterruptedError(
    `${e.message}; a cluster already requested keeps starting, tagged labs:student=${student}`,
    '`labs cluster status` finds it, `labs cluster down` ends it, `labs cluster up` again waits for it (it is reused, not duplicated)',
  );
}

/**
 * Ctrl-C in a command that has no handler of its own (interruptSignal above): one line and exit 130, instead of
 * Node's silent death. Such commands make at most one change per AWS call, each tagged, so nothing is half-made.
 */
export function installDefaultInterrupt(): void {
  const handler = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) > 1) return; // the command's own handler decides
    process.stderr.write('\ninterrupted (Ctrl-C); anything already created on AWS is tagged with your student id: `labs cluster status` finds it\n');
    process.exit(130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
