import { CREATED_BY, TAG } from './tags.js';
import { runtimeRoleName } from './runtime-role.js';
import { glueDatabaseName } from '../student-id.js';

/**
 * Every AWS operation the tool calls (service/Operation, botocore's names) and the IAM action it needs.
 * The policy is built from this table, and a test checks the table against the calls the test suite records:
 * it must cover each of them and nothing more.
 */
export const OPERATION_ACTIONS: Record<string, string> = {
  'sts/GetCallerIdentity': 'sts:GetCallerIdentity',
  'emr/ListClusters': 'elasticmapreduce:ListClusters',
  'emr/DescribeCluster': 'elasticmapreduce:DescribeCluster',
  'emr/RunJobFlow': 'elasticmapreduce:RunJobFlow',
  'emr/AddJobFlowSteps': 'elasticmapreduce:AddJobFlowSteps',
  'emr/DescribeStep': 'elasticmapreduce:DescribeStep',
  'emr/ListSteps': 'elasticmapreduce:ListSteps',
  'emr/CancelSteps': 'elasticmapreduce:CancelSteps',
  'emr/TerminateJobFlows': 'elasticmapreduce:TerminateJobFlows',
  // the dashboard's reads (aws/emr-dashboard.ts)
  'emr/ListInstanceGroups': 'elasticmapreduce:ListInstanceGroups',
  'emr/ListInstanceFleets': 'elasticmapreduce:ListInstanceFleets',
  'emr/GetAutoTerminationPolicy': 'elasticmapreduce:GetAutoTerminationPolicy',
  'emr/GetOnClusterAppUIPresignedURL': 'elasticmapreduce:GetOnClusterAppUIPresignedURL',
  'emr/CreatePersistentAppUI': 'elasticmapreduce:CreatePersistentAppUI',
  'emr/DescribePersistentAppUI': 'elasticmapreduce:DescribePersistentAppUI',
  'emr/GetPersistentAppUIPresignedURL': 'elasticmapreduce:GetPersistentAppUIPresignedURL',
  'resourcegroupstaggingapi/GetResources': 'tag:GetResources',
  'cloudwatch/GetMetricData': 'cloudwatch:GetMetricData',
  'glue/GetDatabase': 'glue:GetDatabase',
  'glue/CreateDatabase': 'glue:CreateDatabase',
  // the bucket probe: GetBucketLocation, not HeadBucket, which needs s3:ListBucket without a prefix (students list only theirs)
  's3/GetBucketLocation': 's3:GetBucketLocation',
  // a course bucket named in config is checked for Block Public Access and default encryption (aws/bucket-safety.ts)
  's3/GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock',
  's3/GetBucketEncryption': 's3:GetEncryptionConfiguration',
  's3/CreateBucket': 's3:CreateBucket',
  's3/DeleteBucket': 's3:DeleteBucket',
  's3/PutPublicAccessBlock': 's3:PutBucketPublicAccessBlock',
  's3/PutBucketEncryption': 's3:PutEncryptionConfiguration',
  's3/PutBucketPolicy': 's3:PutBucketPolicy',
  's3/HeadObject': 's3:GetObject',
  // `labs cohort grade`: a student's latest run of a lab, found under <student>/runs/<lab>/
  's3/ListObjectsV2': 's3:ListBucket',
  's3/GetObject': 's3:GetObject',
  's3/PutObject': 's3:PutObject',
  // lib-storage's multipart path for large files
  's3/CreateMultipartUpload': 's3:PutObject',
  's3/UploadPart': 's3:PutObject',
  's3/CompleteMultipartUpload': 's3:PutObject',
  's3/AbortMultipartUpload': 's3:AbortMultipartUpload',
};

export interface PolicyOptions {
  role: 'student' | 'instructor';
  course: string;
  /** the student the policy is for (role student) */
  student: string;
  /** the course bucket, or a wildcard pattern of the default names */
  bucket: string;
  serviceRole: string;
  instanceProfile: string;
  /** emr.runtimeRole (a name with {student}): steps must run as the student's runtime role */
  runtimeRole?: string | undefined;
  partition?: string;
}

interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const actions = (...ops: string[]) => [...new Set(ops.map((op) => OPERATION_ACTIONS[op]!))].sort();

/** The tags that say whose a cluster is: nobody may add, change or remove them once a cluster has an owner. */
const OWNER_TAGS = [TAG.student, TAG.course, TAG.createdBy, TAG.cohort];

/**
 * Least privilege for the tool, safe for a class sharing one account. A student may only touch clusters tagged with
 * their student id, create clusters only with those tags, never change the owner tags of a cluster that has them
 * (else re-tagging another student's cluster would make it theirs), read and write only their prefix of the course
 * bucket, list only under it, and never create, delete or re-configure the bucket (the instructor's policy makes it).
 * Actions that take no resource (List*, GetResources, GetMetricData) stay on "*".
 */
export function iamPolicy(o: PolicyOptions): Record<string, unknown> {
  const p = o.partition ?? 'aws';
  const student = o.role === 'student';
  const scope = student ? { [`aws:ResourceTag/${TAG.student}`]: o.student, [`aws:ResourceTag/${TAG.course}`]: o.course } : { [`aws:ResourceTag/${TAG.course}`]: o.course };
  const requestScope = student ? { [`aws:RequestTag/${TAG.student}`]: o.student } : {};
  const cluster = `arn:${p}:elasticmapreduce:*:*:cluster/*`;
  const bucketArn = `arn:${p}:s3:::${o.bucket}`;
  const objects = student ? `${bucketArn}/${o.student}/*` : `${bucketArn}/*`;
  // the student's own runtime role; the instructor's policy covers every student's (the template's {student} as *)
  const runtimeRoleArn = o.runtimeRole ? `arn:${p}:iam::*:role/${student ? runtimeRoleName(o.runtimeRole, o.student) : o.runtimeRole.replaceAll('{student}', '*')}` : undefined;
  const bucketSetup = ['s3/CreateBucket', 's3/DeleteBucket', 's3/PutPublicAccessBlock', 's3/PutBucketEncryption', 's3/PutBucketPolicy'];
  const statements: Statement[] = [
    { Sid: 'Identity', Effect: 'Allow', Action: actions('sts/GetCallerIdentity'), Resource: '*' },
    {
      Sid: 'FindClustersAndMetrics',
      Effect: 'Allow',
      Action: actions('emr/ListClusters', 'resourcegroupstaggingapi/GetResources', 'cloudwatch/GetMetricData'),
      Resource: '*',
    },
    {
      Sid: 'CreateTaggedClusters',
      Effect: 'Allow',
      Action: actions('emr/RunJobFlow'),
      Resource: '*',
      Condition: { StringEquals: { [`aws:RequestTag/${TAG.course}`]: o.course, [`aws:RequestTag/${TAG.createdBy}`]: CREATED_BY, ...requestScope } },
    },
    {
      // RunJobFlow tags on create: EMR checks AddTags on the new cluster with the same request tags. A cluster that
      // has an owner already is not new, so its tags are not ours to add to (Null: the owner tag is absent).
      Sid: 'TagOnCreate',
      Effect: 'Allow',
      Action: ['elasticmapreduce:AddTags'],
      Resource: cluster,
      Condition: { StringEquals: { [`aws:RequestTag/${TAG.course}`]: o.course, ...requestScope }, Null: { [`aws:ResourceTag/${TAG.course}`]: 'true' } },
    },
    {
      // Whatever other policy the user has: the owner tags of an owned cluster never change.
      Sid: 'NeverRetagOwnedClusters',
      Effect: 'Deny',
      Action: ['elasticmapreduce:AddTags', 'elasticmapreduce:RemoveTags'],
      Resource: cluster,
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': OWNER_TAGS }, Null: { [`aws:ResourceTag/${TAG.course}`]: 'false' } },
    },
    {
      Sid: 'UseOwnClusters',
      Effect: 'Allow',
      Action: actions(
        'emr/DescribeCluster',
        // with runtime roles, steps are added only as the student's own role (RuntimeRoleSteps below)
        ...(o.runtimeRole ? [] : ['emr/AddJobFlowSteps']),
        'emr/DescribeStep',
        'emr/ListSteps',
        'emr/CancelSteps',
        'emr/TerminateJobFlows',
        'emr/GetOnClusterAppUIPresignedURL',
        'emr/CreatePersistentAppUI',
        // IAM authorizes the persistent UI's reads against its cluster (the service authorization reference)
        'emr/DescribePersistentAppUI',
        'emr/GetPersistentAppUIPresignedURL',
        'emr/ListInstanceGroups',
        'emr/ListInstanceFleets',
        'emr/GetAutoTerminationPolicy',
      ),
      Resource: cluster,
      Condition: { StringEquals: scope },
    },
    ...(runtimeRoleArn
      ? [
          {
            Sid: 'RuntimeRoleSteps',
            Effect: 'Allow' as const,
            Action: actions('emr/AddJobFlowSteps'),
            Resource: cluster,
            Condition: { StringEquals: scope, ArnLike: { 'elasticmapreduce:ExecutionRoleArn': runtimeRoleArn } },
          },
        ]
      : []),
    {
      Sid: 'PassEmrRoles',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [`arn:${p}:iam::*:role/${o.serviceRole}`, `arn:${p}:iam::*:role/${o.instanceProfile}`, ...(runtimeRoleArn ? [runtimeRoleArn] : [])],
      Condition: { StringEquals: { 'iam:PassedToService': ['elasticmapreduce.amazonaws.com', 'ec2.amazonaws.com'] } },
    },
    {
      Sid: 'FindBucket',
      Effect: 'Allow',
      Action: actions('s3/GetBucketLocation', 's3/GetPublicAccessBlock', 's3/GetBucketEncryption'),
      Resource: bucketArn,
    },
    // The bucket and its policy are the instructor's: a student could otherwise open it to the world or delete it.
    ...(student ? [] : [{ Sid: 'MakeBucket', Effect: 'Allow' as const, Action: actions(...bucketSetup), Resource: bucketArn }]),
    {
      Sid: student ? 'ListOwnPrefix' : 'ListBucket',
      Effect: 'Allow',
      Action: actions('s3/ListObjectsV2'),
      Resource: bucketArn,
      // StringLike, not ...IfExists: a listing without a prefix (the whole bucket) must be refused too.
      ...(student ? { Condition: { StringLike: { 's3:prefix': [`${o.student}/*`] } } } : {}),
    },
    { Sid: 'OwnObjects', Effect: 'Allow', Action: actions('s3/GetObject', 's3/PutObject', 's3/AbortMultipartUpload'), Resource: objects },
    {
      Sid: 'GlueDatabase',
      Effect: 'Allow',
      Action: actions('glue/GetDatabase', 'glue/CreateDatabase'),
      Resource: [`arn:${p}:glue:*:*:catalog`, `arn:${p}:glue:*:*:database/${student ? glueDatabaseName(o.student) : 'labs_*'}`],
    },
  ];
  return { Version: '2012-10-17', Statement: statements };
}

/** The S3 setup actions only the instructor's policy grants. */
export const INSTRUCTOR_ONLY_ACTIONS = ['s3:CreateBucket', 's3:DeleteBucket', 's3:PutBucketPolicy', 's3:PutBucketPublicAccessBlock', 's3:PutEncryptionConfiguration'];

/** Every action a policy grants, for tests and reviews. */
export function grantedActions(policy: Record<string, unknown>): string[] {
  return [...new Set((policy.Statement as Statement[]).filter((s) => s.Effect === 'Allow').flatMap((s) => s.Action))].sort();
}
