import { statSync } from 'node:fs';
import { EnvironmentError } from '../core/errors.js';
import { labsHome, runsDir } from './paths.js';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * LABS_HOME and its runs/ must be directories (or not exist yet). Checked before a command starts, so a file in
 * their place is one line and exit 3 before any AWS call, not a raw ENOTDIR/EEXIST after a cluster was asked for.
 */
export function checkStateDirs(env: Env = process.env): void {
  for (const [dir, what] of [
    [labsHome(env), 'LABS_HOME (config, run records, event logs)'],
    [runsDir(env), 'the run records directory'],
  ] as const) {
    const s = statSync(dir, { throwIfNoEntry: false });
    if (s && !s.isDirectory()) throw new EnvironmentError(`${dir} is a file, but ${what} must be a directory`, env.LABS_HOME ? 'point LABS_HOME at a directory (or unset it)' : `move ${dir} away`);
  }
}
