import { describe, expect, it } from 'vitest';
import { buildEmrPlan } from '../../../src/app/emr/plan.js';
import { mergeConfig } from '../../../src/core/config.js';
import { iamPolicy } from '../../../src/core/emr/iam-policy.js';
import { runtimeRolePolicy, stepExecutionRoleArn } from '../../../src/core/emr/runtime-role.js';
import { loadLab } from '../../../src/app/lab-catalog.js';
import { projectRoot } from '../../../src/app/paths.js';

const withRoles = (emr: Record<string, unknown> = {}) => mergeConfig([{ source: 'course', values: { target: 'emr', student: 'ana', emr: { securityConfiguration: 'labs-runtime-roles', runtimeRole: 'emr-labs-step-{student}', ...emr } } }]);

describe('EMR runtime roles (emr.runtimeRole)', () => {
  it('are off by default: no ExecutionRoleArn', () => {
    expect(stepExecutionRoleArn(mergeConfig([]), '111122223333', 'eu-west-1')).toBeUndefined();
  });

  it('each student gets their own role; the plan carries it on AddJobFlowSteps and the security configuration on RunJobFlow', () => {
    const config = withRoles();
    expect(stepExecutionRoleArn(config, '111122223333', 'cn-north-1')).toBe('arn:aws-cn:iam::111122223333:role/emr-labs-step-ana');
    const plan = buildEmrPlan(loadLab('day2-joins'), config, { projectRoot, fleets: false, now: new Date('2026-12-01T10:00:00Z'), account: '111122223333', region: 'eu-west-1' });
    expect(plan.addJobFlowSteps[0]!.ExecutionRoleArn).toBe('arn:aws:iam::111122223333:role/emr-labs-step-ana');
    expect(plan.runJobFlow.SecurityConfiguration).toBe('labs-runtime-roles');
  });

  it('are refused, before anything is made, without the security configuration that enables them, on an old release, or as a name IAM refuses', () => {
    expect(() => mergeConfig([{ source: 'course', values: { emr: { runtimeRole: 'step-{student}' } } }])).toThrow(/emr.runtimeRole needs emr.securityConfiguration/);
    expect(() => withRoles({ releaseLabel: 'emr-6.6.0' })).toThrow(/needs EMR 6.7.0 or later/);
    expect(() => withRoles({ runtimeRole: 'no-placeholder' })).toThrow(/emr.runtimeRole: an IAM role name with \{student\}/);
    const long = { target: 'emr', student: 'a'.repeat(30), emr: { securityConfiguration: 'labs-runtime-roles', runtimeRole: `${'x'.repeat(40)}-{student}` } };
    expect(() => mergeConfig([{ source: 'course', values: long }])).toThrow(/longer than IAM's 64 characters/);
  });

  it("a student may add steps only as their own runtime role; the role reaches only the student's prefix and Glue database", () => {
    const policy = iamPolicy({ role: 'student', course: 'c', student: 'ana', bucket: 'b', serviceRole: 'S', instanceProfile: 'I', runtimeRole: 'emr-labs-step-{student}' }) as { Statement: { Sid: string; Action: string[]; Resource: unknown; Condition?: unknown }[] };
    const adds = policy.Statement.filter((s) => s.Action.includes('elasticmapreduce:AddJobFlowSteps'));
    expect(adds).toHaveLength(1);
    expect(adds[0]!.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/labs:student': 'ana', 'aws:ResourceTag/labs:course': 'c' }, ArnLike: { 'elasticmapreduce:ExecutionRoleArn': 'arn:aws:iam::*:role/emr-labs-step-ana' } });
    expect(policy.Statement.find((s) => s.Sid === 'PassEmrRoles')!.Resource).toContain('arn:aws:iam::*:role/emr-labs-step-ana');
    const role = JSON.stringify(runtimeRolePolicy({ bucket: 'b', student: 'ana' }));
    expect(role).toContain('"arn:aws:s3:::b/ana/*"');
    expect(role).toContain('"s3:prefix":["ana/*"]');
    expect(role).toContain('database/labs_ana');
    expect(role).not.toMatch(/"Resource":"\*"|arn:aws:s3:::b\/\*/);
  });
});
