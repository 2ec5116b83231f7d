import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { testPython } from './test-venv.js';

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

/** moto's server on 127.0.0.1 and a port the OS picks (it prints it), from the test venv. Stopped by stop(). */
export async function startMoto(): Promise<MotoServer> {
  const bin = path.join(path.dirname(testPython()), 'moto_server');
  const child: ChildProcess = spawn(bin, ['-H', '127.0.0.1', '-p', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`moto_server did not start:\n${seen}`)), 30_000);
    const onData = (b: Buffer) => {
      seen += b.toString();
      const m = /Running on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`moto_server exited with ${code}:\n${seen}`)));
  });
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
