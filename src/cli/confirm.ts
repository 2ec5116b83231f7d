import { createInterface } from 'node:readline/promises';
import { InputError } from '../core/errors.js';

/**
 * Ask before something that cannot be undone. `--yes` answers for the user; with no terminal to ask on and no
 * --yes, refuse (exit 2) rather than guess.
 */
export async function confirm(question: string, o: { yes?: boolean | undefined; what: string }): Promise<boolean> {
  if (o.yes) return true;
  assertCanConfirm(o);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** Fail before any AWS call when a confirmation will be needed and cannot be asked for. */
export function assertCanConfirm(o: { yes?: boolean | undefined; what: string }): void {
  if (!o.yes && !process.stdin.isTTY) throw new InputError(`refusing to ${o.what} without confirmation (no terminal to ask on)`, 'add --yes to confirm');
}
