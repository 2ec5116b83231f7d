import { DescribeClusterCommand, ListClustersCommand, RunJobFlowCommand, TerminateJobFlowsCommand } from '@aws-sdk/client-emr';
import { afterEach, describe, expect, it } from 'vitest';
import { createClusterIdempotent, findClustersByTags, terminateClusters } from '../../../src/aws/emr.js';
import { TAG } from '../../../src/core/emr/tags.js';
import { mockAws, type MockAws } from '../../helpers/mock-aws.js';

let aws: MockAws;
afterEach(() => aws.restore());
const input = { Name: 'c', Instances: {}, Tags: [{ Key: TAG.idempotencyKey, Value: 'k1' }] };
// ListClusters returns Names, not tags: these are Names the tool gave before they carried the key (candidates for any look-up)
const OURS = 'emr-spark-labs ana';
const tagged = (id: string, key: string) => ({ Cluster: { Id: id, Status: { State: 'STARTING' as const }, Tags: [{ Key: TAG.idempotencyKey, Value: key }] } });

describe('createClusterIdempotent', () => {
  it('returns the cluster a lost response created instead of making a second', async () => {
    aws = mockAws();
    const emr = aws.stubs.emr;
    emr.on(ListClustersCommand).resolvesOnce({ Clusters: [] }).resolves({ Clusters: [{ Id: 'j-1', Name: OURS }] });
    emr.on(DescribeClusterCommand).resolves(tagged('j-1', 'k1'));
    emr.on(RunJobFlowCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const out = await createClusterIdempotent(aws.clients.emr, input, { lookupDelaysMs: [0], sleep: async () => {} });
    expect(out).toEqual({ clusterId: 'j-1', reused: false });
    expect(emr.commandCalls(RunJobFlowCommand)).toHaveLength(1);
  });

  it('reuses a cluster already carrying the key, without RunJobFlow', async () => {
    aws = mockAws();
    aws.stubs.emr.on(ListClustersCommand).resolves({ Clusters: [{ Id: 'j-1', Name: OURS }, { Id: 'j-2', Name: OURS }] });
    aws.stubs.emr.on(DescribeClusterCommand, { ClusterId: 'j-1' }).resolves(tagged('j-1', 'other'));
    aws.stubs.emr.on(DescribeClusterCommand, { ClusterId: 'j-2' }).resolves(tagged('j-2', 'k1'));
    expect(await createClusterIdempotent(aws.clients.emr, input)).toEqual({ clusterId: 'j-2', reused: true });
    expect(aws.stubs.emr.commandCalls(RunJobFlowCommand)).toHaveLength(0);
  });

  it("terminates a twin made by the SDK's own retry", async () => {
    aws = mockAws();
    aws.stubs.emr.on(ListClustersCommand).resolvesOnce({ Clusters: [] }).resolves({ Clusters: [{ Id: 'j-1', Name: OURS }, { Id: 'j-2', Name: OURS }] });
    aws.stubs.emr.on(DescribeClusterCommand, { ClusterId: 'j-1' }).resolves(tagged('j-1', 'k1'));
    aws.stubs.emr.on(DescribeClusterCommand, { ClusterId: 'j-2' }).resolves(tagged('j-2', 'k1'));
    aws.stubs.emr.on(RunJobFlowCommand).resolves({ JobFlowId: 'j-2' });
    expect(await createClusterIdempotent(aws.clients.emr, input)).toEqual({ clusterId: 'j-2', reused: false });
    expect(aws.stubs.emr.commandCalls(TerminateJobFlowsCommand)[0]!.args[0].input).toEqual({ JobFlowIds: ['j-1'] });
  });

  it('maps a real failure once the look-ups found nothing', async () => {
    aws = mockAws();
    aws.stubs.emr.on(ListClustersCommand).resolves({ Clusters: [] });
    aws.stubs.emr.on(RunJobFlowCommand).rejects(Object.assign(new Error('Service role EMR_DefaultRole has insufficient EC2 permissions or does not exist'), { name: 'ValidationException' }));
    await expect(createClusterIdempotent(aws.clients.emr, input, { lookupDelaysMs: [0], sleep: async () => {} })).rejects.toThrowError(/EMR roles are missing/);
  });
});

describe('other EMR calls', () => {
  it('finds clusters by tags and terminates in batches of 10', async () => {
    aws = mockAws();
    aws.stubs.emr.on(ListClustersCommand).resolves({ Clusters: [{ Id: 'j-1', Name: OURS }] });
    aws.stubs.emr.on(DescribeClusterCommand).resolves(tagged('j-1', 'k1'));
    expect((await findClustersByTags(aws.clients.emr, { [TAG.idempotencyKey]: 'k1' })).map((c) => c.Id)).toEqual(['j-1']);
    expect(await findClustersByTags(aws.clients.emr, { [TAG.idempotencyKey]: 'k2' })).toEqual([]);
    await terminateClusters(aws.clients.emr, Array.from({ length: 12 }, (_, i) => `j-${i}`));
    expect(aws.stubs.emr.commandCalls(TerminateJobFlowsCommand).map((c) => c.args[0].input.JobFlowIds!.length)).toEqual([10, 2]);
  });
});
