import type { Config } from '../core/config.js';
import { defaultBucket, type S3Layout } from '../core/emr/layout.js';
import { createClients, resolvedRegion, type AwsClients, type AwsOptions } from './clients.js';
import { pacedEmr } from './emr-pacing.js';
import { toLabsError } from './errors.js';
import { callerIdentity } from './sts.js';

/** Who and where: the clients, the account, the region and the student's bucket, resolved once per command. */
export interface EmrContext {
  clients: AwsClients;
  account: string;
  region: string;
  layout: S3Layout;
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
  return { clients, account: identity.account, region, layout: { bucket: config.emr.bucket ?? defaultBucket(identity.account, region), student: config.student } };
}
