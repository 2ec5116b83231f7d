import type { DashboardEvent, DashboardTarget } from '../core/dashboard/state.js';
import { InputError, isLabsError } from '../core/errors.js';

/** Where the dashboard's data comes from (EMR or the local engine): one refresh emits events, returns the calls made. */
export interface DashboardSource {
  refresh(emit: (e: DashboardEvent) => void): Promise<number>;
  /** the least wait between refreshes that keeps the source within its API rate limits (EMR: a big class lists slowly) */
  minIntervalMs?(): number;
  /** why the refresh is slower or reads less than asked, to say on screen */
  note?(): string | undefined;
}

/**
 * Refresh intervals in seconds. EMR publishes its CloudWatch metrics every 5 minutes and each GetMetricData query is
 * billed, so EMR gets a slow default and a floor that keeps a forgotten dashboard from hammering the APIs; the local
 * engine only reads Spark's REST API on this machine.
 */
export const REFRESH_SECONDS: Record<DashboardTarget, { default: number; floor: number }> = {
  emr: { default: 30, floor: 5 },
  // on this machine and free: as often as the sandbox's own metrics and steps move
  sandbox: { default: 5, floor: 2 },
  local: { default: 2, floor: 1 },
};

/** The interval to use, in ms: the default, or the asked one raised to the floor. */
export function refreshIntervalMs(target: DashboardTarget, seconds?: string | number): { ms: number; raised: boolean } {
  const r = REFRESH_SECONDS[target];
  if (seconds === undefined) return { ms: r.default * 1000, raised: false };
  const n = Number(seconds);
  if (!Number.isFinite(n) || n <= 0) throw new InputError(`--interval must be a number of seconds, not "${seconds}"`, `e.g. --interval ${r.default}`);
  return { ms: Math.max(n, r.floor) * 1000, raised: n < r.floor };
}

/** One refresh, bracketed by start and end events; a failure becomes an event too (the next refresh tries again). */
export async function refreshOnce(source: DashboardSource, emit: (e: DashboardEvent) => void, now: () => number = Date.now): Promise<void> {
  emit({ type: 'refresh-start', at: now() });
  try {
    const calls = await source.refresh(emit);
    emit({ type: 'refresh-end', at: now(), calls, note: source.note?.() });
  } catch (e) {
    emit({ type: 'refresh-failed', at: now(), message: e instanceof Error ? e.message : String(e), hint: isLabsError(e) ? e.hint : undefined });
  }
}

/**
 * The poller: refresh, wait, again, until the signal aborts. The wait counts from the end of a refresh, so a slow
 * refresh (throttling, a big class) spaces the next one out instead of piling up.
 */
export async function poll(source: DashboardSource, emit: (e: DashboardEvent) => void, o: { intervalMs: number; signal: AbortSignal; now?: () => number }): Promise<void> {
  while (!o.signal.aborted) {
    await refreshOnce(source, emit, o.now);
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.max(o.intervalMs, source.minIntervalMs?.() ?? 0));
      function done() {
        clearTimeout(t);
        o.signal.removeEventListener('abort', done);
        resolve();
      }
      o.signal.addEventListener('abort', done, { once: true });
    });
  }
}
