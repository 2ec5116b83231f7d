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

/**
 * Where an EMR command's requests go: AWS (--profile/--region or the SDK's own chain) or, for target sandbox
 * (`--target sandbox`, `target: sandbox` in the config, or a run made there), the sandbox on 127.0.0.1, which must be up.
 */
export async function emrAwsOptions(config: Config, flags: AwsFlags, env: NodeJS.ProcessEnv = process.env): Promise<AwsOptions> {
  if (config.target !== 'sandbox') return awsOptions(config, flags, env);
  const [{ sandboxAws }, { sandboxEndpoint }, { labsHome }] = await Promise.all([
    import('../engines/sandbox/sandbox-home.js'),
    import('../engines/sandbox/sandbox-endpoint.js'),
    import('./paths.js'),
  ]);
  return sandboxAws(await sandboxEndpoint(labsHome(env)), env);
}

/** The config an EMR command works with: the sandbox's (its region, idle timeout) there, else target emr. */
export async function emrCommandConfig(o: { student?: string | undefined; target?: 'emr' | 'sandbox' | undefined }): Promise<Config> {
  const loaded = loadConfig({ student: o.student, ...(o.target ? { target: o.target } : {}) });
  if (loaded.target !== 'sandbox') return { ...loaded, target: 'emr' };
  const { sandboxConfig } = await import('../engines/sandbox/sandbox-engine.js');
  return sandboxConfig(loaded);
}

/**
 * Config and a connected session for one command: STS first, so credential problems fail fast. Target emr unless
 * the sandbox is asked for (o.target) or configured (`target: sandbox`): then the sandbox's endpoint.
 */
export async function openAwsSession(o: AwsFlags & { student?: string | undefined; target?: 'emr' | 'sandbox' | undefined }): Promise<AwsSession> {
  const config = await emrCommandConfig(o);
  const ctx = await connect(config, await emrAwsOptions(config, o));
  return { config, ctx, close: () => destroyClients(ctx.clients) };
}

/** Clients only, for a command that must not fail on STS before it draws (`labs dashboard` reports errors on screen). */
export async function sessionClients(config: Config, flags: AwsFlags): Promise<{ clients: AwsClients; close(): void }> {
  const clients = createClients(await emrAwsOptions(config, flags));
  return { clients, close: () => destroyClients(clients) };
}
