import type { Config } from '../../core/config.js';
import { defaultBucket, type S3Layout } from '../../core/emr-layout.js';
import { createClients, resolvedRegion, type AwsClients, type AwsOptions } from '../../aws/clients.js';
import { pacedEmr } from '../../aws/emr-pacing.js';
import { toLabsError } from '../../aws/errors.js';
import { callerIdentity } from '../../aws/sts.js';

/** Who and where: the clients, the account, the region and the student's bucket, resolved once per command. */
export interface EmrContext {
  clients: AwsClients;
  account: string;
  region: string;
  layout: S3Layout;
}

export async function connect(config: Config, o: AwsOptions & { clients?: AwsClients } = {}): Promise<EmrContext> {
  const made = o.clients ?? createClients({ ...o, region: o.region ?? config.emr.region });
  // every EMR call of the command waits for its rate-limit tokens (aws/emr-pacing.ts)
  const clients = { ...made, emr: pacedEmr(made.emr, config.emr.apiQuotas) };
  // STS first: no credentials, expired SSO or a wrong region fail here, before anything is created.
  const identity = await callerIdentity(clients.sts);
  let region: string;
  try {
    region = await resolvedRegion(clients);
  } catch (e) {
    throw toLabsError(e, 'find the AWS region');
  }
  return { clients, account: identity.account, region, layout: { bucket: config.emr.bucket ?? defaultBucket(identity.account, region), student: config.student } };
}
