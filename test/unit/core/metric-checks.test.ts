import { GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/core/config.js';
import { evaluateChecks } from '../../../src/core/lab/checks.js';
import { CheckSchema, LabSchema, type Lab } from '../../../src/core/lab/lab-schema.js';
import type { StepRecord } from '../../../src/core/run/run-record.js';
import { EmrEngine } from '../../../src/engines/emr/emr-engine.js';
import { mockAws, type MockAws } from '../../helpers/mock-aws.js';

const metricCheck = { name: 'apps', step: 'report', metric: { name: 'AppsRunning', stat: 'Maximum' }, gte: 1, targets: ['sandbox', 'emr'] };

describe('a check that reads a CloudWatch metric (metric: in lab.yaml)', () => {
  it('reads either a result.json path or a metric, and only where a cluster publishes metrics', () => {
    expect(CheckSchema.safeParse(metricCheck).success).toBe(true);
    const problems = (c: object) => (CheckSchema.safeParse(c).error?.issues ?? []).map((i) => i.message).join('; ');
    expect(problems({ ...metricCheck, path: 'x' })).toMatch(/path \(result.json\) or metric \(CloudWatch\)/);
    expect(problems({ name: 'n', gte: 1 })).toMatch(/path \(result.json\) or metric/);
    expect(problems({ ...metricCheck, targets: ['local', 'sandbox'] })).toMatch(/targets without local/);
    expect(problems({ ...metricCheck, targets: undefined })).toMatch(/targets without local/);
    expect(problems({ ...metricCheck, metric: { name: 'NoSuchMetric', stat: 'Maximum' } })).not.toBe('');
    expect(problems({ ...metricCheck, metric: { name: 'AppsRunning', stat: 'p99' } })).not.toBe('');
  });

  const lab = LabSchema.parse({ id: 'day3-m', day: 3, title: 't', topics: ['x'], steps: [{ name: 'report', job: 'spark-jobs/python/x.py' }], checks: [metricCheck] }) as Lab;

  it('passes or fails on the value read, fails with a "look again" when CloudWatch had none, is n/a on local', () => {
    const on = (v: number | undefined) => evaluateChecks(lab, new Map(), { target: 'sandbox', metrics: new Map([['apps', v]]) })[0]!;
    expect(on(2)).toMatchObject({ passed: true, actual: 2, path: 'cloudwatch:AppsRunning/Maximum', expected: '>= 1' });
    expect(on(0)).toMatchObject({ passed: false, actual: 0 });
    expect(on(undefined)).toMatchObject({ passed: false, actual: 'no datapoint' });
    expect(on(undefined).explain).toMatch(/labs check day3-m. again later/);
    expect(evaluateChecks(lab, new Map(), { target: 'local', metrics: new Map() })[0]).toMatchObject({ notApplicable: true, passed: false });
    // graded from S3 alone (cohort grade): no step records, so no window to read: n/a with the reason, never a fail
    expect(evaluateChecks(lab, new Map(), { target: 'emr' })[0]).toMatchObject({ notApplicable: true, reason: expect.stringMatching(/step records/) });
  });
});

describe('EmrEngine.readMetric', () => {
  let aws: MockAws;
  afterEach(() => aws.restore());
  const record: StepRecord = { name: 'report', state: 'COMPLETED', argv: [], out: 's3://b/x', startedAt: '2026-12-01T12:01:30Z', endedAt: '2026-12-01T12:03:10Z', emr: { clusterId: 'j-ABC', stepId: 's-1', logUri: 's3://b/logs/' } };
  const engine = (metricWaitSeconds: number) =>
    new EmrEngine({ config: DEFAULT_CONFIG, projectRoot: '/nowhere', cacheDir: '/nowhere', runsDir: '/nowhere', clients: aws.clients, timing: { metricPeriodSeconds: 60, metricWaitSeconds }, sleep: async () => {} });

  it("asks for the cluster's metric over the periods the step overlaps, with the check's statistic, and reduces it", async () => {
    aws = mockAws();
    aws.stubs.sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/u' });
    aws.stubs.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm', Values: [1, 3, 2] }] });
    const e = engine(0);
    const run = { lab: { id: 'l' } as Lab, runId: 'r', student: 's', dir: 's3://b/r' };
    expect(await e.readMetric(run, record, { name: 'ContainerAllocated', stat: 'Maximum' })).toBe(3);
    expect(await e.readMetric(run, record, { name: 'ContainerAllocated', stat: 'Minimum' })).toBe(1);
    expect(await e.readMetric(run, record, { name: 'ContainerAllocated', stat: 'Average' })).toBe(2);
    const input = aws.stubs.cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input as GetMetricDataCommandInput;
    expect(input.StartTime).toEqual(new Date('2026-12-01T12:01:00Z'));
    expect(input.EndTime).toEqual(new Date('2026-12-01T12:04:00Z'));
    expect(input.MetricDataQueries![0]!.MetricStat).toMatchObject({ Metric: { Namespace: 'AWS/ElasticMapReduce', MetricName: 'ContainerAllocated', Dimensions: [{ Name: 'JobFlowId', Value: 'j-ABC' }] }, Period: 60, Stat: 'Maximum' });
  });

  it('waits for a first datapoint up to metricWaitSeconds, then answers none; a step that never ran has no window', async () => {
    aws = mockAws();
    aws.stubs.sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/u' });
    aws.stubs.cloudwatch.on(GetMetricDataCommand).resolvesOnce({ MetricDataResults: [{ Id: 'm', Values: [] }] }).resolves({ MetricDataResults: [{ Id: 'm', Values: [4] }] });
    const run = { lab: { id: 'l' } as Lab, runId: 'r', student: 's', dir: 's3://b/r' };
    expect(await engine(30).readMetric(run, record, { name: 'AppsRunning', stat: 'Maximum' })).toBe(4);
    aws.stubs.cloudwatch.reset();
    aws.stubs.cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm', Values: [] }] });
    expect(await engine(0).readMetric(run, record, { name: 'AppsRunning', stat: 'Maximum' })).toBeUndefined();
    expect(await engine(0).readMetric(run, { ...record, startedAt: undefined }, { name: 'AppsRunning', stat: 'Maximum' })).toBeUndefined();
  });
});
