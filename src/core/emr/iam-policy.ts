import { CREATED_BY, TAG } from './tags.js';

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
  's3/HeadBucket': 's3:ListBucket',
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
  partition?: string;
}

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const actions = (...ops: string[]) => [...new Set(ops.map((op) => OPERATION_ACTIONS[op]!))].sort();

/**
 * Least privilege for the tool: a student may only touch clusters tagged with their student id, create clusters
 * only with those tags, and read/write only their prefix of the bucket; an instructor gets the course's clusters and
 * the whole bucket. Actions that take no resource (List*, GetResources, GetMetricData) stay on "*".
 */
export function iamPolicy(o: PolicyOptions): Record<string, unknown> {
  const p = o.partition ?? 'aws';
  const scope = o.role === 'student' ? { [`aws:ResourceTag/${TAG.student}`]: o.student, [`aws:ResourceTag/${TAG.course}`]: o.course } : { [`aws:ResourceTag/${TAG.course}`]: o.course };
  const requestScope = o.role === 'student' ? { [`aws:RequestTag/${TAG.student}`]: o.student } : {};
  const cluster = `arn:${p}:elasticmapreduce:*:*:cluster/*`;
  const bucketArn = `arn:${p}:s3:::${o.bucket}`;
  const objects = o.role === 'student' ? `${bucketArn}/${o.student}/*` : `${bucketArn}/*`;
  const statements: Statement[] = [
    { Sid: 'Identity', Effect: 'Allow', Action: actions('sts/GetCallerIdentity'), Resource: '*' },
    {
      Sid: 'FindClustersAndMetrics',
      Effect: 'Allow',
      Action: actions('emr/ListClusters', 'resourcegroupstaggingapi/GetResources', 'cloudwatch/GetMetricData', 'emr/DescribePersistentAppUI', 'emr/GetPersistentAppUIPresignedURL'),
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
      // RunJobFlow tags on create: EMR checks AddTags on the new cluster with the same request tags.
      Sid: 'TagOnCreate',
      Effect: 'Allow',
      Action: ['elasticmapreduce:AddTags'],
      Resource: cluster,
      Condition: { StringEquals: { [`aws:RequestTag/${TAG.course}`]: o.course, ...requestScope } },
    },
    {
      Sid: 'UseOwnClusters',
      Effect: 'Allow',
      Action: actions(
        'emr/DescribeCluster',
        'emr/AddJobFlowSteps',
        'emr/DescribeStep',
        'emr/ListSteps',
        'emr/CancelSteps',
        'emr/TerminateJobFlows',
        'emr/GetOnClusterAppUIPresignedURL',
        'emr/CreatePersistentAppUI',
        'emr/ListInstanceGroups',
        'emr/ListInstanceFleets',
        'emr/GetAutoTerminationPolicy',
      ),
      Resource: cluster,
      Condition: { StringEquals: scope },
    },
    {
      Sid: 'PassEmrRoles',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: [`arn:${p}:iam::*:role/${o.serviceRole}`, `arn:${p}:iam::*:role/${o.instanceProfile}`],
      Condition: { StringEquals: { 'iam:PassedToService': ['elasticmapreduce.amazonaws.com', 'ec2.amazonaws.com'] } },
    },
    {
      Sid: 'Bucket',
      Effect: 'Allow',
      Action: actions('s3/CreateBucket', 's3/DeleteBucket', 's3/PutPublicAccessBlock', 's3/PutBucketEncryption', 's3/PutBucketPolicy'),
      Resource: bucketArn,
    },
    {
      Sid: 'ListOwnPrefix',
      Effect: 'Allow',
      Action: actions('s3/HeadBucket', 's3/ListObjectsV2'),
      Resource: bucketArn,
      // IfExists: HeadBucket carries no prefix; a listing that names one must stay inside the student's.
      ...(o.role === 'student' ? { Condition: { StringLikeIfExists: { 's3:prefix': [`${o.student}/*`] } } } : {}),
    },
    { Sid: 'OwnObjects', Effect: 'Allow', Action: actions('s3/GetObject', 's3/PutObject', 's3/AbortMultipartUpload'), Resource: objects },
    {
      Sid: 'GlueDatabase',
      Effect: 'Allow',
      Action: actions('glue/GetDatabase', 'glue/CreateDatabase'),
      Resource: [`arn:${p}:glue:*:*:catalog`, `arn:${p}:glue:*:*:database/${o.role === 'student' ? `labs_${o.student.toLowerCase().replace(/[^a-z0-9_]/g, '_')}` : 'labs_*'}`],
    },
  ];
  return { Version: '2012-10-17', Statement: statements };
}

/** Every action a policy grants, for tests and reviews. */
export function grantedActions(policy: Record<string, unknown>): string[] {
  return [...new Set((policy.Statement as Statement[]).flatMap((s) => s.Action))].sort();
}
