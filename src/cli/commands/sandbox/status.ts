import type { Command } from 'commander';
import { printJson } from '../../output.js';
import { deadSandbox, printSandbox } from './print.js';

export function registerSandboxStatus(sandbox: Command): void {
  sandbox
    .command('status')
    .description('is it up; its AWS endpoint, cluster, YARN ResourceManager and Spark History Server')
    .option('--json', 'print one JSON document')
    .action(async (flags: { json?: boolean }) => {
      const { sandboxStatus } = await import('../../../app/sandbox.js');
      const doc = await sandboxStatus();
      if (flags.json) printJson(doc);
      else printSandbox(doc);
      if (doc.state === 'dead') throw deadSandbox(doc, Boolean(flags.json));
    });
}
