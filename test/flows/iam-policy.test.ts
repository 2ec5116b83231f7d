import { describe, expect, it } from 'vitest';
import { grantedActions, iamPolicy, INSTRUCTOR_ONLY_ACTIONS, OPERATION_ACTIONS } from '../../src/core/emr/iam-policy.js';
import { tourRequests } from './emr-tour.js';

const base = { course: 'spark-on-emr', student: 'ana', bucket: 'emr-spark-labs-*', serviceRole: 'EMR_DefaultRole', instanceProfile: 'EMR_EC2_DefaultRole' };

describe('labs iam-policy', () => {
  it('names exactly the operations the tool calls: every one the test tour records, and nothing more', async () => {
    const recorded = new Set((await tourRequests()).map((c) => `${c.service}/${c.operation}`));
    expect([...recorded].filter((op) => !(op in OPERATION_ACTIONS))).toEqual([]);
    expect(Object.keys(OPERATION_ACTIONS).filter((op) => !recorded.has(op))).toEqual([]);
  });

  it('grants each needed action, plus only what tag-on-create and role passing require; the bucket set-up only to the instructor', () => {
    for (const role of ['student', 'instructor'] as const) {
      const granted = grantedActions(iamPolicy({ ...base, role }));
      const needed = [...new Set(Object.values(OPERATION_ACTIONS))].filter((a) => role === 'instructor' || !INSTRUCTOR_ONLY_ACTIONS.includes(a));
      expect(needed.filter((a) => !granted.includes(a))).toEqual([]);
      expect(granted.filter((a) => !needed.includes(a))).toEqual(['elasticmapreduce:AddTags', 'iam:PassRole']);
    }
    expect(grantedActions(iamPolicy({ ...base, role: 'student' })).filter((a) => INSTRUCTOR_ONLY_ACTIONS.includes(a))).toEqual([]);
  });

  it('a student cannot take over another student\'s cluster: owner tags are added only on create and never changed', () => {
    const statements = (iamPolicy({ ...base, role: 'student' }) as { Statement: { Sid: string; Effect: string; Action: string[]; Condition?: Record<string, Record<string, unknown>> }[] }).Statement;
    const tagOnCreate = statements.find((s) => s.Effect === 'Allow' && s.Action.includes('elasticmapreduce:AddTags'))!;
    expect(tagOnCreate.Condition).toEqual({ StringEquals: { 'aws:RequestTag/labs:course': 'spark-on-emr', 'aws:RequestTag/labs:student': 'ana' }, Null: { 'aws:ResourceTag/labs:course': 'true' } });
    const deny = statements.find((s) => s.Effect === 'Deny')!;
    expect(deny.Action).toEqual(['elasticmapreduce:AddTags', 'elasticmapreduce:RemoveTags']);
    expect(deny.Condition!['ForAnyValue:StringEquals']).toEqual({ 'aws:TagKeys': expect.arrayContaining(['labs:student', 'labs:course']) });
    // terminate and add steps only where the cluster's own tags name the student
    const use = statements.find((s) => s.Action.includes('elasticmapreduce:TerminateJobFlows'))!;
    expect(use.Action).toContain('elasticmapreduce:AddJobFlowSteps');
    expect(use.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/labs:student': 'ana', 'aws:ResourceTag/labs:course': 'spark-on-emr' } });
    // listing: only under the own prefix, with no IfExists loophole for an unprefixed listing
    const list = statements.find((s) => s.Action.includes('s3:ListBucket'))!;
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': ['ana/*'] } });
  });

  it("scopes a student to clusters tagged with their id and to their S3 prefix", () => {
    const policy = JSON.stringify(iamPolicy({ ...base, role: 'student' }));
    expect(policy).toContain('"aws:ResourceTag/labs:student":"ana"');
    expect(policy).toContain('"aws:RequestTag/labs:student":"ana"');
    expect(policy).toContain('arn:aws:s3:::emr-spark-labs-*/ana/*');
    // the instructor is scoped by course, not student (labs:student appears only in the deny of re-tagging)
    const instructor = JSON.stringify(iamPolicy({ ...base, role: 'instructor' }));
    expect(instructor).not.toContain('ResourceTag/labs:student');
    expect(instructor).not.toContain('RequestTag/labs:student');
  });
});
