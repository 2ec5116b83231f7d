import { afterEach, describe, expect, it } from 'vitest';
import { cohortGrade } from '../../src/app/emr/cohort.js';
import { gradeResult } from '../../src/app/grade-sheet.js';
import { startLab } from '../../src/app/start.js';
import { connect } from '../../src/aws/session.js';
import { EmrEngine } from '../../src/engines/emr/emr-engine.js';
import { runError } from '../../src/core/run/run-outcome.js';
import { FakeAws } from '../helpers/fake-aws.js';
import { emrConfig, fastEngine, joinsLab, storeIn, tempProject } from './emr-project.js';

let fake: FakeAws;
afterEach(() => fake?.mock.restore());

// the fake's steps write { plan: 'BroadcastHashJoin' }: the local-only check's value is not there on EMR
const lab = joinsLab({
  checks: [
    { name: 'broadcast used', path: 'plan', equals: 'BroadcastHashJoin' },
    { name: 'local master', path: 'master', matches: '^local', targets: ['local'] },
    { name: 'on a cluster', path: 'plan', exists: true, targets: ['sandbox', 'emr'] },
  ],
});

describe('checks scoped to targets, on a fake EMR (the run target emr comes from the engine)', () => {
  it('labs start --target emr: the local-only check is n/a, the run completes and exits 0', async () => {
    fake = new FakeAws({ stepOutcome: () => ({ state: 'COMPLETED', result: { plan: 'BroadcastHashJoin' } }) });
    const project = tempProject();
    const config = emrConfig();
    const run = await startLab({ lab, config, engine: fastEngine(fake, project.root, project.home, config), store: storeIn(project.home), onEvent: () => {}, signal: new AbortController().signal });
    expect(run.target).toBe('emr');
    expect(run.checks!.map((c) => [c.name, c.passed, c.notApplicable ?? false])).toEqual([
      ['broadcast used', true, false],
      ['local master', false, true],
      ['on a cluster', true, false],
    ]);
    expect(run.checks![1]!.reason).toBe('applies on local; this run is emr');
    expect(run.state).toBe('COMPLETED');
    expect(runError(run)).toBeUndefined();
    // and saved so: labs check / status read the same record
    expect(storeIn(project.home).latest(lab.id)!.checks![1]).toMatchObject({ notApplicable: true, passed: false });
  });

  it("cohort grade: a student's own run in S3 is graded on emr; the local-only check is n/a, not a fail", async () => {
    fake = new FakeAws({ stepOutcome: () => ({ state: 'COMPLETED', result: { plan: 'BroadcastHashJoin' } }) });
    const config = emrConfig({ student: 'instructor' });
    const ctx = await connect(config, { clients: fake.clients });
    const project = tempProject();
    const fay = { ...config, student: 'fay' };
    await startLab({ lab, config: fay, engine: fastEngine(fake, project.root, project.home, fay), store: storeIn(project.home), onEvent: () => {}, signal: new AbortController().signal });
    const engineFor = (student: string) => new EmrEngine({ config: { ...config, student }, projectRoot: project.root, cacheDir: project.home, runsDir: project.home, clients: fake.clients });
    const [grade] = await cohortGrade(lab, ['fay'], { labsHome: project.home, cohort: 'fall-27', concurrency: 1, engineFor, s3: { client: fake.clients.s3, bucket: ctx.layout.bucket } });
    expect(grade).toMatchObject({ student: 'fay', state: 'COMPLETED', passed: 2, total: 3, notApplicable: 1, failing: [], source: 's3' });
    expect(gradeResult(grade!)).toBe('passed');
  });
});
