// Bundled by bench/cohort.mjs: a class of 200 on the fake EMR with EMR's token buckets, on a simulated clock.
import { cohortUp } from '../src/app/emr/cohort.js';
import { exemptFromPacing } from '../src/aws/emr-pacing.js';
import { bucketMinimumSeconds, DEFAULT_EMR_QUOTAS } from '../src/core/emr-quotas.js';
import { callsByOperation, classOf, duplicates, installClock, run, simulated, throttledTotal, up } from '../test/helpers/cohort-scale.js';
import type { EMRClient } from '@aws-sdk/client-emr';

export interface Phase {
  seconds: number;
  minimum: number;
  failed: number;
  throttled: number;
  duplicates: number;
  calls: Record<string, number>;
}

const emrTotal = (calls: Record<string, number>) => Object.values(calls).reduce((a, b) => a + b, 0);
export { emrTotal };

/** `labs cohort up` then `cohort run` for n students, paced (the tool as shipped). */
export async function paced(n = 200): Promise<{ up: Phase; run: Phase }> {
  const clock = installClock();
  try {
    const c = await classOf(n);
    const u = await simulated(clock, () => up(c));
    const upPhase: Phase = { seconds: u.seconds, minimum: bucketMinimumSeconds(DEFAULT_EMR_QUOTAS.RunJobFlow!, n), failed: u.value.filter((o) => !o.ok).length, throttled: throttledTotal(c.fake), duplicates: duplicates(c.fake), calls: callsByOperation(c.fake) };
    c.fake.tick();
    c.fake.tick();
    const mark = c.fake.mock.calls().length;
    const before = throttledTotal(c.fake);
    const r = await simulated(clock, () => run(c));
    const runPhase: Phase = { seconds: r.seconds, minimum: bucketMinimumSeconds(DEFAULT_EMR_QUOTAS.AddJobFlowSteps!, n), failed: r.value.filter((o) => !o.ok).length, throttled: throttledTotal(c.fake) - before, duplicates: duplicates(c.fake), calls: callsByOperation(c.fake, mark) };
    c.fake.mock.restore();
    return { up: upPhase, run: runPhase };
  } finally {
    clock.uninstall();
  }
}

/** A deterministic random: the naive run is the same every time. */
function lcg(seed: number) {
  let s = seed;
  return () => ((s = (s * 1664525 + 1013904223) % 2 ** 32) / 2 ** 32);
}

/**
 * The SDK's answer to throttling without pacing, as aws/clients.ts configures it (6 attempts): full-jitter
 * exponential backoff from 500 ms (the SDK's throttling base), capped at 20 s.
 */
function retrying(emr: EMRClient): EMRClient {
  const random = lcg(42);
  return new Proxy(emr, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'send' || typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } catch (e) {
            if ((e as Error).name !== 'ThrottlingException' || attempt >= 5) throw e;
            await new Promise((r) => setTimeout(r, random() * Math.min(20_000, 500 * 2 ** attempt)));
          }
        }
      };
    },
  });
}

/** `labs cohort up` for n students all at once (concurrency n), not paced: collide, back off, retry. */
export async function naive(n = 200): Promise<Phase> {
  const clock = installClock();
  try {
    const c = await classOf(n);
    exemptFromPacing(c.fake.clients.emr);
    const ctx = { ...c.ctx, clients: { ...c.ctx.clients, emr: retrying(c.fake.clients.emr) } };
    const u = await simulated(clock, () => cohortUp(ctx, c.config, c.students, { cohort: 'fall-27', concurrency: n, fleets: false, now: new Date(), onMessage: () => {} }));
    const phase: Phase = { seconds: u.seconds, minimum: bucketMinimumSeconds(DEFAULT_EMR_QUOTAS.RunJobFlow!, n), failed: u.value.filter((o) => !o.ok).length, throttled: throttledTotal(c.fake), duplicates: duplicates(c.fake), calls: callsByOperation(c.fake) };
    c.fake.mock.restore();
    return phase;
  } finally {
    clock.uninstall();
  }
}
