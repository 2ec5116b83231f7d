import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../core/config.js';
import { InterruptedError, isLabsError } from '../core/errors.js';
import type { Lab } from '../core/lab/lab-schema.js';
import { checkFailed, notApplicableNote, tallyChecks } from '../core/lab/checks.js';
import type { RunListener } from '../core/run/run-record.js';
import type { Engine } from '../engines/engine.js';
import { buildEmrPlan } from './emr/plan.js';
import { RunStore } from './run-store.js';
import { startLab } from './start.js';

/**
 * `labs verify`: the checks a course maintainer's CI runs on a lab, the same layers as this project's own tests:
 * its EMR requests against the AWS service models, its EMR flow against moto (an AWS emulator) on 127.0.0.1, a
 * real run on local Spark with its checks, and (--sandbox) the EMR flow for real: the EMR engine's steps on the
 * sandbox's YARN, their result.json in its S3, the checks on them.
 */
export type Layer = 'emr-requests' | 'emr-on-moto' | 'local-spark' | 'emr-on-sandbox';

export interface LayerResult {
  layer: Layer;
  ok: boolean;
  detail: string;
  seconds: number;
}

export interface VerifyContext {
  config: Config;
  projectRoot: string;
  cacheDir: string;
  /** the project venv: its Python has botocore (the AWS CLI's service models), its bin has moto_server */
  venvBin: string;
  local: boolean;
  /** the EMR engine against the sandbox (started by the caller when it is not up), for the emr-on-sandbox layer */
  sandboxEngine?: (() => Engine) | undefined;
  onEvent: RunListener;
  signal: AbortSignal;
  /**
   * moto on 127.0.0.1, started on first use and stopped by the caller, with a bucket made without the tool's
   * TLS-only policy (moto serves plain HTTP, which that policy denies)
   */
  moto: () => Promise<{ endpoint: string; bucket: string }>;
  /** the local engine, made by the caller (it owns the venv, ports and the Spark process) */
  localEngine: () => Engine;
}

/** JSON as botocore takes it: dates as ISO strings, undefined members left out. */
const wire = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

async function timed(layer: Layer, body: () => Promise<string>): Promise<LayerResult> {
  const t0 = performance.now();
  try {
    const detail = await body();
    return { layer, ok: true, detail, seconds: (performance.now() - t0) / 1000 };
  } catch (e) {
    // Ctrl-C ends the whole command (exit 130); any other known error is this layer's finding about the lab.
    if (e instanceof InterruptedError || (!isLabsError(e) && !(e instanceof VerifyFailure))) throw e;
    const detail = isLabsError(e) && e.hint ? `${e.message} (${e.hint})` : (e as Error).message;
    return { layer, ok: false, detail, seconds: (performance.now() - t0) / 1000 };
  }
}

/** A layer's own finding (not an environment problem): the lab does not pass it. */
class VerifyFailure extends Error {}

/** Every request the lab would send to EMR (groups, and fleets when it allows them), through botocore's validator. */
function emrRequests(lab: Lab, v: VerifyContext): Promise<LayerResult> {
  return timed('emr-requests', async () => {
    const shapes = lab.cluster.fleets ? [false, true] : [false];
    const requests = shapes.flatMap((fleets) => {
      const plan = buildEmrPlan(lab, v.config, { projectRoot: v.projectRoot, fleets, now: new Date(), region: 'us-east-1' });
      return [
        { service: 'emr', operation: 'RunJobFlow', input: wire(plan.runJobFlow) },
        ...plan.addJobFlowSteps.map((a) => ({ service: 'emr', operation: 'AddJobFlowSteps', input: wire({ ...a, JobFlowId: 'j-0123456789ABC' }) })),
      ];
    });
    const script = path.join(v.projectRoot, 'scripts', 'validate_aws_requests.py');
    const { withoutAwsSettings } = await import('../engines/local/s3-emulator.js');
    const r = spawnSync(path.join(v.venvBin, 'python'), [script], { input: JSON.stringify(requests), encoding: 'utf8', env: withoutAwsSettings(process.env) });
    if (r.status !== 0) throw new VerifyFailure(`the request validator failed: ${r.stderr.trim().split('\n').at(-1)}`);
    const problems = JSON.parse(r.stdout) as string[];
    if (problems.length) throw new VerifyFailure(problems.join('; '));
    return `${requests.length} requests (${shapes.length === 2 ? 'instance groups and fleets' : 'instance groups'}) match the EMR service model`;
  });
}

/**
 * The lab queued through the real EMR engine and SDK clients against moto: bucket, uploads, Glue, a tagged and
 * auto-terminating RunJobFlow, one AddJobFlowSteps. moto's EMR never runs a step, so this proves the requests are
 * accepted, not the Spark job (the local layer does that).
 */
function emrOnMoto(lab: Lab, v: VerifyContext): Promise<LayerResult> {
  return timed('emr-on-moto', async () => {
    const { endpoint, bucket } = await v.moto();
    const [{ EmrEngine }, { createClients, destroyClients }, { describeCluster }, { TAG, tagValue }] = await Promise.all([
      import('../engines/emr/emr-engine.js'),
      import('../aws/clients.js'),
      import('../aws/emr.js'),
      import('../core/emr/tags.js'),
    ]);
    // moto's endpoint and its test credentials, given to the clients: the environment (a profile, a token) is not read.
    const clients = createClients({ region: 'us-east-1', emulator: { endpoint, accessKeyId: 'testing', secretAccessKey: 'testing' } });
    try {
      const config = { ...v.config, target: 'emr' as const, student: 'verify', emr: { ...v.config.emr, bucket, region: 'us-east-1' } };
      const home = mkdtempSync(path.join(os.tmpdir(), 'labs-verify-'));
      const engine = new EmrEngine({ config, projectRoot: v.projectRoot, cacheDir: v.cacheDir, runsDir: home, clients });
      const run = await startLab({ lab, config, engine, store: new RunStore(home), onEvent: () => {}, signal: v.signal, wait: false });
      const ids = run.steps.map((s) => s.emr?.stepId).filter(Boolean);
      if (ids.length !== lab.steps.length) throw new VerifyFailure(`EMR took ${ids.length} of ${lab.steps.length} steps`);
      const clusterId = run.steps[0]!.emr!.clusterId;
      const cluster = await describeCluster(clients.emr, clusterId);
      if (tagValue(cluster.Tags, TAG.student) !== 'verify') throw new VerifyFailure(`cluster ${clusterId} is not tagged with its student`);
      // (moto has no GetAutoTerminationPolicy: the policy in the RunJobFlow is checked by the emr-requests layer)
      return `cluster ${clusterId} made and tagged; ${ids.length} step${ids.length === 1 ? "" : "s"} queued in one AddJobFlowSteps`;
    } finally {
      destroyClients(clients);
    }
  });
}

/** The lab as `labs start` runs it on that engine: every step completes and every check passes (or is n/a there). */
function fullRun(layer: Layer, lab: Lab, v: VerifyContext, engine: Engine): Promise<LayerResult> {
  return timed(layer, async () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'labs-verify-'));
    const run = await startLab({ lab, config: { ...v.config, target: engine.target }, engine, store: new RunStore(home), onEvent: v.onEvent, signal: v.signal });
    const failed = run.steps.find((s) => s.state !== 'COMPLETED');
    if (failed) throw new VerifyFailure(`step ${failed.name} ${failed.state}${failed.failure ? `: ${failed.failure.summary}` : ''}`);
    const failing = (run.checks ?? []).filter(checkFailed);
    if (failing.length) throw new VerifyFailure(`checks not passed: ${failing.map((c) => c.name).join('; ')}`);
    const seconds = run.steps.reduce((n, s) => n + (s.seconds ?? 0), 0);
    const tally = tallyChecks(run.checks ?? []);
    return `${run.steps.length} steps in ${Math.round(seconds)} s, ${tally.passed} checks passed${tally.pending ? `, ${tally.pending} answer checks pending` : ''}${notApplicableNote(tally)}`;
  });
}

export async function verifyLab(lab: Lab, v: VerifyContext): Promise<{ lab: string; ok: boolean; layers: LayerResult[] }> {
  const layers = [await emrRequests(lab, v), await emrOnMoto(lab, v)];
  if (v.local) layers.push(await fullRun('local-spark', lab, v, v.localEngine()));
  if (v.sandboxEngine) layers.push(await fullRun('emr-on-sandbox', lab, v, v.sandboxEngine()));
  return { lab: lab.id, ok: layers.every((l) => l.ok), layers };
}
