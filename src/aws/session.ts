import type { Config } from '../core/config.js';
import { isPlainHttpLoopback, s3EndpointOverride } from '../core/emulator-endpoint.js';
import { defaultBucket, type S3Layout } from '../core/emr/layout.js';
import { createClients, resolvedRegion, type AwsClients, type AwsOptions } from './clients.js';
import { pacedEmr } from './emr-pacing.js';
import { ensureBucket } from './s3.js';
import { toLabsError } from './errors.js';
import { callerIdentity } from './sts.js';

/** Who and where: the clients, the account, the region and the student's bucket, resolved once per command. */
export interface EmrContext {
  clients: AwsClients;
  account: string;
  region: string;
  layout: S3Layout;
  /** false behind a plain-HTTP emulator on loopback (the sandbox, moto), where a TLS-only bucket policy would deny every request */
  tlsOnly: boolean;
}

/**
 * The one way to an AWS session: clients (made here, or injected by tests), then STS, so no credentials, expired SSO
 * or a wrong region fail before anything is created; then the region the clients resolved and the student's bucket.
 */
export async function connect(config: Config, o: AwsOptions & { clients?: AwsClients | undefined } = {}): Promise<EmrContext> {
  const made = o.clients ?? createClients({ ...o, region: o.region ?? config.emr.region });
  // every EMR call of the command waits for its rate-limit tokens (aws/emr-pacing.ts)
  const clients = { ...made, emr: pacedEmr(made.emr, config.emr.apiQuotas) };
  const identity = await callerIdentity(clients.sts);
  let region: string;
  try {
    region = await resolvedRegion(clients);
  } catch (e) {
    throw toLabsError(e, 'find the AWS region');
  }
  const tlsOnly = !isPlainHttpLoopback(s3EndpointOverride(o.emulator?.endpoint, o.env ?? process.env));
  return { clients, account: identity.account, region, layout: { bucket: config.emr.bucket ?? defaultBucket(identity.account, region), student: config.student }, tlsOnly };
}

/**
 * The bucket of the context's layout, made if missing. The default bucket name embeds this account, so S3 checks the
 * owner; a course bucket (emr.bucket) may be the instructor's, and one that is not private or encrypted is warned about.
 */
export function ensureLayoutBucket(ctx: EmrContext, config: Config, onWarning: (message: string) => void = () => {}): Promise<'exists' | 'created'> {
  const named = Boolean(config.emr.bucket);
  return ensureBucket(ctx.clients.s3, ctx.layout.bucket, ctx.region, { account: named ? undefined : ctx.account, onUnsafe: named ? (p) => onWarning(`warning: ${p}`) : undefined, tlsOnly: ctx.tlsOnly });
}
