/**
 * Ctrl-C at an API boundary: once the signal is aborted, every further call of these clients fails before it is
 * sent, as an AbortError (aws/errors.ts makes it an InterruptedError, exit 130). A request already on the wire
 * finishes, so what AWS did is never half-known: a RunJobFlow that returned has made a tagged cluster, one that did
 * not return was not sent twice. SDK v3 takes an abortSignal only per send(); a middleware covers every call of
 * every client, whoever makes it (waiters, paginators, the engine).
 */
interface WithMiddleware {
  middlewareStack: { add(mw: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>, opts: { step: 'initialize'; name: string }): void };
}

export function stopAtNextCall(clients: object, signal: AbortSignal): void {
  for (const client of Object.values(clients) as WithMiddleware[]) {
    client.middlewareStack.add(
      (next) => async (args) => {
        if (signal.aborted) throw Object.assign(new Error('interrupted (Ctrl-C) before the next AWS call'), { name: 'AbortError' });
        return next(args);
      },
      { step: 'initialize', name: 'labsStopAtNextCall' },
    );
  }
}
