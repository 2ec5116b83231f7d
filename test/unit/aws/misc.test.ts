import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { afterEach, describe, expect, it } from 'vitest';
import { createClients, hasEndpointOverride } from '../../../src/aws/clients.js';
import { latestClusterMetrics } from '../../../src/aws/cloudwatch.js';
import { toLabsError } from '../../../src/aws/errors.js';
import { clusterIdFromArn, findTagged } from '../../../src/aws/tagging.js';
import { EnvironmentError, InterruptedError } from '../../../src/core/errors.js';
import { mockAws, type MockAws } from '../../helpers/mock-aws.js';

let aws: MockAws | undefined;
afterEach(() => aws?.restore());

describe('clients', () => {
  it('leave endpoints to the SDK (AWS_ENDPOINT_URL*) and use path-style S3 only with an override', async () => {
    const plain = createClients({ region: 'eu-west-1', env: {} });
    expect(plain.s3.config.forcePathStyle).toBe(false);
    expect(plain.emr.config.endpoint).toBeUndefined();
    const emulated = createClients({ region: 'eu-west-1', env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' } });
    expect(emulated.s3.config.forcePathStyle).toBe(true);
    expect(await emulated.emr.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
    expect(hasEndpointOverride({ AWS_ENDPOINT_URL_S3: 'http://x' })).toBe(true);
  });
});

describe('toLabsError', () => {
  const e = (name: string, message: string, status?: number) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
  it.each([
    [e('CredentialsProviderError', 'Could not load credentials from any providers'), /no AWS credentials/, /aws configure|sso login/],
    [e('TokenProviderError', 'The SSO session associated with this profile has expired or is otherwise invalid'), /SSO session has expired/, /aws sso login/],
    [e('ExpiredTokenException', 'The security token included in the request is expired'), /expired/, /refresh/],
    [e('Error', 'Region is missing'), /no AWS region/, /--region/],
    [e('UnrecognizedClientException', 'The security token included in the request is invalid.'), /does not recognise/, /region/],
    [e('ValidationException', 'Service role EMR_DefaultRole has insufficient EC2 permissions or does not exist'), /EMR roles/, /create-default-roles/],
    [e('ThrottlingException', 'Rate exceeded', 400), /throttling/, /wait a minute/],
    [e('AccessDeniedException', 'User is not authorized to perform: elasticmapreduce:RunJobFlow', 400), /access denied/, /iam-policy/],
    [e('BucketAlreadyExists', 'taken', 409), /another account/, /emr.bucket/],
    [e('ValidationException', 'Insufficient capacity for instance type m5.xlarge in subnet-0abc', 400), /no capacity/, /emr.subnetIds|--fleets/],
  ])('%s', (error, message, hint) => {
    const mapped = toLabsError(error, 'do it');
    expect(mapped).toBeInstanceOf(EnvironmentError);
    expect(mapped.message).toMatch(message);
    expect(mapped.hint).toMatch(hint);
    expect(mapped.exitCode).toBe(3);
  });
  it('maps an aborted wait to an interruption', () => {
    expect(toLabsError(Object.assign(new Error('x'), { name: 'AbortError' }), 'wait')).toBeInstanceOf(InterruptedError);
  });
});

describe('tagging', () => {
  it('pages through GetResources and reads cluster ids from ARNs', async () => {
    aws = mockAws();
    aws.stubs.tagging
      .on(GetResourcesCommand)
      .resolvesOnce({ ResourceTagMappingList: [{ ResourceARN: 'arn:aws:elasticmapreduce:eu-west-1:1:cluster/j-AAA', Tags: [{ Key: 'a', Value: 'b' }] }], PaginationToken: 't' })
      .resolves({ ResourceTagMappingList: [{ ResourceARN: 'arn:aws:elasticmapreduce:eu-west-1:1:cluster/j-BBB' }], PaginationToken: '' });
    const found = await findTagged(aws.clients.tagging, 'elasticmapreduce:cluster', { a: 'b' });
    expect(found.map((r) => clusterIdFromArn(r.arn))).toEqual(['j-AAA', 'j-BBB']);
    expect(aws.stubs.tagging.commandCalls(GetResourcesCommand)[0]!.args[0].input).toMatchObject({ TagFilters: [{ Key: 'a', Values: ['b'] }], ResourcesPerPage: 100 });
  });
});

describe('cloudwatch', () => {
  it('reads every metric of every cluster in calls of at most 500 queries', async () => {
    aws = mockAws();
    aws.stubs.cloudwatch.on(GetMetricDataCommand).callsFake(({ MetricDataQueries }: { MetricDataQueries: { Id: string }[] }) => ({ MetricDataResults: MetricDataQueries.map((q) => ({ Id: q.Id, Values: [1] })) }));
    const ids = Array.from({ length: 80 }, (_, i) => `j-${i}`);
    const metrics = await latestClusterMetrics(aws.clients.cloudwatch, ids, { now: new Date() });
    const calls = aws.stubs.cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.MetricDataQueries!.length)).toEqual([500, 60]);
    expect(calls[0]!.args[0].input.MetricDataQueries![0]!.MetricStat!.Metric).toMatchObject({ Namespace: 'AWS/ElasticMapReduce', Dimensions: [{ Name: 'JobFlowId', Value: 'j-0' }] });
    expect(metrics['j-79']).toMatchObject({ IsIdle: 1, AppsRunning: 1 });
  });
});
