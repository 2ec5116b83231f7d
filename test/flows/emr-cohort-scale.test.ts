import { afterEach, describe, expect, it } from 'vitest';
import { bucketMinimumSeconds, DEFAULT_EMR_QUOTAS } from '../../src/core/emr-quotas.js';
import { InputError, InterruptedError } from '../../src/core/errors.js';
import type { CohortProgress } from '../../src/core/cohort-progress.js';
import { callsByOperation, classOf, down, duplicates, grade, installClock, run, simulated, throttledTotal, up, type ClassOf, type Clock } from '../helpers/cohort-scale.js';

let clock: Clock | undefined;
let c: ClassOf | undefined;
afterEach(() => {
  c?.fake.mock.restore();
  clock?.uninstall();
  clock = c = undefined;
});

const minimum = (op: string, calls: number) => bucketMinimumSeconds(DEFAULT_EMR_QUOTAS[op]!, calls);

describe('a class of 200 at EMR rate limits (fake EMR with token buckets, simulated time)', () => {
  it('up, run, grade and down: paced to the buckets, linear in calls, no duplicate, no failure, nothing throttled', async () => {
    clock = installClock();
    c = await classOf(200);
    const progress: CohortProgress[] = [];
    let mark = 0;

    const u = await simulated(clock, () => up(c!, { onProgress: (p) => progress.push(p) }));
    expect(u.value.filter((o) => !o.ok)).toEqual([]);
    expect(c.fake.activeClusters()).toHaveLength(200);
    expect(duplicates(c.fake)).toBe(0);
    expect(u.seconds).toBeLessThanOrEqual(1.2 * minimum('RunJobFlow', 200));
    expect(u.seconds).toBeGreaterThanOrEqual(minimum('RunJobFlow', 200));
    let calls = callsByOperation(c.fake, mark);
    expect(calls.RunJobFlow).toBe(200);
    // one listing for the class at the start and one for the twin sweep at the end (4 pages of 50 at most each)
    expect(calls.ListClusters).toBeLessThanOrEqual(1 + 4);
    expect(calls.DescribeCluster ?? 0).toBe(0);
    expect(progress.at(-1)).toMatchObject({ action: 'up', total: 200, created: 200, reused: 0, failed: 0, remaining: 0 });
    expect(progress[1]!.etaSeconds).toBeGreaterThan(300);

    mark = c.fake.mock.calls().length;
    const again = await simulated(clock, () => up(c!));
    expect(again.value.every((o) => o.ok && o.detail.startsWith('reused '))).toBe(true);
    calls = callsByOperation(c.fake, mark);
    expect(calls.RunJobFlow ?? 0).toBe(0);
    // the tags of 200 clusters come from the tagging index (2 pages): no DescribeCluster per student
    expect(calls.DescribeCluster ?? 0).toBe(0);

    c.fake.tick();
    c.fake.tick();
    mark = c.fake.mock.calls().length;
    const r = await simulated(clock, () => run(c!));
    expect(r.value.filter((o) => !o.ok)).toEqual([]);
    calls = callsByOperation(c.fake, mark);
    expect(calls.AddJobFlowSteps).toBe(200);
    expect(calls.RunJobFlow ?? 0).toBe(0);
    expect(calls.ListClusters).toBeLessThanOrEqual(4 * 2);
    expect(r.seconds).toBeLessThanOrEqual(1.2 * minimum('AddJobFlowSteps', 200));

    c.fake.finishSteps();
    mark = c.fake.mock.calls().length;
    const g = await simulated(clock, () => grade(c!), 1000);
    expect(g.value.filter((x) => x.state !== 'COMPLETED')).toEqual([]);
    calls = callsByOperation(c.fake, mark);
    // two steps a student: one DescribeStep each, paced
    expect(calls.DescribeStep).toBe(400);
    expect(g.seconds).toBeLessThanOrEqual(1.2 * minimum('DescribeStep', 400));

    mark = c.fake.mock.calls().length;
    const d = await simulated(clock, () => down(c!));
    expect(d.value).toHaveLength(200);
    expect(c.fake.activeClusters()).toHaveLength(0);
    expect(callsByOperation(c.fake, mark).TerminateJobFlows).toBe(20);

    expect(throttledTotal(c.fake)).toBe(0);
  }, 120_000);

  it('all at once without pacing collides with the buckets: EMR answers ThrottlingException', async () => {
    // the same fake, the tool's pacing off: what the buckets do to a burst of 40 RunJobFlow calls
    clock = installClock();
    c = await classOf(40, {}, {});
    const { exemptFromPacing } = await import('../../src/aws/emr-pacing.js');
    const raw = c.fake.clients.emr;
    exemptFromPacing(raw);
    const ctx = { ...c.ctx, clients: { ...c.ctx.clients, emr: raw } };
    const out = await simulated(clock, () => import('../../src/app/emr/cohort.js').then((m) => m.cohortUp(ctx, c!.config, c!.students, { cohort: 'fall-27', concurrency: 40, fleets: false, now: new Date(), onMessage: () => {} })));
    expect(out.value.filter((o) => !o.ok).length).toBeGreaterThan(20);
    expect(throttledTotal(c.fake)).toBeGreaterThan(20);
  }, 60_000);

  it('a lost RunJobFlow response: the retry look-up finds the cluster it made, no duplicate', async () => {
    clock = installClock();
    c = await classOf(20);
    c.fake.loseRunJobFlowResponses = 3;
    const u = await simulated(clock, () => up(c!));
    expect(u.value.filter((o) => !o.ok)).toEqual([]);
    expect(c.fake.activeClusters()).toHaveLength(20);
    expect(duplicates(c.fake)).toBe(0);
    expect(callsByOperation(c.fake).RunJobFlow).toBe(20);
    expect(throttledTotal(c.fake)).toBe(0);
  }, 60_000);

  it('some creates failing: those students are reported, the others made; up again makes only the missing', async () => {
    clock = installClock();
    c = await classOf(30);
    c.fake.throttle.set('RunJobFlow', 3);
    const u = await simulated(clock, () => up(c!, { concurrency: 1 }));
    expect(u.value.filter((o) => !o.ok).map((o) => o.student)).toEqual(['s000', 's001', 's002']);
    expect(c.fake.activeClusters()).toHaveLength(27);
    const again = await simulated(clock, () => up(c!));
    expect(again.value.filter((o) => o.detail.startsWith('created')).map((o) => o.student)).toEqual(['s000', 's001', 's002']);
    expect(c.fake.activeClusters()).toHaveLength(30);
    expect(duplicates(c.fake)).toBe(0);
  }, 60_000);

  it('Ctrl-C midway, then up again: resumes where it stopped, nothing made twice', async () => {
    clock = installClock();
    c = await classOf(60);
    const ac = new AbortController();
    const first = await simulated(clock, () =>
      up(c!, { signal: ac.signal, onProgress: (p) => (p.created >= 25 ? ac.abort() : undefined) }).catch((e: unknown) => e),
    );
    expect(first.value).toBeInstanceOf(InterruptedError);
    const made = c.fake.activeClusters().length;
    expect(made).toBeGreaterThanOrEqual(25);
    expect(made).toBeLessThan(60);
    const again = await simulated(clock, () => up(c!));
    expect(again.value.filter((o) => o.detail.startsWith('reused')).length).toBe(made);
    expect(c.fake.activeClusters()).toHaveLength(60);
    expect(duplicates(c.fake)).toBe(0);
  }, 60_000);

  it('guardrails: a class over the cluster cap or the hourly ceiling is refused before anything is made', async () => {
    clock = installClock();
    c = await classOf(12, {}, { emr: { cohortMaxClusters: 10, cohortMaxHourlyUsd: 1000 } });
    const err = await simulated(clock, () => up(c!).catch((e: unknown) => e));
    expect(err.value).toBeInstanceOf(InputError);
    expect((err.value as InputError).message).toMatch(/12 clusters, more than emr\.cohortMaxClusters \(10\)/);
    expect(c.fake.clusters.size).toBe(0);
    expect(c.fake.buckets.size).toBe(0);
    c.fake.mock.restore();

    c = await classOf(12, {}, { emr: { cohortMaxClusters: 50, cohortMaxHourlyUsd: 5 } });
    const cost = await simulated(clock, () => up(c!).catch((e: unknown) => e));
    expect((cost.value as InputError).message).toMatch(/~\$8\.64\/hour, more than emr\.cohortMaxHourlyUsd \(\$5\)/);
    expect(c.fake.clusters.size).toBe(0);
  }, 60_000);
});
