import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export interface ProcessOutcome {
  exitCode: number | null;
  /** why it ended early, if it did */
  stoppedBy?: 'interrupt' | 'timeout' | undefined;
  /** the last lines of stderr and of stdout, for diagnosis without re-reading the files */
  stderrTail: string;
  /** PySpark's driver merges the Python process's stderr into the JVM's stdout: its tracebacks land here */
  stdoutTail: string;
}

const TAIL_BYTES = 64 * 1024;
/** Spark shuts its UI and executors down on SIGTERM; give it this long before SIGKILL. */
const GRACE_MS = 15_000;

/**
 * Run spark-submit in its own process group, stdout/stderr to files. Stopping (Ctrl-C via the signal, or the
 * step timeout) sends SIGTERM to the whole group, so the JVM and its Python workers end together, then
 * SIGKILL if they do not go in time.
 */
export async function runProcess(opts: {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdoutFile: string;
  stderrFile: string;
  timeoutMs: number;
  signal: AbortSignal;
}): Promise<ProcessOutcome> {
  const stdout = createWriteStream(opts.stdoutFile);
  const stderr = createWriteStream(opts.stderrFile);
  const child = spawn(opts.command, opts.args, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let outTail = '';
  child.stdout.on('data', (buf: Buffer) => {
    stdout.write(buf);
    outTail = (outTail + buf.toString('utf8')).slice(-TAIL_BYTES);
  });
  child.stderr.on('data', (buf: Buffer) => {
    stderr.write(buf);
    tail = (tail + buf.toString('utf8')).slice(-TAIL_BYTES);
  });

  let stoppedBy: ProcessOutcome['stoppedBy'];
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: 'interrupt' | 'timeout') => {
    if (stoppedBy || child.exitCode !== null) return;
    stoppedBy = why;
    signalGroup(child.pid, 'SIGTERM');
    killTimer = setTimeout(() => signalGroup(child.pid, 'SIGKILL'), GRACE_MS);
  };
  const onAbort = () => stop('interrupt');
  opts.signal.addEventListener('abort', onAbort, { once: true });
  if (opts.signal.aborted) onAbort();
  const timeout = setTimeout(() => stop('timeout'), opts.timeoutMs);

  let exitCode: number | null;
  try {
    const [code] = (await once(child, 'close')) as [number | null];
    exitCode = code;
  } finally {
    clearTimeout(timeout);
    if (killTimer) clearTimeout(killTimer);
    opts.signal.removeEventListener('abort', onAbort);
    // Stragglers in the group (a Python worker) must not outlive the step.
    signalGroup(child.pid, 'SIGKILL');
    await Promise.all([new Promise((r) => stdout.end(r)), new Promise((r) => stderr.end(r))]);
  }
  return { exitCode, stoppedBy, stderrTail: tail, stdoutTail: outTail };
}

function signalGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // ESRCH: the group is already gone.
  }
}
