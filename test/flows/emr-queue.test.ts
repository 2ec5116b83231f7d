import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isQueuedRun, refreshQueuedRuns, refreshRun } from '../../src/app/refresh-run.js';
import { startLab } from '../../src/app/start.js';
import { InputError } from '../../src/core/errors.js';
import type { Lab } from '../../src/core/lab/lab-schema.js';
import type { RunRecord } from '../../src/core/run/run-record.js';
import type { Engine } from '../../src/engines/engine.js';
import { FakeAws, type FakeOptions } from '../helpers/fake-aws.js';
import { emrConfig, fastEngine, joinsLab, recorder, storeIn, tempProject } from './emr-project.js';

/** All of a lab's steps go to EMR in one AddJobFlowSteps; `--no-wait` returns then, and `labs status` catches up. */
let fake: FakeAws;
afterEach(() => fake?.mock.restore());

const passing = () => ({ state: 'COMPLETED' as const, result: { plan: 'BroadcastHashJoin' } });
const ops = () => fake.mock.calls().map((c) => c.operation);
const count = (op: string) => ops().filter((o) => o === op).length;

function setUp(o: FakeOptions = {}) {
  fake = new FakeAws({ stepOutcome: passing, ...o });
  const project = tempProject();
  const config = emrConfig();
  const engine = () => fastEngine(fake, project.root, project.home, config);
  const store = storeIn(project.home);
  const start = (lab: Lab, wait: boolean, engineNow: Engine = engine()) =>
    startLab({ lab, config, engine: engineNow, store, onEvent: recorder().onEvent, signal: new AbortController().signal, wait });
  return { engine, store, start };
}

/** What `labs status` does, once per minute of the student's time, until the run ends. */
async function followUntilDone(run: RunRecord, lab: Lab, engine: Engine, store: ReturnType<typeof storeIn>): Promise<RunRecord> {
  for (let i = 0; i < 50 && run.state === 'RUNNING'; i++) {
    fake.tick();
    run = await refreshRun(run, lab, engine, store);
  }
  return run;
}

describe('steps queued on EMR', () => {
  it('--no-wait queues every step in one call on a cluster still starting, and returns without waiting', async () => {
    const { start, store } = setUp({ startingPolls: 3 });
    const run = await start(joinsLab(), false);
    expect(run.state).toBe('RUNNING');
    expect(run.steps.map((s) => [s.name, s.state])).toEqual([['prepare', 'PENDING'], ['joins', 'PENDING']]);
    expect(run.steps.every((s) => s.emr?.stepId.startsWith('s-'))).toBe(true);
    expect(count('AddJobFlowSteps')).toBe(1);
    expect(count('DescribeStep')).toBe(0);
    expect(fake.activeClusters()[0]!.cluster.Status!.State).toBe('STARTING');
    expect(store.latest('day2-joins')).toMatchObject({ state: 'RUNNING', runId: run.runId });
    expect(isQueuedRun(store.latest('day2-joins')!)).toBe(true);
  });

  it('`labs status` follows a queued run to its end and then runs its checks, as a waiting start would have', async () => {
    const { start, store, engine } = setUp({ startingPolls: 2 });
    const lab = joinsLab();
    const queued = await start(lab, false);
    const done = await followUntilDone(queued, lab, engine(), store);
    expect(done.state).toBe('COMPLETED');
    expect(done.steps.map((s) => s.state)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(done.checks?.[0]).toMatchObject({ passed: true, actual: 'BroadcastHashJoin' });
    expect(done.endedAt).toBeDefined();
    expect(store.latest('day2-joins')!.state).toBe('COMPLETED');
    // a finished run is not asked about again
    const calls = fake.mock.calls().length;
    await refreshRun(done, lab, engine(), store);
    expect(fake.mock.calls().length).toBe(calls);
  });

  it('a queued step that fails is explained from its log, and EMR cancels the steps after it', async () => {
    const stderr = 'Traceback (most recent call last):\n  File "day2_joins.py", line 3, in <module>\nZeroDivisionError: division by zero';
    const { start, store, engine } = setUp({ stepOutcome: () => ({ state: 'FAILED', stderr }) });
    const lab = joinsLab();
    const done = await followUntilDone(await start(lab, false), lab, engine(), store);
    expect(done.state).toBe('FAILED');
    expect(done.steps.map((s) => s.state)).toEqual(['FAILED', 'CANCELLED']);
    expect(done.steps[0]!.failure!.summary).toMatch(/ZeroDivisionError/);
    expect(fake.activeClusters()[0]!.steps.map((s) => s.step.Status!.State)).toEqual(['FAILED', 'CANCELLED']);
    expect(done.checks).toBeUndefined();
  });

  it('a waiting run whose first step fails: the second is cancelled on EMR and in the record', async () => {
    const { start } = setUp({ stepOutcome: () => ({ state: 'FAILED', stderr: 'boom' }) });
    const run = await start(joinsLab(), true);
    expect(run.state).toBe('FAILED');
    expect(run.steps.map((s) => s.state)).toEqual(['FAILED', 'CANCELLED']);
    expect(fake.activeClusters()[0]!.steps.map((s) => s.step.Status!.State)).toEqual(['FAILED', 'CANCELLED']);
  });

  it('a lab whose steps run side by side gets a cluster of that concurrency, with CONTINUE (EMR refuses CANCEL_AND_WAIT there)', async () => {
    const { start } = setUp();
    const run = await start(joinsLab({ cluster: { stepConcurrency: 2 } }), true);
    expect(run.state).toBe('COMPLETED');
    const [cluster] = fake.activeClusters();
    expect(cluster!.input.StepConcurrencyLevel).toBe(2);
    expect(cluster!.steps.map((s) => s.config.ActionOnFailure)).toEqual(['CONTINUE', 'CONTINUE']);
    expect(count('AddJobFlowSteps')).toBe(1);
  });

  it('--no-wait on the local engine is refused before anything runs', async () => {
    const { store } = setUp();
    const mustNot = (what: string) => async (): Promise<never> => { throw new Error(`must not ${what}`); };
    const local: Engine = { target: 'local', queues: false, prepare: mustNot('prepare'), plan: () => { throw new Error('must not plan'); }, submit: mustNot('submit'), awaitStep: mustNot('run'), cancel: mustNot('cancel'), readResult: async () => undefined };
    await expect(startLab({ lab: joinsLab(), config: emrConfig({ target: 'local' }), engine: local, store, onEvent: () => {}, signal: new AbortController().signal, wait: false })).rejects.toThrowError(InputError);
  });

  it('when EMR cannot be asked (throttled), status keeps the run as last seen and says why', async () => {
    const { start, store, engine } = setUp({ startingPolls: 2 });
    const lab = joinsLab();
    const queued = await start(lab, false);
    fake.throttle.set('DescribeStep', 100);
    const error = await refreshQueuedRuns([structuredClone(queued)], () => lab, () => engine(), store);
    expect(error?.message).toMatch(/throttl/i);
    expect(error?.exitCode).toBe(3);
    expect(store.latest('day2-joins')!.state).toBe('RUNNING');
  });

  it('builds the Scala jar before hashing it, so a fresh clone can run a Scala lab on EMR', async () => {
    fake = new FakeAws({ stepOutcome: passing });
    const project = tempProject();
    const scala = path.join(project.root, 'spark-jobs', 'scala');
    mkdirSync(path.join(scala, 'src', 'main', 'scala'), { recursive: true });
    writeFileSync(path.join(scala, 'pom.xml'), '<project/>');
    writeFileSync(path.join(scala, 'src', 'main', 'scala', 'Kryo.scala'), 'object Kryo');
    // a stand-in Maven (LABS_MVN) that "builds" the jar
    const mvn = path.join(project.home, 'mvn');
    writeFileSync(mvn, `#!/bin/sh\nmkdir -p "${scala}/target" && printf built > "${scala}/target/emr-spark-labs-jobs.jar"\n`);
    chmodSync(mvn, 0o755);
    const lab = joinsLab({ data: [], steps: [{ name: 'kryo', job: 'spark-jobs/scala', class: 'labs.KryoLab', args: ['--out', '{out}'] }], checks: [] });
    const config = emrConfig();
    const engine = fastEngine(fake, project.root, project.home, config, { env: { ...process.env, LABS_MVN: mvn } });
    const run = await startLab({ lab, config, engine, store: storeIn(project.home), onEvent: () => {}, signal: new AbortController().signal });
    expect(run.state).toBe('COMPLETED');
    const sha = createHash('sha256').update('built').digest('hex').slice(0, 12);
    expect([...fake.objects.keys()].some((k) => k.endsWith(`/artifacts/${sha}/spark-jobs/scala/target/emr-spark-labs-jobs.jar`))).toBe(true);
    expect(run.steps[0]!.argv.join(' ')).toContain(`${sha}/spark-jobs/scala/target/emr-spark-labs-jobs.jar`);
  });
});
