import type { Command } from 'commander';
import { assertCanConfirm, confirm } from '../../confirm.js';
import { line, printJson } from '../../output.js';

export function registerSandboxDown(sandbox: Command): void {
  sandbox
    .command('down')
    .description('stop the sandbox: its clusters are terminated, their YARN and HDFS stopped, nothing left running')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print one JSON document')
    .action(async (flags: { yes?: boolean; json?: boolean }) => {
      assertCanConfirm({ yes: flags.yes, what: 'stop the sandbox' });
      const app = await import('../../../app/sandbox.js');
      const doc = await app.sandboxStatus();
      if (doc.state === 'down') return flags.json ? printJson({ stopped: false }) : line('the sandbox is not running');
      const what = doc.clusterId ? `stop the sandbox and terminate ${doc.clusterId}` : 'stop the sandbox';
      if (!(await confirm(`${what}?`, { yes: flags.yes, what }))) return line('nothing stopped');
      const result = await app.sandboxDown();
      return flags.json ? printJson({ stopped: result === 'stopped' }) : line(result === 'stopped' ? 'sandbox stopped (its clusters terminated, their YARN stopped)' : 'the sandbox was not running');
    });
}
