import { gzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, GetObjectCommand, GetBucketLocationCommand, HeadObjectCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand, PutObjectCommand, PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureBucket, getObjectText, uploadIfChanged } from '../../../src/aws/s3.js';
import { EnvironmentError } from '../../../src/core/errors.js';
import { mockAws, type MockAws } from '../../helpers/mock-aws.js';

const err = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
let aws: MockAws;
afterEach(() => aws.restore());

describe('ensureBucket', () => {
  it('creates a missing bucket private, encrypted and TLS-only', async () => {
    aws = mockAws();
    const s3 = aws.stubs.s3;
    s3.on(GetBucketLocationCommand).rejects(err('NoSuchBucket', 404));
    s3.on(CreateBucketCommand).resolves({});
    expect(await ensureBucket(aws.clients.s3, 'b', 'eu-west-1', { account: '123456789012' })).toBe('created');
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'b', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0]!.args[0].input.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect(s3.commandCalls(PutBucketEncryptionCommand)[0]!.args[0].input.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input.Policy!);
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('names no location constraint in us-east-1', async () => {
    aws = mockAws('us-east-1');
    aws.stubs.s3.on(GetBucketLocationCommand).rejects(err('NoSuchBucket', 404));
    await ensureBucket(aws.clients.s3, 'b', 'us-east-1');
    expect(aws.stubs.s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'b' });
  });

  it('removes a bucket it could not secure: nothing half-made is left', async () => {
    aws = mockAws();
    aws.stubs.s3.on(GetBucketLocationCommand).rejects(err('NoSuchBucket', 404));
    aws.stubs.s3.on(PutBucketPolicyCommand).rejects(err('AccessDenied', 403));
    await expect(ensureBucket(aws.clients.s3, 'b', 'eu-west-1')).rejects.toThrowError(/secure the new bucket b \(it was removed again\): access denied/);
    expect(aws.stubs.s3.commandCalls(DeleteBucketCommand)).toHaveLength(1);
  });

  it('says so when the name belongs to someone else', async () => {
    aws = mockAws();
    aws.stubs.s3.on(GetBucketLocationCommand).rejects(err('AccessDenied', 403));
    const e = await ensureBucket(aws.clients.s3, 'b', 'eu-west-1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(EnvironmentError);
    expect((e as EnvironmentError).hint).toMatch(/emr.bucket/);
    expect(aws.stubs.s3.commandCalls(CreateBucketCommand)).toHaveLength(0);
  });
});

describe('uploadIfChanged', () => {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'up-')), 'job.py');
  writeFileSync(file, 'print(1)\n');

  it('skips a file S3 already holds with the same sha256', async () => {
    aws = mockAws();
    aws.stubs.s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: 'abc' } });
    expect(await uploadIfChanged(aws.clients.s3, { bucket: 'b', key: 'k', file, sha256: 'abc' })).toBe('unchanged');
    expect(aws.stubs.s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('uploads a new or changed file with its checksum as metadata', async () => {
    aws = mockAws();
    aws.stubs.s3.on(HeadObjectCommand).rejects(err('NotFound', 404));
    aws.stubs.s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    expect(await uploadIfChanged(aws.clients.s3, { bucket: 'b', key: 'k', file, sha256: 'abc' })).toBe('uploaded');
    expect(aws.stubs.s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({ Bucket: 'b', Key: 'k', Metadata: { sha256: 'abc' } });
  });
});

describe('getObjectText', () => {
  it('gunzips .gz logs and answers undefined for a missing key', async () => {
    aws = mockAws();
    const body = (b: Buffer) => ({ transformToByteArray: async () => new Uint8Array(b) }) as never;
    aws.stubs.s3.on(GetObjectCommand, { Key: 'steps/s-1/stderr.gz' }).resolves({ Body: body(gzipSync('Traceback')) });
    aws.stubs.s3.on(GetObjectCommand, { Key: 'missing' }).rejects(err('NoSuchKey', 404));
    expect(await getObjectText(aws.clients.s3, 'b', 'steps/s-1/stderr.gz')).toBe('Traceback');
    expect(await getObjectText(aws.clients.s3, 'b', 'missing')).toBeUndefined();
  });
});
