import { partitionOf } from './aws-arn.js';
import type { Config } from '../config.js';
import { InputError } from '../errors.js';
import { glueDatabaseName } from '../student-id.js';

/**
 * EMR runtime roles, a course option (`emr.runtimeRole`): each student's steps run as that student's own IAM role,
 * not as the cluster's instance profile, so a step can only reach the student's prefix of the course bucket and
 * their Glue database. EMR needs three things (docs/emr.md, "Runtime roles"):
 * - the cluster made with a security configuration that has
 *   AuthorizationConfiguration.IAMConfiguration.EnableApplicationScopedIAMRole = true (`emr.securityConfiguration`);
 * - ExecutionRoleArn on each AddJobFlowSteps request (EMR 6.7.0 and later);
 * - the role trusting the cluster's instance profile role (sts:AssumeRole, sts:SetSourceIdentity).
 */
export const RUNTIME_ROLE_SECURITY_CONFIGURATION = {
  AuthorizationConfiguration: { IAMConfiguration: { EnableApplicationScopedIAMRole: true, ApplicationScopedIAMRoleConfiguration: { PropagateSourceIdentity: true } } },
};

/** `emr.runtimeRole` is a role name with {student} in it: one role per student, e.g. emr-labs-step-{student}. */
export const RUNTIME_ROLE_TEMPLATE = /^(?=.*\{student\})[\w+=,.@{}-]{1,64}$/;

export function runtimeRoleName(template: string, student: string): string {
  const name = template.replaceAll('{student}', student);
  if (name.length > 64) throw new InputError(`emr.runtimeRole: "${name}" is longer than IAM's 64 characters`, 'shorten the template (the student id fills {student})');
  return name;
}

const releaseAtLeast = (label: string, [a, b]: [number, number]) => {
  const m = /^emr-(\d+)\.(\d+)\./.exec(label);
  return Boolean(m) && (Number(m![1]) > a || (Number(m![1]) === a && Number(m![2]) >= b));
};

/**
 * A course config that turns runtime roles on must also name the security configuration that enables them, on a
 * release that has them: checked with the config itself, so nothing is created before the mistake shows.
 */
export function checkRuntimeRoleConfig(config: Config): void {
  if (!config.emr.runtimeRole) return;
  if (!config.emr.securityConfiguration) {
    throw new InputError(
      'emr.runtimeRole needs emr.securityConfiguration: EMR runs steps as runtime roles only on clusters made with a security configuration that enables them',
      'create one with AuthorizationConfiguration.IAMConfiguration.EnableApplicationScopedIAMRole = true (docs/emr.md, "Runtime roles") and set emr.securityConfiguration to its name',
    );
  }
  if (!releaseAtLeast(config.emr.releaseLabel, [6, 7])) throw new InputError(`emr.runtimeRole needs EMR 6.7.0 or later, not ${config.emr.releaseLabel}`, 'set emr.releaseLabel to emr-6.7.0 or later');
  runtimeRoleName(config.emr.runtimeRole, config.student);
}

/** The ExecutionRoleArn of the student's steps, or undefined when the course does not use runtime roles. */
export function stepExecutionRoleArn(config: Config, account: string, region: string): string | undefined {
  const template = config.emr.runtimeRole;
  if (!template) return undefined;
  checkRuntimeRoleConfig(config);
  return `arn:${partitionOf(region)}:iam::${account}:role/${runtimeRoleName(template, config.student)}`;
}

/** The runtime role's own permissions: the student's prefix of the bucket and their Glue database, nothing else. */
export function runtimeRolePolicy(o: { bucket: string; student: string; partition?: string }): Record<string, unknown> {
  const p = o.partition ?? 'aws';
  const bucketArn = `arn:${p}:s3:::${o.bucket}`;
  const db = glueDatabaseName(o.student);
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'OwnPrefixObjects', Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject'], Resource: `${bucketArn}/${o.student}/*` },
      { Sid: 'ListOwnPrefix', Effect: 'Allow', Action: ['s3:ListBucket'], Resource: bucketArn, Condition: { StringLike: { 's3:prefix': [`${o.student}/*`] } } },
      {
        Sid: 'OwnGlueDatabase',
        Effect: 'Allow',
        Action: ['glue:CreateTable', 'glue:DeleteTable', 'glue:GetDatabase', 'glue:GetPartitions', 'glue:GetTable', 'glue:GetTableVersions', 'glue:GetTables', 'glue:UpdateTable'],
        Resource: [`arn:${p}:glue:*:*:catalog`, `arn:${p}:glue:*:*:database/${db}`, `arn:${p}:glue:*:*:table/${db}/*`],
      },
    ],
  };
}

/** Who may assume the runtime role: the cluster's instance profile role, which EMR uses to hand it to the step. */
export function runtimeRoleTrustPolicy(o: { instanceProfileRole: string; partition?: string }): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:${o.partition ?? 'aws'}:iam::<account>:role/${o.instanceProfileRole}` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }],
  };
}
