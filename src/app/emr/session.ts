import type { Config } from '../../core/config.js';
import { destroyClients } from '../../aws/clients.js';
import { connect, type EmrContext } from '../../engines/emr/emr-context.js';
import { loadConfig } from '../config-store.js';

export interface EmrSession {
  config: Config;
  ctx: EmrContext;
  close(): void;
}

/** Config (target emr) and a connected EMR context for one command: STS first, so credential problems fail fast. */
export async function openEmr(o: { profile?: string | undefined; region?: string | undefined; student?: string | undefined }): Promise<EmrSession> {
  const config = loadConfig({ target: 'emr', student: o.student });
  const ctx = await connect(config, { profile: o.profile, region: o.region ?? config.emr.region });
  return { config, ctx, close: () => destroyClients(ctx.clients) };
}
