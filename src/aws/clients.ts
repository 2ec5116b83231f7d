import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EMRClient } from '@aws-sdk/client-emr';
import { GlueClient } from '@aws-sdk/client-glue';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';

export interface AwsOptions {
  /** --profile; else AWS_PROFILE / the default chain */
  profile?: string | undefined;
  /** --region or emr.region; else AWS_REGION / the profile's region */
  region?: string | undefined;
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * an AWS emulator (moto) on this machine: every client's endpoint, with these static credentials instead of the
   * default chain, so nothing in the environment (a profile, a session token) reaches it, and nothing is rewritten there
   */
  emulator?: { endpoint: string; accessKeyId: string; secretAccessKey: string } | undefined;
}

export interface AwsClients {
  emr: EMRClient;
  s3: S3Client;
  cloudwatch: CloudWatchClient;
  glue: GlueClient;
  sts: STSClient;
  tagging: ResourceGroupsTaggingAPIClient;
}

/** With an endpoint override (an emulator such as moto) S3 must use path-style: there is no DNS for bucket hosts. */
export function hasEndpointOverride(env: Readonly<Record<string, string | undefined>>): boolean {
  return Boolean(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3);
}

/**
 * The only place clients are made. Credentials come from the SDK's default chain (env, SSO, profiles, IMDS/ECS);
 * endpoints are the SDK's own, so AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> keep working; only an explicit
 * emulator sets `endpoint`. Adaptive retries slow down under throttling instead of failing a class of 30 students at once.
 */
export function createClients(o: AwsOptions = {}): AwsClients {
  const env = o.env ?? process.env;
  // The SDK tells every run on Node 20 about its future Node 22 requirement; the project pins the SDK, so that
  // notice is for its maintainers (package.json engines), not for a student running a lab. Users can re-enable it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const em = o.emulator;
  const common = {
    ...(o.region ? { region: o.region } : {}),
    ...(o.profile && !em ? { profile: o.profile } : {}),
    ...(em ? { endpoint: em.endpoint, credentials: { accessKeyId: em.accessKeyId, secretAccessKey: em.secretAccessKey } } : {}),
    retryMode: 'adaptive',
    maxAttempts: 6,
  };
  return {
    emr: new EMRClient(common),
    s3: new S3Client({ ...common, ...(em || hasEndpointOverride(env) ? { forcePathStyle: true } : {}) }),
    cloudwatch: new CloudWatchClient(common),
    glue: new GlueClient(common),
    sts: new STSClient(common),
    tagging: new ResourceGroupsTaggingAPIClient(common),
  };
}

/** The region the clients resolved (flag, env or profile), for names and messages. */
export async function resolvedRegion(clients: AwsClients): Promise<string> {
  return clients.emr.config.region();
}

export function destroyClients(clients: AwsClients): void {
  for (const c of Object.values(clients)) c.destroy();
}
