import type { Command } from 'commander';
import { line, printJson } from '../output.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('read or change settings (user config under LABS_HOME)');
  config
    .command('get [key]')
    .description('print a setting, or all of them, as they apply here (after files, environment)')
    .option('--json', 'print one JSON document')
    .action(async (key: string | undefined, opts: { json?: boolean }) => {
      const { getConfigValue, loadConfig } = await import('../../app/config-store.js');
      const value = key ? getConfigValue(key) : loadConfig();
      if (opts.json) printJson(key ? { key, value } : value);
      else line(typeof value === 'object' ? JSON.stringify(value, null, 2) : String(value ?? ''));
    });
  config
    .command('set <key> <value>')
    .description('change a setting in your user config')
    .action(async (key: string, value: string) => {
      const { setConfigValue } = await import('../../app/config-store.js');
      setConfigValue(key, value);
      line(`${key} = ${value}`);
    });
}
