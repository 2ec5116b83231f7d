/**
 * An endpoint override that is a plain-HTTP emulator on this machine (moto, the sandbox). A bucket policy that
 * denies requests without TLS (aws:SecureTransport false) would deny every request there, so the tool does not put
 * it on buckets it creates through such an endpoint. Anything else (no override, https, another host) keeps it.
 */
export function isPlainHttpLoopback(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The S3 endpoint the SDK will use when one is overridden: an explicit one, else the SDK's own environment. */
export function s3EndpointOverride(explicit: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  return explicit ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
}
