/** Where a bulk cohort command is: what `labs cohort up|run|down` shows on one line as it goes. */
export interface CohortProgress {
  action: 'up' | 'run' | 'down';
  total: number;
  /** clusters made (up, run), steps queued (run), clusters terminated (down) */
  created: number;
  reused: number;
  failed: number;
  remaining: number;
  /** seconds still needed at the rate limit of the operation that paces the command; undefined when none is left */
  etaSeconds: number | undefined;
}

export type ProgressOutcome = 'created' | 'reused' | 'failed';

/**
 * A tracker that counts outcomes and estimates the rest from the rate limit: of the students left, as many as so far
 * needed the paced call (a reused cluster needs no RunJobFlow) take 1/perSecond seconds each.
 */
export function progressTracker(action: CohortProgress['action'], total: number, perSecond: number, emit: (p: CohortProgress) => void) {
  const p: CohortProgress = { action, total, created: 0, reused: 0, failed: 0, remaining: total, etaSeconds: undefined };
  const eta = () => {
    if (p.remaining <= 0) return undefined;
    const done = total - p.remaining;
    const costly = done === 0 ? 1 : (p.created + p.failed) / done;
    return Math.ceil((p.remaining * costly) / perSecond);
  };
  return {
    start(): void {
      p.etaSeconds = eta();
      emit({ ...p });
    },
    record(outcome: ProgressOutcome, n = 1): void {
      p[outcome] += n;
      p.remaining = Math.max(0, p.remaining - n);
      p.etaSeconds = eta();
      emit({ ...p });
    },
  };
}

/** "up: 120 created, 3 reused, 1 failed, 76 left, ~2m32s" */
export function progressLine(p: CohortProgress): string {
  const made = p.action === 'down' ? 'terminated' : p.action === 'run' ? 'queued' : 'created';
  const eta = p.etaSeconds === undefined ? '' : `, ~${p.etaSeconds >= 60 ? `${Math.floor(p.etaSeconds / 60)}m${String(p.etaSeconds % 60).padStart(2, '0')}s` : `${p.etaSeconds}s`} left`;
  return `${p.action}: ${p.created} ${made}, ${p.reused} reused, ${p.failed} failed, ${p.remaining} remaining of ${p.total}${eta}`;
}
