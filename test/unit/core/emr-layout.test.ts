import { describe, expect, it } from 'vitest';
import { artifactKey, defaultBucket, parseS3Uri, stepLogKey } from '../../../src/core/emr/layout.js';
import { explainClusterEnd } from '../../../src/core/emr/cluster-end.js';

describe('S3 layout', () => {
  it('names the default bucket by account and region, and artifacts by content', () => {
    expect(defaultBucket('123456789012', 'eu-west-1')).toBe('emr-spark-labs-123456789012-eu-west-1');
    expect(artifactKey({ bucket: 'b', student: 'ana' }, 'ab'.repeat(32), 'spark-jobs/python/x.py')).toBe('ana/artifacts/abababababab/spark-jobs/python/x.py');
  });

  it("finds a step's log under LogUri as EMR writes it (s3n:// and a missing slash included)", () => {
    expect(stepLogKey('s3n://b/ana/logs/', 'j-1', 's-2', 'stderr')).toEqual({ bucket: 'b', key: 'ana/logs/j-1/steps/s-2/stderr.gz' });
    expect(stepLogKey('s3://b/ana/logs', 'j-1', 's-2', 'stdout')).toEqual({ bucket: 'b', key: 'ana/logs/j-1/steps/s-2/stdout.gz' });
    expect(stepLogKey('s3://b', 'j-1', 's-2', 'stderr')).toEqual({ bucket: 'b', key: 'j-1/steps/s-2/stderr.gz' });
    expect(() => parseS3Uri('/tmp/x')).toThrow();
  });
});

describe('explainClusterEnd', () => {
  it.each([
    ['VALIDATION_ERROR', /create-default-roles/],
    ['INSTANCE_FAILURE', /subnet/],
    ['BOOTSTRAP_FAILURE', /bootstrap-actions/],
    ['SOMETHING_NEW', /labs cluster status/],
  ])('%s', (Code, hint) => {
    const e = explainClusterEnd({ Id: 'j-1', Status: { State: 'TERMINATED_WITH_ERRORS', StateChangeReason: { Code: Code as never, Message: 'why' } } });
    expect(e.message).toBe(`cluster j-1 ended TERMINATED_WITH_ERRORS: ${Code}: why`);
    expect(e.hint).toMatch(hint);
  });
});
