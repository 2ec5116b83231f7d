import { afterEach, describe, expect, it } from 'vitest';
import { DescribeClusterCommand, EMRClient, RunJobFlowCommand } from '@aws-sdk/client-emr';
import { mockClient } from 'aws-sdk-client-mock';
import { pacedEmr, pacerOf } from '../../../src/aws/emr-pacing.js';
import { installClock, simulated, type Clock } from '../../helpers/cohort-scale.js';

let clock: Clock | undefined;
afterEach(() => clock?.uninstall());

describe('EMR pacing', () => {
  it('sends a burst at once, then one call per refill; other operations are not held up by a slow bucket', async () => {
    clock = installClock();
    const t0 = Date.now();
    const raw = new EMRClient({ region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const stub = mockClient(raw);
    const sent: [string, number][] = [];
    stub.on(RunJobFlowCommand).callsFake(() => (sent.push(['RunJobFlow', Date.now() - t0]), { JobFlowId: 'j-1' }));
    stub.on(DescribeClusterCommand).callsFake(() => (sent.push(['DescribeCluster', Date.now() - t0]), { Cluster: {} }));
    const emr = pacedEmr(raw, { RunJobFlow: { burst: 3, perSecond: 1 } });
    expect(pacedEmr(emr)).toBe(emr);
    const run = () => emr.send(new RunJobFlowCommand({ Name: 'x', Instances: {}, JobFlowRole: 'r', ServiceRole: 's' }));
    await simulated(clock, () => Promise.all([run(), run(), run(), run(), run(), emr.send(new DescribeClusterCommand({ ClusterId: 'j-1' }))]), 100);
    const times = sent.filter(([op]) => op === 'RunJobFlow').map(([, t]) => t);
    // burst 3 holds one back (the phase between EMR's refill and ours): 2 at once, then one a second
    expect(times.slice(0, 2).every((t) => t < 50)).toBe(true);
    for (let i = 2; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(i === 2 ? 900 : 1000);
    expect(times.at(-1)).toBeLessThan(3200);
    // DescribeCluster has its own bucket: it did not wait behind RunJobFlow's
    expect(sent.find(([op]) => op === 'DescribeCluster')![1]).toBeLessThan(50);
    expect(pacerOf(emr)!.stats.calls.RunJobFlow).toBe(5);
    clock.uninstall();
    clock = undefined;
    await pacerOf(emr)!.stop();
    stub.restore();
  });
});
