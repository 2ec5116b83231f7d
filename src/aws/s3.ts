import { createReadStream } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  GetObjectCommand,
  GetBucketLocationCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { partitionOf, tlsOnlyBucketPolicy } from '../core/emr/aws-arn.js';
import { EnvironmentError } from '../core/errors.js';
import { bucketSafetyProblems } from './bucket-safety.js';
import { aws, errorName, toLabsError } from './errors.js';

const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const isNotFound = (e: unknown) => status(e) === 404 || ['NotFound', 'NoSuchKey', 'NoSuchBucket'].includes(errorName(e));

/**
 * The student's bucket, created if missing with Block Public Access, SSE-S3 default encryption and a TLS-only
 * policy (left out with `tlsOnly: false`, behind a plain-HTTP emulator on loopback: core/emulator-endpoint.ts). A bucket we created but could not harden is deleted again: nothing half-made is left behind.
 * The probe is GetBucketLocation: HeadBucket needs s3:ListBucket with no prefix, which a student may not have.
 * `onUnsafe` (a bucket the user named): an existing bucket that is not private or not encrypted is reported there.
 */
export interface EnsureBucketOptions {
  /** the owner S3 checks (the default bucket name embeds this account) */
  account?: string | undefined;
  onUnsafe?: ((problem: string) => void) | undefined;
  /** false: no TLS-only bucket policy (a plain-HTTP emulator could never meet it) */
  tlsOnly?: boolean | undefined;
}

export async function ensureBucket(s3: S3Client, bucket: string, region: string, o: EnsureBucketOptions = {}): Promise<'exists' | 'created'> {
  const { account, onUnsafe } = o;
  try {
    await s3.send(new GetBucketLocationCommand({ Bucket: bucket, ...(account ? { ExpectedBucketOwner: account } : {}) }));
    if (onUnsafe) for (const problem of await bucketSafetyProblems(s3, bucket)) onUnsafe(problem);
    return 'exists';
  } catch (e) {
    if (status(e) === 403) {
      throw new EnvironmentError(`S3 bucket ${bucket} exists but is not yours (or you may not read it)`, 'choose another: `labs config set emr.bucket <name>`');
    }
    if (!isNotFound(e)) throw toLabsError(e, `check bucket ${bucket}`);
  }
  await aws(`create bucket ${bucket}`, () =>
    s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 is the one region that must not be named as a location constraint.
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
      }),
    ),
  );
  try {
    await s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: bucket,
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      }),
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] },
      }),
    );
    if (o.tlsOnly !== false) await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: tlsOnlyBucketPolicy(bucket, partitionOf(region)) }));
  } catch (e) {
    try {
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    } catch {
      // Best effort: the error that matters is the one below.
    }
    throw toLabsError(e, `secure the new bucket ${bucket} (it was removed again)`);
  }
  return 'created';
}

export interface FileUpload {
  bucket: string;
  key: string;
  /** local path of the file */
  file: string;
  /** hex sha256 of the file: stored as object metadata so a later run can tell the file is unchanged */
  sha256: string;
}

/**
 * Upload a file unless S3 already holds the same content (HeadObject first). lib-storage's Upload sends small files
 * in one PutObject and large ones as a multipart upload.
 */
export async function uploadIfChanged(s3: S3Client, u: FileUpload): Promise<'unchanged' | 'uploaded'> {
  try {
    const head = await s3.send(new HeadObjectCommand({ Bucket: u.bucket, Key: u.key }));
    if (head.Metadata?.sha256 === u.sha256) return 'unchanged';
  } catch (e) {
    if (!isNotFound(e)) throw toLabsError(e, `check s3://${u.bucket}/${u.key}`);
  }
  await aws(`upload ${u.file} to s3://${u.bucket}/${u.key}`, () =>
    new Upload({ client: s3, params: { Bucket: u.bucket, Key: u.key, Body: createReadStream(u.file), Metadata: { sha256: u.sha256 } } }).done(),
  );
  return 'uploaded';
}

/** An object's text (gunzipped for .gz, as EMR stores step logs), or undefined when it does not exist (yet). */
export async function getObjectText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  let bytes: Uint8Array;
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!out.Body) return undefined;
    bytes = await out.Body.transformToByteArray();
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw toLabsError(e, `read s3://${bucket}/${key}`);
  }
  const buf = Buffer.from(bytes);
  // Gzip magic number: some tools store .gz keys already decoded, so trust the bytes, not the name.
  return key.endsWith('.gz') && buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf).toString('utf8') : buf.toString('utf8');
}

/** The names right under a prefix, as S3 groups keys at the next '/' (e.g. the run ids under runs/<lab>/), every page. */
export async function listSubPrefixes(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  return aws(`list s3://${bucket}/${prefix}`, async () => {
    const out: string[] = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix, Delimiter: '/' })) {
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix.slice(prefix.length).replace(/\/$/, ''));
    }
    return out;
  });
}

