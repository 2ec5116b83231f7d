import type { Command } from 'commander';
import { printJson } from '../../output.js';
import { interruptSignal } from '../../signals.js';
import { printSandbox } from './print.js';

export function registerSandboxUp(sandbox: Command): void {
  sandbox
    .command('up')
    .description("start the sandbox (if it is not up) and your cluster on it, and wait until its YARN is up (WAITING)")
    .option('--student <id>', 'whose cluster to start (default from config)')
    .option('--json', 'print one JSON document')
    .action(async (flags: { student?: string; json?: boolean }) => {
      const [app, { loadConfig }] = await Promise.all([import('../../../app/sandbox.js'), import('../../../app/config-store.js')]);
      const say = (m: string) => process.stderr.write(`${m}\n`);
      const { signal, dispose } = interruptSignal(() => say('\nstopping the sandbox'));
      try {
        const config = loadConfig({ target: 'sandbox', student: flags.student });
        const { doc } = await app.sandboxUp({ config, student: flags.student, onProgress: say, signal });
        if (flags.json) printJson(doc);
        else printSandbox(doc);
      } finally {
        dispose();
      }
    });
}
