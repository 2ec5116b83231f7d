import { GetMetricDataCommand, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DescribeClusterCommand,
  GetAutoTerminationPolicyCommand,
  ListClustersCommand,
  ListInstanceGroupsCommand,
  ListStepsCommand,
  type ClusterState,
  type ClusterSummary,
} from '@aws-sdk/client-emr';
import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { TAG } from '../../src/core/emr/tags.js';
import { mockAws, type MockAws } from './mock-aws.js';

export const COURSE = 'spark-on-emr';
export const COHORT = 'fall-27';
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';

export interface FakeCohort {
  aws: MockAws;
  ids: string[];
  /** API calls made since the last reset, by operation */
  callsByOperation(): Record<string, number>;
  total(): number;
  reset(): void;
}

/**
 * A class of `n` students on mocked AWS with EMR's real page sizes (tagging 100, ListClusters 50, GetMetricData 500
 * queries): enough to count what one dashboard refresh costs. Every cluster is in `state`.
 */
export function fakeCohort(n: number, o: { state?: ClusterState; createdAt?: Date } = {}): FakeCohort {
  const aws = mockAws(REGION);
  const ids = Array.from({ length: n }, (_, i) => `j-${String(i).padStart(12, '0')}`);
  const state = o.state ?? 'WAITING';
  const created = o.createdAt ?? new Date(Date.now() - 3600_000);
  const arn = (id: string) => `arn:aws:elasticmapreduce:${REGION}:${ACCOUNT}:cluster/${id}`;
  const student = (i: number) => `student-${String(i).padStart(3, '0')}`;
  const tags = (i: number) => [
    { Key: TAG.course, Value: COURSE },
    { Key: TAG.cohort, Value: COHORT },
    { Key: TAG.student, Value: student(i) },
    { Key: TAG.lab, Value: 'day2-joins' },
  ];
  // Names as the tool gave them before they carried the cohort and key: a look-up must describe these to know them
  const summary = (id: string): ClusterSummary => ({
    Id: id,
    Name: `emr-spark-labs ${student(ids.indexOf(id))} day2-joins`,
    ClusterArn: arn(id),
    Status: { State: state, Timeline: { CreationDateTime: created, ReadyDateTime: new Date(created.getTime() + 480_000) } },
  });
  const page = <T>(items: T[], token: string | undefined, size: number) => {
    const start = token ? Number(token) : 0;
    const next = start + size < items.length ? String(start + size) : undefined;
    return { items: items.slice(start, start + size), next };
  };

  aws.stubs.tagging.on(GetResourcesCommand).callsFake((input: { PaginationToken?: string; TagFilters?: { Key: string; Values: string[] }[] }) => {
    const matching = ids.map((id, i) => ({ id, i })).filter(({ i }) => (input.TagFilters ?? []).every((f) => tags(i).some((t) => t.Key === f.Key && f.Values.includes(t.Value))));
    const p = page(matching, input.PaginationToken || undefined, 100);
    return { ResourceTagMappingList: p.items.map(({ id, i }) => ({ ResourceARN: arn(id), Tags: tags(i) })), PaginationToken: p.next ?? '' };
  });
  aws.stubs.emr.on(ListClustersCommand).callsFake((input: { Marker?: string }) => {
    const p = page(ids, input.Marker, 50);
    return { Clusters: p.items.map(summary), Marker: p.next };
  });
  aws.stubs.emr.on(DescribeClusterCommand).callsFake((input: { ClusterId: string }) => ({ Cluster: { ...summary(input.ClusterId), Tags: tags(ids.indexOf(input.ClusterId)) } }));
  aws.stubs.emr.on(ListStepsCommand).callsFake(() => ({
    Steps: [
      {
        Id: 's-1',
        Name: 'day2-joins:joins 20261125-101500-abcd',
        Status: { State: state === 'RUNNING' ? 'RUNNING' : 'COMPLETED', Timeline: { CreationDateTime: created, StartDateTime: created } },
      },
    ],
  }));
  aws.stubs.emr.on(ListInstanceGroupsCommand).resolves({
    InstanceGroups: [
      { InstanceGroupType: 'MASTER', InstanceType: 'm5.xlarge', RunningInstanceCount: 1 },
      { InstanceGroupType: 'CORE', InstanceType: 'm5.xlarge', RunningInstanceCount: 2 },
    ],
  });
  aws.stubs.emr.on(GetAutoTerminationPolicyCommand).resolves({ AutoTerminationPolicy: { IdleTimeout: 3600 } });
  aws.stubs.cloudwatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: MetricDataQuery[] }) => {
    if (input.MetricDataQueries.length > 500) throw new Error('GetMetricData takes at most 500 queries');
    return { MetricDataResults: input.MetricDataQueries.map((q) => ({ Id: q.Id, Values: [q.MetricStat?.Metric?.MetricName === 'IsIdle' ? 1 : 2], Timestamps: [new Date()] })) };
  });

  let mark = 0;
  const since = () => aws.calls().slice(mark);
  return {
    aws,
    ids,
    callsByOperation: () => since().reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.operation]: (acc[c.operation] ?? 0) + 1 }), {}),
    total: () => since().length,
    reset: () => void (mark = aws.calls().length),
  };
}

/**
 * What the same screen costs read naively: for every cluster DescribeCluster + ListSteps + one GetMetricStatistics
 * per metric (7), plus the tag look-up pages.
 */
export const naiveCalls = (n: number, metrics = 7) => Math.ceil(n / 100) + n * (2 + metrics);
