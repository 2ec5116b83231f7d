import type { Command } from 'commander';
import { registerSandboxDown } from './sandbox/down.js';
import { registerSandboxStatus } from './sandbox/status.js';
import { registerSandboxUp } from './sandbox/up.js';

export function registerSandbox(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('the EMR sandbox on this machine (EMR API, YARN, HDFS, S3, Glue, CloudWatch on 127.0.0.1): up, down, status')
    .exitOverride();
  for (const register of [registerSandboxUp, registerSandboxDown, registerSandboxStatus]) register(sandbox);
}
