import { EnvironmentError, InterruptedError, type LabsError } from '../core/errors.js';

interface AwsLikeError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const IAM_HINT = '`labs iam-policy --role student` prints the permissions the tool needs';

/**
 * Turn an AWS SDK error into the one-line cause + fix the user sees (exit 3). `what` names the operation in plain
 * words ("create the cluster"). Errors already typed pass through.
 */
export function toLabsError(e: unknown, what: string): LabsError {
  if (e instanceof EnvironmentError || e instanceof InterruptedError) return e;
  if (e && typeof e === 'object' && 'exitCode' in e) return e as LabsError;
  const err = (e ?? {}) as AwsLikeError;
  const name = err.name ?? err.Code ?? '';
  const msg = (err.message ?? String(e)).split('\n')[0]!;
  const status = err.$metadata?.httpStatusCode;
  const fail = (cause: string, hint: string) => new EnvironmentError(`could not ${what}: ${cause}`, hint, { cause: e });

  if (name === 'AbortError' || /aborted/i.test(msg)) return new InterruptedError(`stopped while trying to ${what}`, 'run the command again to continue');
  if (/sso|token provider/i.test(`${name} ${msg}`) && /expired|refresh|invalid|not found/i.test(msg)) {
    return fail('the AWS SSO session has expired', 'run `aws sso login` (with --profile if you use one), then try again');
  }
  if (name === 'CredentialsProviderError' || /could not load credentials|credential is missing|no credentials/i.test(msg)) {
    return fail('no AWS credentials were found', 'run `aws configure` or `aws sso login`, set AWS_PROFILE, or pass --profile; `labs start` without --target emr runs locally');
  }
  if (/^ExpiredToken/.test(name) || /security token included in the request is expired/i.test(msg)) {
    return fail('the AWS credentials have expired', 'refresh them (`aws sso login`, or new temporary keys) and try again');
  }
  // A region name of the right shape that AWS does not have (or a wrong endpoint URL): no DNS name, or an HTML page
  // where the SDK expected JSON/XML. Raw, these read "getaddrinfo ENOTFOUND" or "Unexpected token '<'".
  if (/ENOTFOUND|EAI_AGAIN|getaddrinfo/.test(`${name} ${msg}`)) return fail(`cannot reach the AWS endpoint (${msg.replace(/^.*(?:ENOTFOUND|EAI_AGAIN) /, '')})`, 'check the region (--region, AWS_REGION) and AWS_ENDPOINT_URL, and the network');
  if (name === 'SyntaxError' || /Unexpected token|Deserialization error|is not valid JSON|char 0/.test(msg)) {
    return fail('the endpoint answered with something that is not an AWS response', 'check the region (--region, AWS_REGION) and AWS_ENDPOINT_URL: is that an AWS region, and the emulator\'s URL?');
  }
  if (/region is missing/i.test(msg)) return fail('no AWS region is set', 'pass --region, set AWS_REGION, or `labs config set emr.region eu-west-1`');
  if (name === 'UnrecognizedClientException' || name === 'InvalidClientTokenId' || name === 'InvalidAccessKeyId' || name === 'AuthFailure') {
    return fail('AWS does not recognise these credentials here', 'check the profile and the region (--region): the keys may belong to another partition or be disabled');
  }
  if (/EMR_DefaultRole|EMR_EC2_DefaultRole|service role|instance profile/i.test(msg) && /invalid|not exist|not found|not authorized to assume/i.test(msg)) {
    return fail(`the EMR roles are missing or unusable (${msg})`, 'run `aws emr create-default-roles` once in this account, or set emr.serviceRole / emr.instanceProfile');
  }
  if (name === 'BucketAlreadyExists') return fail('that S3 bucket name belongs to another account', 'choose another: `labs config set emr.bucket <name>`');
  if (/insufficient.*capacity|InsufficientInstanceCapacity|no capacity/i.test(`${name} ${msg}`)) {
    return fail(`EC2 has no capacity for the requested instances (${msg})`, 'try another subnet/Availability Zone (emr.subnetIds), a fleet cluster (--fleets), or later');
  }
  if (/Throttl|TooManyRequests|Rate exceeded|SlowDown|RequestLimitExceeded/i.test(`${name} ${msg}`)) {
    return fail('AWS kept throttling the requests, even after retries', 'wait a minute and try again; in a class, run cohort commands with a lower --concurrency');
  }
  if (/AccessDenied|Forbidden|UnauthorizedOperation|not authorized/i.test(`${name} ${msg}`) || status === 403) {
    return fail(`access denied (${msg})`, IAM_HINT);
  }
  return fail(`${name ? `${name}: ` : ''}${msg}`, 'run again with --debug for details');
}

/** Await an AWS call and map its failure. */
export async function aws<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    throw toLabsError(e, what);
  }
}

export function errorName(e: unknown): string {
  return ((e as AwsLikeError | undefined)?.name ?? '') || '';
}
