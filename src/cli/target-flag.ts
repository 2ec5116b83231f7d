import { InputError } from '../core/errors.js';
import type { EngineTarget } from '../core/run/run-record.js';

export const TARGETS: readonly EngineTarget[] = ['local', 'sandbox', 'emr'];
export const TARGET_HELP = 'local (Spark on this machine), sandbox (the EMR sandbox on this machine) or emr';

/** --target as given: one of the three, or undefined (the config's). */
export function targetFlag(value: string | undefined): EngineTarget | undefined {
  if (value === undefined) return undefined;
  if (!(TARGETS as readonly string[]).includes(value)) throw new InputError(`--target must be local, sandbox or emr, not "${value}"`);
  return value as EngineTarget;
}
