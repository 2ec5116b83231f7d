import { InputError } from './errors.js';

/**
 * AWS names the user types, checked before any AWS call: a malformed one is bad input (exit 2) and would otherwise
 * come back as raw SDK text ("Invalid URL", an HTML page parsed as JSON) after a network round trip.
 */

/** AWS region names: us-east-1, eu-central-2, us-gov-west-1, cn-north-1, ap-southeast-5, us-isob-east-1 ... */
export const REGION_PATTERN = /^[a-z]{2}(?:-(?:gov|iso[a-z]?))?-[a-z]+-\d{1,2}$/;
const REGION_HINT = 'use a region code such as eu-west-1 or us-east-1 (`aws ec2 describe-regions` lists them)';

export function assertRegion(region: string, source: string): void {
  if (!REGION_PATTERN.test(region)) throw new InputError(`${source}: "${region}" is not an AWS region name`, REGION_HINT);
}

/** EMR cluster ids: j- and 8 or more uppercase letters and digits (EMR's own are 13). */
export const CLUSTER_ID_PATTERN = /^j-[0-9A-Z]{8,32}$/;

export function assertClusterId(id: string, source = '--cluster'): void {
  if (!CLUSTER_ID_PATTERN.test(id)) throw new InputError(`${source}: "${id}" is not an EMR cluster id`, 'cluster ids look like j-2AXXXXXXGAPLF; `labs cluster status` lists yours');
}

export function assertEndpointUrl(value: string, source: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname) {
    throw new InputError(`${source}: "${value}" is not an endpoint URL`, `set it to a URL such as http://127.0.0.1:5000 (or unset ${source} to use AWS)`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** The region flag and the AWS_* variables the SDK reads for regions and endpoints, all checked at once. */
export function checkAwsInput(env: Env, flags: { region?: string | undefined }): void {
  if (flags.region !== undefined) assertRegion(flags.region, '--region');
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    const v = env[name];
    if (v) assertRegion(v, name);
  }
  for (const [name, v] of Object.entries(env)) {
    if (v && (name === 'AWS_ENDPOINT_URL' || name.startsWith('AWS_ENDPOINT_URL_'))) assertEndpointUrl(v, name);
  }
}
