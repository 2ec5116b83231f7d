import { EnvironmentError } from '../../core/errors.js';
import { probeSandbox } from './sandbox-home.js';
import { startSandbox, type StartOptions } from './sandbox-launch.js';

/** A sandbox whose state says it runs, but whose process is gone or mute: say so, with the fix. */
export function sandboxDied(pid: number, log: string): EnvironmentError {
  return new EnvironmentError(`the sandbox (pid ${pid}) is no longer running or answering (its log: ${log})`, 'run `labs sandbox up` to start it again, then run the command again');
}

/**
 * The sandbox's endpoint. With `start`, a sandbox that is not up is started first (and `onStarted` says so);
 * without it, a sandbox that is not up is an environment error that names `labs sandbox up`.
 */
export async function sandboxEndpoint(labsHome: string, o: { start?: Omit<StartOptions, 'labsHome'>; onStarted?: (endpoint: string, wasDead: boolean) => void } = {}): Promise<string> {
  const probe = await probeSandbox(labsHome);
  if (probe.state === 'up') return probe.info.endpoint;
  if (!o.start) {
    if (probe.state === 'dead') throw sandboxDied(probe.pid, probe.log);
    throw new EnvironmentError('the sandbox is not running', 'start it with `labs sandbox up` (or `labs start <lab> --target sandbox`, which starts it)');
  }
  const info = await startSandbox({ ...o.start, labsHome });
  o.onStarted?.(info.endpoint, probe.state === 'dead');
  return info.endpoint;
}
