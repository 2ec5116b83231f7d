import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import type { RunEvent } from '../../core/run/run-record.js';
import { honourNoColor } from '../no-color.js';
import { interruptSignal } from '../signals.js';

export function registerSetup(program: Command): void {
  program
    .command('setup [target]')
    .description('install what a target needs; local: check Java 17, build the Python venv with pinned pyspark 3.5.6 and the Scala jobs\' jar')
    .action(async (target: string | undefined) => {
      if (target !== undefined && target !== 'local') throw new InputError(`setup knows "local", not "${target}"`, 'labs setup local');
      const [{ loadConfig }, { createEngine }] = await Promise.all([import('../../app/config-store.js'), import('../../app/engines.js')]);
      const engine = createEngine(loadConfig({ target: 'local' }));
      const live = Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb';
      let onEvent = (e: RunEvent) => {
        if (e.type === 'setup') process.stderr.write(`setup: ${e.message}\n`);
      };
      let finish = async () => {};
      if (live) {
        honourNoColor();
        ({ onEvent, finish } = (await import('../../ui/render-run.js')).renderRun());
      }
      const { signal, dispose } = interruptSignal(() => process.stderr.write('\nstopping setup; the half-made venv is removed\n'));
      try {
        // No lab: prepare everything, the Scala jar included (built only if its sources changed).
        await engine.prepare(onEvent, signal);
      } finally {
        dispose();
        await finish();
      }
      process.stderr.write('local engine ready: `labs start day2-joins` runs a lab\n');
    });
}
