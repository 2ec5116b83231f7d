import type { Config } from '../core/config.js';
import { createClients, destroyClients, type AwsClients, type AwsOptions } from '../aws/clients.js';
import { connect, type EmrContext } from '../aws/session.js';
import { loadConfig } from './config-store.js';

/** The account in names built without credentials (`labs plan`, `cohort up --dry-run`). */
export const PLACEHOLDER_ACCOUNT = '123456789012';

/** --profile / --region as the global flags give them. */
export interface AwsFlags {
  profile?: string | undefined;
  region?: string | undefined;
}

/**
 * What every command's clients are made from. The region: --region, else the course config's emr.region, else the
 * SDK's own chain (AWS_REGION, the profile's region).
 */
export function awsOptions(config: Config, flags: AwsFlags, env: NodeJS.ProcessEnv = process.env): AwsOptions {
  return { profile: flags.profile, region: flags.region ?? config.emr.region, env };
}

/** The region for names built without clients (`labs plan`): the same order, AWS_DEFAULT_REGION last as the CLI reads it. */
export function regionForNames(config: Config, flags: AwsFlags, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return awsOptions(config, flags, env).region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
}

export interface AwsSession {
  config: Config;
  ctx: EmrContext;
  close(): void;
}

/** Config (target emr) and a connected session for one command: STS first, so credential problems fail fast. */
export async function openAwsSession(o: AwsFlags & { student?: string | undefined }): Promise<AwsSession> {
  const config = loadConfig({ target: 'emr', student: o.student });
  const ctx = await connect(config, awsOptions(config, o));
  return { config, ctx, close: () => destroyClients(ctx.clients) };
}

/** Clients only, for a command that must not fail on STS before it draws (`labs dashboard` reports errors on screen). */
export function sessionClients(config: Config, flags: AwsFlags): { clients: AwsClients; close(): void } {
  const clients = createClients(awsOptions(config, flags));
  return { clients, close: () => destroyClients(clients) };
}
