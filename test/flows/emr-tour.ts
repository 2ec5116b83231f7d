import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { clusterStatus, clusterUp, expiredClusters, sparkUi, stopLab, studentClusters, terminate } from '../../src/app/emr/clusters.js';
import { cohortClusters, cohortGrade, cohortRun, cohortUp } from '../../src/app/emr/cohort.js';
import { startLab } from '../../src/app/start.js';
import { idleTimeoutSeconds, instanceShape, recentSteps } from '../../src/aws/emr-dashboard.js';
import { ensureBucket, uploadIfChanged } from '../../src/aws/s3.js';
import { connect } from '../../src/aws/session.js';
import { EmrEngine } from '../../src/engines/emr/emr-engine.js';
import { FakeAws } from '../helpers/fake-aws.js';
import type { RecordedCall } from '../helpers/mock-aws.js';
import { emrConfig, fastEngine, joinsLab, recorder, storeIn, tempProject } from './emr-project.js';

/**
 * Every path the tool takes through AWS, once, on the fake: cold and warm starts (groups and fleets, a Glue lab,
 * a large multipart upload), a failing step, Ctrl-C, cluster up/status/down, stop, the UI links live and persistent,
 * gc, the dashboard's reads, a cohort (up, run, grade, down), and a bucket rolled back. The requests it records are what the IAM policy and the conformance test check.
 */
export async function tourRequests(): Promise<RecordedCall[]> {
  const calls: RecordedCall[] = [];
  const project = tempProject();
  // 6 MiB: lib-storage sends it as a multipart upload.
  writeFileSync(path.join(project.root, 'labs', 'day2-joins', 'data', 'orders', 'big.bin'), Buffer.alloc(6 * 1024 * 1024, 1));
  const config = emrConfig();
  const run = async (fake: FakeAws, o: { fleets?: boolean; lab?: ReturnType<typeof joinsLab>; signal?: AbortSignal } = {}) =>
    startLab({ lab: o.lab ?? joinsLab(), config, engine: fastEngine(fake, project.root, project.home, config, { fleets: o.fleets }), store: storeIn(project.home), onEvent: recorder().onEvent, signal: o.signal ?? new AbortController().signal });

  const fake = new FakeAws({ stepOutcome: (s) => (s.Name?.includes(':joins') ? { state: 'FAILED', stderr: 'java.lang.OutOfMemoryError: Java heap space' } : { state: 'COMPLETED', result: { plan: 'x' } }) });
  await run(fake);
  await run(fake, { fleets: true, lab: joinsLab({ cluster: { catalog: 'glue' } }) });
  // A course with EMR runtime roles: the cluster gets the security configuration, the steps the student's role.
  const runtime = new FakeAws();
  const runtimeConfig = emrConfig({ emr: { securityConfiguration: 'labs-runtime-roles', runtimeRole: 'emr-labs-step-{student}' } });
  await startLab({ lab: joinsLab(), config: runtimeConfig, engine: fastEngine(runtime, project.root, project.home, runtimeConfig), store: storeIn(project.home), onEvent: recorder().onEvent, signal: new AbortController().signal });
  const ctx = await connect(config, { clients: fake.clients });
  await clusterStatus(ctx, config, new Date());
  await sparkUi(ctx, config);
  // The dashboard's own reads, on a groups and a fleets cluster.
  for (const c of await studentClusters(ctx, config)) {
    await recentSteps(fake.clients.emr, c.id);
    await instanceShape(fake.clients.emr, c.id);
    await idleTimeoutSeconds(fake.clients.emr, c.id);
  }
  const [first] = await studentClusters(ctx, config);
  fake.terminate(first!.id);
  const ids = new Map<string, string>();
  await sparkUi(ctx, config, first!.id, ids);
  await sparkUi(ctx, config, first!.id, ids); // the persistent UI made above, described and reused

  const slow = new FakeAws({ stepPolls: 1000, bucketExists: true });
  const ac = new AbortController();
  const running = run(slow, { signal: ac.signal });
  while (!slow.activeClusters()[0]?.steps.length) await new Promise((r) => setTimeout(r, 10));
  const slowCtx = await connect(config, { clients: slow.clients });
  await stopLab(slowCtx, config, 'day2-joins');
  ac.abort();
  await running;
  await terminate(slowCtx, (await studentClusters(slowCtx, config)).map((c) => c.id));
  await expiredClusters(slowCtx, config, new Date(Date.now() + 48 * 3600_000));

  // `labs cluster up` in a fresh account: bucket first (the LogUri lives there), then the course's base cluster.
  const fresh = new FakeAws();
  const freshCtx = await connect(config, { clients: fresh.clients });
  await clusterUp(freshCtx, config, { fleets: false, now: new Date(), wait: { maxWaitTime: 5, minDelay: 0.001, maxDelay: 0.002 }, onMessage: () => {} });

  // An instructor's class: a cluster per student, the lab queued on each, graded, then all terminated.
  const klass = new FakeAws();
  const instructor = emrConfig({ student: 'instructor' });
  const klassCtx = await connect(instructor, { clients: klass.clients });
  const students = [{ student: 'ana' }, { student: 'bo' }];
  const quiet = { cohort: 'fall-27', concurrency: 2, onMessage: () => {} };
  await cohortUp(klassCtx, instructor, students, { ...quiet, fleets: false, now: new Date() });
  await cohortRun(instructor, joinsLab(), ['ana', 'bo'], { ...quiet, labsHome: project.home, projectRoot: project.root, cacheDir: project.home, fleets: false, clients: klass.clients });
  const engineFor = (student: string) => new EmrEngine({ config: { ...instructor, student }, projectRoot: project.root, cacheDir: project.home, runsDir: project.home, clients: klass.clients });
  await cohortGrade(joinsLab(), ['ana', 'bo', 'cy'], { labsHome: project.home, cohort: 'fall-27', concurrency: 2, engineFor, s3: { client: klass.clients.s3, bucket: klassCtx.layout.bucket } });
  await terminate(klassCtx, (await cohortClusters(klassCtx, instructor, 'fall-27')).map((c) => c.Id!));

  // A bucket that cannot be secured is removed; a multipart upload that fails is aborted.
  const broken = new FakeAws();
  broken.mock.stubs.s3.on(PutBucketPolicyCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
  await ensureBucket(broken.clients.s3, 'b-broken', 'eu-west-1').catch(() => undefined);
  // A course bucket made outside the tool (emr.bucket): checked for Block Public Access and default encryption.
  broken.buckets.add('course-bucket');
  await ensureBucket(broken.clients.s3, 'course-bucket', 'eu-west-1', { onUnsafe: () => {} });
  broken.throttle.set('UploadPart', 100);
  await uploadIfChanged(broken.clients.s3, { bucket: 'b', key: 'big', file: path.join(project.root, 'labs', 'day2-joins', 'data', 'orders', 'big.bin'), sha256: 'x' }).catch(() => undefined);

  for (const f of [fake, runtime, slow, fresh, klass, broken]) {
    calls.push(...f.mock.calls());
    f.mock.restore();
  }
  return calls;
}
