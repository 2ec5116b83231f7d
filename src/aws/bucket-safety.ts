import { GetBucketEncryptionCommand, GetPublicAccessBlockCommand, type S3Client } from '@aws-sdk/client-s3';
import { errorName } from './errors.js';

const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * What is unsafe about a bucket the user named (emr.bucket / LABS_BUCKET) rather than one the tool made: not
 * private (all four Block Public Access settings) or without default encryption. Each problem is one sentence
 * with the command that fixes it, for the bucket's owner. Warned about, not refused: a course bucket is often
 * the instructor's, and a student can neither fix it nor choose another for the class (docs/emr.md).
 */
export async function bucketSafetyProblems(s3: S3Client, bucket: string): Promise<string[]> {
  const problems: string[] = [];
  try {
    const out = await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }));
    const c = out.PublicAccessBlockConfiguration;
    if (!(c?.BlockPublicAcls && c.IgnorePublicAcls && c.BlockPublicPolicy && c.RestrictPublicBuckets)) problems.push(notPrivate(bucket));
  } catch (e) {
    problems.push(errorName(e) === 'NoSuchPublicAccessBlockConfiguration' ? notPrivate(bucket) : couldNotCheck(bucket, 'Block Public Access', e));
  }
  try {
    const out = await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
    if (!out.ServerSideEncryptionConfiguration?.Rules?.some((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm)) problems.push(notEncrypted(bucket));
  } catch (e) {
    problems.push(errorName(e) === 'ServerSideEncryptionConfigurationNotFoundError' ? notEncrypted(bucket) : couldNotCheck(bucket, 'default encryption', e));
  }
  return problems;
}

const notPrivate = (b: string) =>
  `s3://${b} does not block public access; its owner should run: aws s3api put-public-access-block --bucket ${b} --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`;
const notEncrypted = (b: string) =>
  `s3://${b} has no default encryption; its owner should run: aws s3api put-bucket-encryption --bucket ${b} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`;
const couldNotCheck = (b: string, what: string, e: unknown) =>
  `could not check the ${what} of s3://${b} (${status(e) === 403 ? 'access denied' : errorName(e) || 'error'}); make sure it is private and encrypted`;
