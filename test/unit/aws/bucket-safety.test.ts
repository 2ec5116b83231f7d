import { afterEach, describe, expect, it } from 'vitest';
import { GetBucketEncryptionCommand, GetPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { ensureBucket } from '../../../src/aws/s3.js';
import { FakeAws } from '../../helpers/fake-aws.js';

let fake: FakeAws;
afterEach(() => fake.mock.restore());

describe('a bucket the user named', () => {
  it('that is neither private nor encrypted: a warning each, with the command that fixes it; nothing is changed', async () => {
    fake = new FakeAws();
    fake.buckets.add('course-b');
    const warnings: string[] = [];
    expect(await ensureBucket(fake.clients.s3, 'course-b', 'eu-west-1', { onUnsafe: (w) => warnings.push(w) })).toBe('exists');
    expect(warnings).toEqual([expect.stringMatching(/^s3:\/\/course-b does not block public access; its owner should run: aws s3api put-public-access-block --bucket course-b /), expect.stringMatching(/^s3:\/\/course-b has no default encryption; its owner should run: aws s3api put-bucket-encryption --bucket course-b /)]);
    expect(fake.mock.calls().map((c) => c.operation)).toEqual(['GetBucketLocation', 'GetPublicAccessBlock', 'GetBucketEncryption']);
  });

  it('that is private and encrypted: no warning', async () => {
    fake = new FakeAws();
    fake.buckets.add('course-b');
    fake.hardened.add('course-b');
    const warnings: string[] = [];
    await ensureBucket(fake.clients.s3, 'course-b', 'eu-west-1', { onUnsafe: (w) => warnings.push(w) });
    expect(warnings).toEqual([]);
  });

  it('partly public, or not readable: named as such', async () => {
    fake = new FakeAws();
    fake.buckets.add('course-b');
    fake.mock.stubs.s3.on(GetPublicAccessBlockCommand).resolves({ PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true } });
    fake.mock.stubs.s3.on(GetBucketEncryptionCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const warnings: string[] = [];
    await ensureBucket(fake.clients.s3, 'course-b', 'eu-west-1', { onUnsafe: (w) => warnings.push(w) });
    expect(warnings).toEqual([expect.stringMatching(/does not block public access/), 'could not check the default encryption of s3://course-b (access denied); make sure it is private and encrypted']);
  });

  it('the default bucket (no onUnsafe) is not checked: the tool made it private and encrypted', async () => {
    fake = new FakeAws({ bucketExists: true });
    await ensureBucket(fake.clients.s3, 'emr-spark-labs-123456789012-eu-west-1', 'eu-west-1', { account: '123456789012' });
    expect(fake.mock.calls().map((c) => c.operation)).toEqual(['GetBucketLocation']);
  });
});
