import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { checkAwsInput } from '../core/aws-input.js';
import { ENV_KEYS } from '../core/config-env.js';
import { projectConfigFile, userConfigFile } from '../app/paths.js';
import { awsFlags } from './aws-flags.js';

/** Commands that read only the project (labs/, the policy table) and never LABS_HOME or AWS. */
const STATELESS = new Set(['list', 'show', 'iam-policy']);

/**
 * commander preAction hook: the config (below), a broken LABS_HOME (app/state-dir.ts), a malformed --region, AWS_REGION or
 * AWS_ENDPOINT_URL stop the command before it does anything, the same way for every command.
 */
export async function checkStateBeforeCommand(_program: Command, action: Command): Promise<void> {
  await checkConfig();
  if (STATELESS.has(action.name())) return;
  checkAwsInput(process.env, awsFlags(action));
  const { checkStateDirs } = await import('../app/state-dir.js');
  checkStateDirs();
}

/**
 * A bad user or project config (or LABS_* value) is refused by every command alike, `list` and `status` included:
 * one line naming the file and key, exit 2. Without a config file or variable there is nothing to check, and the
 * schema is not even loaded.
 */
async function checkConfig(): Promise<void> {
  const env = process.env;
  if (!existsSync(userConfigFile(env)) && !existsSync(projectConfigFile()) && !Object.keys(ENV_KEYS).some((k) => env[k])) return;
  const { loadConfig } = await import('../app/config-store.js');
  loadConfig();
}
