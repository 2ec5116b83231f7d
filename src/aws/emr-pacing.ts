import Bottleneck from 'bottleneck';
import type { EMRClient } from '@aws-sdk/client-emr';
import { ACCOUNT_BUCKET, emrQuotas, operationOf, type Bucket } from '../core/emr-quotas.js';

/**
 * Every EMR call of the tool waits for a token of its operation's bucket and of the account's before it is sent,
 * so a class of 200 runs at EMR's rate instead of colliding with it and backing off (the SDK's adaptive retry still
 * catches the throttling other tools in the account cause). Buckets are bottleneck reservoirs: `burst` tokens,
 * refilled on a timer up to `burst`.
 */

/** bottleneck adds one increment per heartbeat and starts the next interval then: a short beat keeps that lag small. */
const HEARTBEAT_MS = 50;

function bucketLimiter(b: Bucket): Bottleneck {
  // One token per interval while the interval is well above the heartbeat; faster buckets refill in bigger steps.
  const amount = Math.max(1, Math.ceil((b.perSecond * HEARTBEAT_MS * 4) / 1000));
  // EMR's bucket refills continuously from the moment it was drawn; bottleneck's in steps from when the limiter was
  // made. One token held back covers the phase between the two (else the first refill can come a little early).
  const burst = Math.max(1, b.burst - 1);
  return new Bottleneck({
    reservoir: burst,
    reservoirIncreaseAmount: amount,
    reservoirIncreaseInterval: (amount * 1000) / b.perSecond,
    reservoirIncreaseMaximum: burst,
    heartbeatInterval: HEARTBEAT_MS,
  } as Bottleneck.ConstructorOptions);
}

export interface PacingStats {
  /** calls sent, by operation */
  calls: Record<string, number>;
  /** calls that had to wait for a token, by operation */
  waited: Record<string, number>;
}

export class EmrPacer {
  private readonly account: Bottleneck;
  private readonly byOperation = new Map<string, Bottleneck>();
  readonly stats: PacingStats = { calls: {}, waited: {} };

  constructor(private readonly quotas: Record<string, Bucket>) {
    this.account = bucketLimiter(quotas[ACCOUNT_BUCKET] ?? { burst: 25, perSecond: 5 });
  }

  private limiter(operation: string): Bottleneck {
    let l = this.byOperation.get(operation);
    if (!l) {
      const bucket = this.quotas[operation];
      // an operation without a bucket of its own draws from the account's only
      l = bucket ? bucketLimiter(bucket).chain(this.account) : this.account;
      this.byOperation.set(operation, l);
    }
    return l;
  }

  async schedule<T>(operation: string, send: () => Promise<T>): Promise<T> {
    const asked = Date.now();
    return this.limiter(operation).schedule(() => {
      this.stats.calls[operation] = (this.stats.calls[operation] ?? 0) + 1;
      if (Date.now() > asked) this.stats.waited[operation] = (this.stats.waited[operation] ?? 0) + 1;
      return send();
    });
  }

  /** Stops the refill timers (they are unref'd: a process that forgets this still exits). */
  async stop(): Promise<void> {
    await Promise.all([...new Set([...this.byOperation.values(), this.account])].map((l) => l.disconnect(false)));
  }
}

const PACER = Symbol('emr-pacer');
/** One pacer per client: the account's buckets are shared by everything that client sends. */
const pacers = new WeakMap<object, EmrPacer>();
/** Clients of endpoints without EMR's limits (a test's fake that has no buckets): sent to unpaced. */
const unpaced = new WeakSet<object>();

export function exemptFromPacing(emr: EMRClient, exempt = true): void {
  if (exempt) unpaced.add(emr);
  else unpaced.delete(emr);
}

/** The pacer behind a client made by pacedEmr (tests and the bench read its stats). */
export function pacerOf(emr: EMRClient): EmrPacer | undefined {
  return (emr as unknown as Record<symbol, EmrPacer | undefined>)[PACER];
}

const operationName = (command: unknown): string => {
  const schema = (command as { schema?: unknown[] }).schema;
  return typeof schema?.[2] === 'string' ? schema[2] : operationOf((command as object).constructor.name);
};

/**
 * The client with every send() paced: the quota table's defaults (core/emr-quotas.ts) with the course config's
 * `emr.apiQuotas` on top. Wrapping a paced client again returns it as it is.
 */
export function pacedEmr(emr: EMRClient, overrides?: Readonly<Record<string, Bucket>>): EMRClient {
  if (pacerOf(emr) || unpaced.has(emr)) return emr;
  let pacer = pacers.get(emr);
  if (!pacer) {
    pacer = new EmrPacer(emrQuotas(overrides));
    pacers.set(emr, pacer);
  }
  const p = pacer;
  return new Proxy(emr, {
    get(target, prop, receiver) {
      if (prop === PACER) return p;
      const v = Reflect.get(target, prop, receiver);
      if (prop !== 'send' || typeof v !== 'function') return v;
      return (command: unknown, ...rest: unknown[]) => p.schedule(operationName(command), () => (v as (...a: unknown[]) => Promise<unknown>).call(target, command, ...rest));
    },
  });
}
