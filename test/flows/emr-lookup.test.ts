import { afterEach, describe, expect, it } from 'vitest';
import { clusterStatus, clusterUp, expiredClusters, stopLab, studentClusters } from '../../src/app/emr/clusters.js';
import { cohortClusters, cohortStatus, cohortUp } from '../../src/app/emr/cohort.js';
import { emrSource } from '../../src/app/dashboard-emr-source.js';
import { refreshOnce } from '../../src/app/dashboard-feed.js';
import { initialDashboardState, reduceDashboard } from '../../src/core/dashboard/state.js';
import { connect } from '../../src/aws/session.js';
import { FakeAws } from '../helpers/fake-aws.js';
import { emrConfig, fastEngine, joinsLab, storeIn, tempProject } from './emr-project.js';
import { startLab } from '../../src/app/start.js';

let fake: FakeAws;
afterEach(() => fake?.mock.restore());

/** The tagging index lists nothing (moto's never has EMR clusters; the real one lags): every look-up must still see them. */
describe('look-ups by tag when the tagging index lists no cluster', () => {
  it('cluster status/down, stop, gc, cohort status/down and the cohort dashboard find the live clusters', async () => {
    fake = new FakeAws({ stepPolls: 1000 });
    fake.taggingLags = true;
    const config = emrConfig({ student: 'ana' });
    const ctx = await connect(config, { clients: fake.clients });
    const up = await clusterUp(ctx, config, { fleets: false, now: new Date(), wait: { maxWaitTime: 5, minDelay: 0.001, maxDelay: 0.002 }, onMessage: () => {} });
    expect(up.created).toBe(true);
    expect((await clusterStatus(ctx, config, new Date())).map((v) => v.id)).toEqual([up.cluster.id]);
    expect((await studentClusters(ctx, config)).map((v) => v.id)).toEqual([up.cluster.id]);
    const again = await clusterUp(ctx, config, { fleets: false, now: new Date(), wait: { maxWaitTime: 5, minDelay: 0.001, maxDelay: 0.002 }, onMessage: () => {} });
    expect(again).toMatchObject({ created: false, cluster: { id: up.cluster.id } });

    // labs stop: the running step is found on the student's cluster
    const project = tempProject();
    const lab = joinsLab({ steps: [{ name: 'joins', job: 'spark-jobs/python/day2_joins.py', args: ['--out', '{out}'] }] });
    await startLab({ lab, config, engine: fastEngine(fake, project.root, project.home, config), store: storeIn(project.home), onEvent: () => {}, signal: new AbortController().signal, wait: false });
    const stopped = await stopLab(ctx, config, 'day2-joins');
    expect(stopped.flatMap((s) => s.stepIds)).toHaveLength(1);

    // labs gc: past its expires-at tag
    const later = new Date(Date.now() + 13 * 3600_000);
    expect((await expiredClusters(ctx, config, later)).map((v) => v.id)).toContain(up.cluster.id);

    // a cohort
    const instructor = emrConfig({ student: 'instructor' });
    const ictx = await connect(instructor, { clients: fake.clients });
    const made = await cohortUp(ictx, instructor, [{ student: 'bo' }, { student: 'cy' }], { cohort: 'fall-27', concurrency: 2, fleets: false, now: new Date(), onMessage: () => {} });
    expect(made.every((o) => o.ok && o.detail.startsWith('created'))).toBe(true);
    expect((await cohortStatus(ictx, instructor, 'fall-27')).map((v) => v.student)).toEqual(['bo', 'cy']);
    expect((await cohortClusters(ictx, instructor, 'fall-27')).map((c) => c.Id).sort()).toEqual(made.map((o) => o.clusterId).sort());

    let state = initialDashboardState({ mode: 'cohort', target: 'emr', label: 'fall-27', now: Date.now() });
    await refreshOnce(emrSource({ clients: fake.clients, course: instructor.course, cohort: 'fall-27' }), (e) => (state = reduceDashboard(state, e)));
    expect(Object.values(state.clusters).map((c) => c.student).sort()).toEqual(['bo', 'cy']);
  });
});
