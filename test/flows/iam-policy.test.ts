import { describe, expect, it } from 'vitest';
import { grantedActions, iamPolicy, OPERATION_ACTIONS } from '../../src/core/emr/iam-policy.js';
import { tourRequests } from './emr-tour.js';

const base = { course: 'spark-on-emr', student: 'ana', bucket: 'emr-spark-labs-*', serviceRole: 'EMR_DefaultRole', instanceProfile: 'EMR_EC2_DefaultRole' };

describe('labs iam-policy', () => {
  it('names exactly the operations the tool calls: every one the test tour records, and nothing more', async () => {
    const recorded = new Set((await tourRequests()).map((c) => `${c.service}/${c.operation}`));
    expect([...recorded].filter((op) => !(op in OPERATION_ACTIONS))).toEqual([]);
    expect(Object.keys(OPERATION_ACTIONS).filter((op) => !recorded.has(op))).toEqual([]);
  });

  it('grants each needed action, plus only what tag-on-create and role passing require', () => {
    for (const role of ['student', 'instructor'] as const) {
      const granted = grantedActions(iamPolicy({ ...base, role }));
      const needed = [...new Set(Object.values(OPERATION_ACTIONS))];
      expect(needed.filter((a) => !granted.includes(a))).toEqual([]);
      expect(granted.filter((a) => !needed.includes(a))).toEqual(['elasticmapreduce:AddTags', 'iam:PassRole']);
    }
  });

  it("scopes a student to clusters tagged with their id and to their S3 prefix", () => {
    const policy = JSON.stringify(iamPolicy({ ...base, role: 'student' }));
    expect(policy).toContain('"aws:ResourceTag/labs:student":"ana"');
    expect(policy).toContain('"aws:RequestTag/labs:student":"ana"');
    expect(policy).toContain('arn:aws:s3:::emr-spark-labs-*/ana/*');
    expect(JSON.stringify(iamPolicy({ ...base, role: 'instructor' }))).not.toContain('labs:student');
  });
});
