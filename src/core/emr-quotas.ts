/**
 * EMR's API rate limits: a token bucket per operation and one for all EMR calls of the account together, per
 * account and Region (Service Quotas defaults; accounts with raised quotas override them in `emr.apiQuotas`).
 * A call takes a token from its operation's bucket and from the account's; each bucket refills `perSecond` tokens
 * a second up to `burst`.
 */
export interface Bucket {
  burst: number;
  perSecond: number;
}

/** The account-wide bucket's key in the table: every EMR operation also draws from it. */
export const ACCOUNT_BUCKET = 'account';

export const DEFAULT_EMR_QUOTAS: Readonly<Record<string, Bucket>> = {
  [ACCOUNT_BUCKET]: { burst: 25, perSecond: 5 },
  RunJobFlow: { burst: 10, perSecond: 0.5 },
  AddJobFlowSteps: { burst: 10, perSecond: 0.5 },
  DescribeCluster: { burst: 10, perSecond: 1 },
  DescribeStep: { burst: 10, perSecond: 0.5 },
  ListSteps: { burst: 10, perSecond: 0.5 },
  ListClusters: { burst: 20, perSecond: 0.5 },
  TerminateJobFlows: { burst: 10, perSecond: 0.5 },
  CancelSteps: { burst: 10, perSecond: 0.5 },
  ListInstanceGroups: { burst: 10, perSecond: 1 },
  ListInstanceFleets: { burst: 5, perSecond: 0.5 },
};

/** The defaults with the course config's overrides on top (an operation not in the table has only the account bucket). */
export function emrQuotas(overrides: Readonly<Record<string, Bucket>> | undefined): Record<string, Bucket> {
  return { ...DEFAULT_EMR_QUOTAS, ...(overrides ?? {}) };
}

/** Seconds a bucket needs at least for `calls` calls, starting full: the first `burst` are free, then `perSecond`. */
export function bucketMinimumSeconds(bucket: Bucket, calls: number): number {
  return Math.max(0, calls - bucket.burst) / bucket.perSecond;
}

/** Operation names as the SDK's commands carry them: RunJobFlowCommand -> RunJobFlow. */
export const operationOf = (commandName: string): string => commandName.replace(/Command$/, '');

/**
 * The shortest interval between refreshes at which `perRefresh` calls (by operation) stay within the buckets'
 * refill, and the bucket that sets it (`account` for all EMR calls together). Bursts are not counted on: a screen
 * left open for hours must live on the refill alone.
 */
export function sustainableInterval(quotas: Readonly<Record<string, Bucket>>, perRefresh: Readonly<Record<string, number>>): { seconds: number; operation?: string | undefined } {
  let seconds = 0;
  let operation: string | undefined;
  let total = 0;
  for (const [op, n] of Object.entries(perRefresh)) {
    total += n;
    const b = quotas[op];
    if (b && n / b.perSecond > seconds) {
      seconds = n / b.perSecond;
      operation = op;
    }
  }
  const account = quotas[ACCOUNT_BUCKET];
  if (account && total / account.perSecond > seconds) {
    seconds = total / account.perSecond;
    operation = ACCOUNT_BUCKET;
  }
  return { seconds: Math.ceil(seconds), operation };
}

/** How many calls of an operation one refresh every `seconds` may make and stay within its bucket's refill (>= 1). */
export function callsPerInterval(quotas: Readonly<Record<string, Bucket>>, operation: string, seconds: number): number {
  const b = quotas[operation] ?? quotas[ACCOUNT_BUCKET];
  return Math.max(1, Math.floor((b?.perSecond ?? 1) * seconds));
}
