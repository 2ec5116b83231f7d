import path from 'node:path';
import { startS3Emulator } from '../../src/engines/local/s3-emulator.js';
import { testPython } from './test-venv.js';

export interface MotoServer {
  endpoint: string;
  /** what points the CLI and the SDK at it, as a user would (AWS_ENDPOINT_URL) */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * moto's server from the test venv (its pinned moto; built on first use), on 127.0.0.1 and a free port, started the
 * way the local engine starts its S3 emulator. The one moto every test uses; stopped by stop().
 */
export async function startMoto(): Promise<MotoServer> {
  const server = await startS3Emulator(path.join(path.dirname(testPython()), 'moto_server'), []);
  const env = { AWS_ENDPOINT_URL: server.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
  return { endpoint: server.endpoint, env, stop: server.stop };
}
