import { describe, expect, it } from 'vitest';
import { isPlainHttpLoopback, s3EndpointOverride } from '../../../src/core/emulator-endpoint.js';
import { amContainerLogKey, failedApplicationId } from '../../../src/core/emr/layout.js';

describe('a plain-HTTP emulator endpoint (no TLS-only bucket policy there)', () => {
  it('is http:// on loopback only', () => {
    for (const e of ['http://127.0.0.1:4599', 'http://localhost:5000/', 'http://[::1]:80', 'http://127.1.2.3']) expect(isPlainHttpLoopback(e)).toBe(true);
    for (const e of [undefined, '', 'https://127.0.0.1:4599', 'http://10.0.0.5:4599', 'http://s3.amazonaws.com', 'http://127.0.0.1.example.com', 'not a url']) expect(isPlainHttpLoopback(e)).toBe(false);
  });

  it('takes an explicit endpoint over the SDK environment, and S3\'s own over the global one', () => {
    expect(s3EndpointOverride('http://127.0.0.1:1', { AWS_ENDPOINT_URL: 'https://x' })).toBe('http://127.0.0.1:1');
    expect(s3EndpointOverride(undefined, { AWS_ENDPOINT_URL: 'https://x', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:2' })).toBe('http://127.0.0.1:2');
    expect(s3EndpointOverride(undefined, {})).toBeUndefined();
  });
});

describe('the driver log of a cluster-mode step', () => {
  it('is the ApplicationMaster container of the application spark-submit reports as failed', () => {
    const log = 'Exception in thread "main" org.apache.spark.SparkException: Application application_1796165525832_0007 finished with failed status';
    expect(failedApplicationId(log)).toBe('application_1796165525832_0007');
    expect(failedApplicationId('all good')).toBeUndefined();
    expect(amContainerLogKey('s3://b/alice/logs/', 'j-1', 'application_1796165525832_0007', 'stdout')).toEqual({
      bucket: 'b',
      key: 'alice/logs/j-1/containers/application_1796165525832_0007/container_1796165525832_0007_01_000001/stdout.gz',
    });
  });
});
