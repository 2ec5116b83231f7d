import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterMetricWindow } from '../../../src/aws/cloudwatch.js';
import { initialDashboardState, reduceDashboard } from '../../../src/core/dashboard/state.js';
import { mockAws, type MockAws } from '../../helpers/mock-aws.js';

let aws: MockAws;
afterEach(() => aws.restore());

describe('the sparkline window', () => {
  it('keeps every datapoint CloudWatch returns for the window, oldest first, across pages; the latest apart', async () => {
    aws = mockAws();
    let page = 0;
    // newest first (ScanBy TimestampDescending); the second page holds the older points
    aws.stubs.cloudwatch.on(GetMetricDataCommand).callsFake(({ MetricDataQueries }: { MetricDataQueries: { Id: string }[] }) =>
      page++ === 0 ? { MetricDataResults: MetricDataQueries.map((q) => ({ Id: q.Id, Values: [6, 5, 4] })), NextToken: 't' } : { MetricDataResults: MetricDataQueries.map((q) => ({ Id: q.Id, Values: [3, 2, 1] })) },
    );
    const now = new Date('2026-12-01T12:00:00Z');
    const { latest, series } = await clusterMetricWindow(aws.clients.cloudwatch, ['j-A'], { now, metrics: ['AppsRunning'] });
    expect(latest).toEqual({ 'j-A': { AppsRunning: 6 } });
    expect(series).toEqual({ 'j-A': { AppsRunning: [1, 2, 3, 4, 5, 6] } });
    const input = aws.stubs.cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(now.getTime() - input.StartTime!.getTime()).toBe(12 * 300 * 1000); // an hour of 5-minute periods
  });

  it('the dashboard shows the whole window from the first refresh, and a later refresh replaces it (no double counting)', () => {
    let s = initialDashboardState({ mode: 'student', target: 'emr', label: 'ana', now: 0 });
    s = reduceDashboard(s, { type: 'clusters', at: 0, clusters: [{ id: 'j-A', state: 'RUNNING' }] });
    s = reduceDashboard(s, { type: 'metrics', at: 1, values: { 'j-A': { AppsRunning: 6 } }, series: { 'j-A': { AppsRunning: [1, 2, 3, 4, 5, 6] } } });
    expect(s.clusters['j-A']!.history.AppsRunning).toEqual([1, 2, 3, 4, 5, 6]);
    s = reduceDashboard(s, { type: 'metrics', at: 2, values: { 'j-A': { AppsRunning: 7 } }, series: { 'j-A': { AppsRunning: [2, 3, 4, 5, 6, 7] } } });
    expect(s.clusters['j-A']!.history.AppsRunning).toEqual([2, 3, 4, 5, 6, 7]);
  });
});
