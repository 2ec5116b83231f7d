import { afterEach, describe, expect, it } from 'vitest';
import { cohortClusters, cohortGrade, cohortRun, cohortStatus, cohortUp, planCohort, studentsWithoutCluster } from '../../src/app/emr/cohort.js';
import { connect } from '../../src/aws/session.js';
import { EmrEngine } from '../../src/engines/emr/emr-engine.js';
import { TAG, tagValue } from '../../src/core/emr/tags.js';
import { FakeAws } from '../helpers/fake-aws.js';
import { startLab } from '../../src/app/start.js';
import { emrConfig, fastEngine, joinsLab, storeIn, tempProject } from './emr-project.js';

let fake: FakeAws;
afterEach(() => fake?.mock.restore());

const roster = ['ana', 'bo', 'cy', 'dee', 'eli'].map((student) => ({ student }));
const count = (op: string) => fake.mock.calls().filter((c) => c.operation === op).length;
const quiet = { cohort: 'fall-27', concurrency: 2, onMessage: () => {}, create: { lookupDelaysMs: [0, 0], sleep: async () => {} } };

async function setUp(o: ConstructorParameters<typeof FakeAws>[0] = {}) {
  fake = new FakeAws({ stepOutcome: (s) => (s.Name?.includes(':joins') && s.HadoopJarStep?.Args?.some((a) => a.includes('/bo/')) ? { state: 'FAILED', stderr: 'java.lang.OutOfMemoryError: Java heap space' } : { state: 'COMPLETED', result: { plan: 'BroadcastHashJoin' } }), ...o });
  const config = emrConfig({ student: 'instructor' });
  const ctx = await connect(config, { clients: fake.clients });
  const project = tempProject();
  return { config, ctx, project };
}

describe('labs cohort, on a fake EMR', () => {
  it('up: one tagged, auto-terminating cluster per roster student, not waited for; again: all reused', async () => {
    const { config, ctx } = await setUp({ startingPolls: 100 });
    const first = await cohortUp(ctx, config, roster, { ...quiet, fleets: false, now: new Date() });
    expect(first.every((o) => o.ok)).toBe(true);
    expect(first.map((o) => o.detail)).toEqual(roster.map(() => expect.stringMatching(/^created j-\w+ \(STARTING\)$/)));
    const clusters = fake.activeClusters();
    expect(clusters.map((c) => tagValue(c.input.Tags, TAG.student)).sort()).toEqual(['ana', 'bo', 'cy', 'dee', 'eli']);
    for (const c of clusters) {
      expect(tagValue(c.input.Tags, TAG.cohort)).toBe('fall-27');
      expect(c.input.AutoTerminationPolicy?.IdleTimeout).toBe(3600);
      expect(c.input.LogUri).toMatch(new RegExp(`/${tagValue(c.input.Tags, TAG.student)}/logs/$`));
    }
    expect(count('RunJobFlow')).toBe(5);

    const again = await cohortUp(ctx, config, roster, { ...quiet, fleets: false, now: new Date() });
    expect(again.map((o) => o.detail)).toEqual(roster.map(() => expect.stringMatching(/^reused /)));
    expect(count('RunJobFlow')).toBe(5);
    expect((await cohortStatus(ctx, config, 'fall-27')).map((v) => v.student)).toEqual(['ana', 'bo', 'cy', 'dee', 'eli']);
  });

  it('up: a student whose cluster cannot be made is reported; the others are made', async () => {
    const { config, ctx } = await setUp();
    fake.throttle.set('RunJobFlow', 1);
    const out = await cohortUp(ctx, config, roster.slice(0, 3), { ...quiet, concurrency: 1, fleets: false, now: new Date() });
    expect(out.filter((o) => !o.ok)).toEqual([{ student: 'ana', ok: false, detail: expect.stringMatching(/throttl/) }]);
    expect(out.filter((o) => o.ok).map((o) => o.student)).toEqual(['bo', 'cy']);
  });

  it('dry run: every student RunJobFlow and the class cost per hour, built without AWS', () => {
    const plan = planCohort(emrConfig(), roster, { cohort: 'fall-27', fleets: false, now: new Date(), bucket: 'b' });
    expect(plan.requests.map((r) => tagValue(r.runJobFlow.Tags, TAG.student))).toEqual(['ana', 'bo', 'cy', 'dee', 'eli']);
    // small profile: 1 primary + 2 core m5.xlarge at $0.24/h each
    expect(plan.hourlyUsd).toBeCloseTo(5 * 3 * 0.24, 5);
  });

  it('run queues the lab on every student cluster; grade follows the runs to their end and grades each student', async () => {
    const { config, ctx, project } = await setUp();
    await cohortUp(ctx, config, roster.slice(0, 3), { ...quiet, fleets: false, now: new Date() });
    const lab = joinsLab();
    const students = ['ana', 'bo', 'cy'];
    expect(await studentsWithoutCluster(ctx, config, lab, students, { cohort: 'fall-27', fleets: false })).toEqual([]);
    const runFlags = { ...quiet, labsHome: project.home, projectRoot: project.root, cacheDir: project.home, fleets: false, clients: fake.clients };
    const queued = await cohortRun(config, lab, students, runFlags);
    expect(queued.every((o) => o.ok)).toBe(true);
    expect(count('RunJobFlow')).toBe(3);
    expect(count('AddJobFlowSteps')).toBe(3);
    // each student's artifacts and outputs live under their own prefix
    expect([...fake.objects.keys()].filter((k) => k.includes('/artifacts/')).map((k) => k.split('/')[1]).sort()).toEqual(['ana', 'ana', 'ana', 'bo', 'bo', 'bo', 'cy', 'cy', 'cy']); // job, labkit.py, labkit_jobs.py each

    const engineFor = (student: string) => new EmrEngine({ config: { ...config, student }, projectRoot: project.root, cacheDir: project.home, runsDir: project.home, clients: fake.clients, timing: { logPollSeconds: 0.001 }, sleep: async () => {} });
    let grades = await cohortGrade(lab, [...students, 'dee'], { labsHome: project.home, cohort: 'fall-27', concurrency: 2, engineFor });
    for (let i = 0; i < 20 && grades.some((g) => g.state === 'RUNNING'); i++) {
      fake.tick();
      grades = await cohortGrade(lab, [...students, 'dee'], { labsHome: project.home, cohort: 'fall-27', concurrency: 2, engineFor });
    }
    expect(grades).toEqual([
      expect.objectContaining({ student: 'ana', state: 'COMPLETED', passed: 1, total: 1, failing: [] }),
      expect.objectContaining({ student: 'bo', state: 'FAILED', passed: 0, total: 1 }),
      expect.objectContaining({ student: 'cy', state: 'COMPLETED', passed: 1, total: 1 }),
      { student: 'dee', lab: 'day2-joins', state: 'NOT RUN', passed: 0, total: 1, pending: 0, notApplicable: 0, failing: [] },
    ]);
  });

  it('an unanswered question counts as not passed', async () => {
    const { config, ctx, project } = await setUp();
    await cohortUp(ctx, config, [{ student: 'ana' }], { ...quiet, fleets: false, now: new Date() });
    const lab = joinsLab({ checks: [{ name: 'broadcast used', path: 'plan', equals: 'BroadcastHashJoin' }, { name: 'which join', path: 'plan', answer: 'join' }] });
    await cohortRun(config, lab, ['ana'], { ...quiet, labsHome: project.home, projectRoot: project.root, cacheDir: project.home, fleets: false, clients: fake.clients });
    const engineFor = (student: string) => new EmrEngine({ config: { ...config, student }, projectRoot: project.root, cacheDir: project.home, runsDir: project.home, clients: fake.clients, sleep: async () => {} });
    let [grade] = await cohortGrade(lab, ['ana'], { labsHome: project.home, cohort: 'fall-27', concurrency: 1, engineFor });
    for (let i = 0; i < 20 && grade!.state === 'RUNNING'; i++, fake.tick()) [grade] = await cohortGrade(lab, ['ana'], { labsHome: project.home, cohort: 'fall-27', concurrency: 1, engineFor });
    expect(grade).toMatchObject({ passed: 1, total: 2, pending: 1 });
  });

  it('the cohort clusters are found by their tags, and only this cohort', async () => {
    const { config, ctx } = await setUp();
    await cohortUp(ctx, config, roster.slice(0, 2), { ...quiet, fleets: false, now: new Date() });
    await cohortUp(ctx, config, roster.slice(2, 3), { ...quiet, cohort: 'spring-28', fleets: false, now: new Date() });
    expect((await cohortClusters(ctx, config, 'fall-27')).map((c) => tagValue(c.Tags, TAG.student)).sort()).toEqual(['ana', 'bo']);
  });

  it("grade: a student's own run in the course bucket counts when the instructor queued none", async () => {
    const { config, ctx, project } = await setUp();
    const lab = joinsLab();
    // fay ran the lab herself (`labs start day2-joins --target emr`), twice; the latest run is graded
    const own = (student: string) => fastEngine(fake, project.root, project.home, { ...config, student }, {});
    for (let i = 0; i < 2; i++) await startLab({ lab, config: { ...config, student: 'fay' }, engine: own('fay'), store: storeIn(project.home), onEvent: () => {}, signal: new AbortController().signal });
    const latest = storeIn(project.home).latest('day2-joins')!;
    const engineFor = (student: string) => new EmrEngine({ config: { ...config, student }, projectRoot: project.root, cacheDir: project.home, runsDir: project.home, clients: fake.clients });
    const grades = await cohortGrade(lab, ['fay', 'gus'], { labsHome: project.home, cohort: 'fall-27', concurrency: 2, engineFor, s3: { client: fake.clients.s3, bucket: ctx.layout.bucket } });
    expect(grades[0]).toMatchObject({ student: 'fay', state: 'COMPLETED', passed: 1, total: 1, source: 's3', runId: latest.runId });
    expect(grades[1]).toMatchObject({ student: 'gus', state: 'NOT RUN' });
  });
});
