import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { iamPolicy } from '../../src/core/emr/iam-policy.js';
import { tempHome } from '../helpers/cli.js';
import { testPython } from '../helpers/test-venv.js';

interface Finding {
  issue: string;
  detail: unknown;
  location: { actions?: string[] };
}

const base = { course: 'spark-on-emr', student: 'ana', bucket: 'emr-spark-labs-*', serviceRole: 'EMR_DefaultRole', instanceProfile: 'EMR_EC2_DefaultRole' };

/** parliament (pinned in test/requirements.txt) on one policy, every severity, community auditors included. */
function lint(policy: unknown): Finding[] {
  const file = path.join(tempHome('iam-lint-'), 'policy.json');
  writeFileSync(file, JSON.stringify(policy, null, 2));
  const bin = path.join(path.dirname(testPython()), 'parliament');
  // stdin closed: parliament refuses --files when stdin is a pipe it could read instead
  const r = spawnSync(bin, ['--files', file, '--json', '--minimum_severity', 'INFO', '--include-community-auditors'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(r.status === 0 || r.status === 1, r.stderr).toBe(true);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Finding);
}

/**
 * Findings that are accepted, each for a reason that holds for this tool only:
 * - PERMISSIONS_MANAGEMENT_ACTIONS for iam:PassRole: EMR needs its service role and instance profile passed; the
 *   grant names exactly those two roles and only EMR/EC2 as the service they go to.
 * - the instructor's s3:PutBucketPolicy / PutBucketPublicAccessBlock (PERMISSIONS_MANAGEMENT_ACTIONS, and
 *   RESOURCE_POLICY_PRIVILEGE_ESCALATION "DeleteObject not allowed but PutBucketPolicy is"): the instructor makes the
 *   course bucket private and TLS-only, so owns its policy; granting them a right over their own bucket escalates
 *   nobody's. Students get neither action (asserted below), which is what the issue found.
 */
function unexpected(findings: Finding[], role: 'student' | 'instructor'): Finding[] {
  const managed = role === 'student' ? ['iam:passrole'] : ['iam:passrole', 's3:putbucketpolicy', 's3:putbucketpublicaccessblock'];
  return findings.filter((f) => {
    if (f.issue === 'PERMISSIONS_MANAGEMENT_ACTIONS') return (f.location.actions ?? []).some((a) => !managed.includes(a));
    if (role === 'instructor' && f.issue === 'RESOURCE_POLICY_PRIVILEGE_ESCALATION') return !/due to s3:DeleteObject not being allowed, but does allow s3:PutBucketPolicy/.test(String(f.detail));
    return true;
  });
}

describe('the IAM policies pass parliament', () => {
  it.each(['student', 'instructor'] as const)('%s: no finding but the justified ones', (role) => {
    const findings = lint(iamPolicy({ ...base, role }));
    expect(unexpected(findings, role)).toEqual([]);
    if (role === 'student') expect(findings.map((f) => f.issue).filter((i) => ['RESOURCE_POLICY_PRIVILEGE_ESCALATION', 'RESOURCE_STAR'].includes(i))).toEqual([]);
  });

  it('with EMR runtime roles: the student policy and the runtime role policy pass too', async () => {
    const { runtimeRolePolicy } = await import('../../src/core/emr/runtime-role.js');
    expect(unexpected(lint(iamPolicy({ ...base, role: 'student', runtimeRole: 'emr-labs-step-{student}' })), 'student')).toEqual([]);
    expect(unexpected(lint(iamPolicy({ ...base, role: 'instructor', runtimeRole: 'emr-labs-step-{student}' })), 'instructor')).toEqual([]);
    expect(lint(runtimeRolePolicy({ bucket: 'emr-spark-labs-course', student: 'ana' }))).toEqual([]);
  });

  it('the linter finds what the issue found in the old student policy (the check can fail)', () => {
    const old = iamPolicy({ ...base, role: 'instructor' }) as { Statement: Record<string, unknown>[] };
    // the old student grants: bucket set-up on the course bucket and a persistent-UI read on "*"
    old.Statement.push({ Sid: 'Old', Effect: 'Allow', Action: ['elasticmapreduce:DescribePersistentAppUI'], Resource: '*' });
    const issues = unexpected(lint(old), 'student').map((f) => f.issue);
    expect(issues).toContain('RESOURCE_STAR');
    expect(issues).toContain('RESOURCE_POLICY_PRIVILEGE_ESCALATION');
  });
});
