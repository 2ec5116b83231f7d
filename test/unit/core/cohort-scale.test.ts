import { describe, expect, it } from 'vitest';
import { checkCohortGuardrails } from '../../../src/core/cohort-guardrails.js';
import { progressLine, progressTracker, type CohortProgress } from '../../../src/core/cohort-progress.js';
import { mergeConfig } from '../../../src/core/config.js';
import { clusterName, nameMayMatch, parseClusterName } from '../../../src/core/emr-cluster-name.js';
import { clusterShape, idempotencyKey, planCluster } from '../../../src/core/emr/cluster-plan.js';
import { bucketMinimumSeconds, callsPerInterval, DEFAULT_EMR_QUOTAS, emrQuotas, sustainableInterval } from '../../../src/core/emr-quotas.js';
import { TAG } from '../../../src/core/emr/tags.js';

const config = mergeConfig([{ source: 'test', values: { target: 'emr', student: 'ana' } }]);

describe('cluster Names carry what a look-up selects by', () => {
  const parts = { student: 'ana', lab: 'day2-joins', course: 'spark-on-emr', cohort: 'fall-27', shape: 'abc123def456', fleets: true, idempotencyKey: '0123456789abcdef0123456789abcdef' };

  it('round-trips through the Name RunJobFlow is given', () => {
    const shape = clusterShape(config, undefined, false);
    const key = idempotencyKey(config.course, 'fall-27', 'ana', shape);
    const input = planCluster({ config, student: 'ana', cohort: 'fall-27', fleets: false, idempotencyKey: key, now: new Date(), bucket: 'b' });
    expect(parseClusterName(input.Name)).toEqual({ student: 'ana', lab: undefined, course: 'spark-on-emr', cohort: 'fall-27', shape, fleets: false, idempotencyKey: key });
    expect(parseClusterName(clusterName({ ...parts, cohort: undefined }))).toMatchObject({ cohort: undefined, fleets: true, lab: 'day2-joins' });
  });

  it('a Name rules a cluster out only when it proves the tags differ', () => {
    const name = clusterName(parts);
    expect(nameMayMatch(name, { [TAG.course]: 'spark-on-emr', [TAG.cohort]: 'fall-27' })).toBe(true);
    expect(nameMayMatch(name, { [TAG.idempotencyKey]: parts.idempotencyKey })).toBe(true);
    expect(nameMayMatch(name, { [TAG.idempotencyKey]: 'ffff' })).toBe(false);
    expect(nameMayMatch(name, { [TAG.cohort]: 'spring-28' })).toBe(false);
    expect(nameMayMatch(name, { [TAG.student]: 'bo' })).toBe(false);
    // created-by is not in the Name: it cannot rule anything out
    expect(nameMayMatch(name, { [TAG.createdBy]: 'emr-spark-labs' })).toBe(true);
    // a Name of ours from before Names carried the key: a candidate for every look-up
    expect(nameMayMatch('emr-spark-labs ana day2-joins', { [TAG.student]: 'bo' })).toBe(true);
    // someone else's cluster
    expect(nameMayMatch('nightly-etl', { [TAG.course]: 'spark-on-emr' })).toBe(false);
  });
});

describe('EMR quota table', () => {
  it('defaults as documented, overridable per operation', () => {
    expect(DEFAULT_EMR_QUOTAS.RunJobFlow).toEqual({ burst: 10, perSecond: 0.5 });
    expect(DEFAULT_EMR_QUOTAS.account).toEqual({ burst: 25, perSecond: 5 });
    expect(emrQuotas({ RunJobFlow: { burst: 50, perSecond: 5 } }).RunJobFlow).toEqual({ burst: 50, perSecond: 5 });
    expect(emrQuotas({ RunJobFlow: { burst: 50, perSecond: 5 } }).DescribeCluster).toEqual({ burst: 10, perSecond: 1 });
  });

  it('the bucket minimum for 200 creates is 380 s', () => {
    expect(bucketMinimumSeconds(DEFAULT_EMR_QUOTAS.RunJobFlow!, 200)).toBe(380);
    expect(bucketMinimumSeconds(DEFAULT_EMR_QUOTAS.RunJobFlow!, 5)).toBe(0);
  });

  it('a refresh interval fits its calls to each bucket and the account', () => {
    expect(sustainableInterval(DEFAULT_EMR_QUOTAS, { ListClusters: 4, ListSteps: 10 })).toEqual({ seconds: 20, operation: 'ListSteps' });
    expect(sustainableInterval(DEFAULT_EMR_QUOTAS, { GetAutoTerminationPolicy: 60 })).toEqual({ seconds: 12, operation: 'account' });
    expect(callsPerInterval(DEFAULT_EMR_QUOTAS, 'ListSteps', 5)).toBe(2);
    expect(callsPerInterval(DEFAULT_EMR_QUOTAS, 'GetAutoTerminationPolicy', 5)).toBe(25);
  });
});

describe('cohort progress', () => {
  it('counts and an ETA from the pacing rate, for what still needs the paced call', () => {
    const seen: CohortProgress[] = [];
    const p = progressTracker('up', 4, 0.5, (x) => seen.push(x));
    p.start();
    expect(seen[0]).toMatchObject({ remaining: 4, etaSeconds: 8 });
    p.record('reused');
    p.record('created');
    expect(seen.at(-1)).toMatchObject({ created: 1, reused: 1, remaining: 2, etaSeconds: 2 });
    p.record('failed');
    p.record('created');
    expect(seen.at(-1)).toMatchObject({ created: 2, reused: 1, failed: 1, remaining: 0, etaSeconds: undefined });
    expect(progressLine(seen[2]!)).toBe('up: 1 created, 1 reused, 0 failed, 2 remaining of 4, ~2s left');
    expect(progressLine({ ...seen[0]!, etaSeconds: 380 })).toMatch(/~6m20s left$/);
  });
});

describe('cohort guardrails', () => {
  it('a cohort over the cap or over the hourly ceiling is refused with the setting to change', () => {
    const c = mergeConfig([{ source: 'test', values: { target: 'emr', emr: { cohortMaxClusters: 10, cohortMaxHourlyUsd: 5 } } }]);
    expect(() => checkCohortGuardrails(c, { cohort: 'fall-27', clusters: 6, hourlyUsd: 4.32 })).not.toThrow();
    expect(() => checkCohortGuardrails(c, { cohort: 'fall-27', clusters: 11, hourlyUsd: 1 })).toThrowError(/^fall-27 would have 11 clusters, more than emr\.cohortMaxClusters \(10\); nothing was created$/);
    expect(() => checkCohortGuardrails(c, { cohort: 'fall-27', clusters: 7, hourlyUsd: 5.04 })).toThrowError(/~\$5\.04\/hour, more than emr\.cohortMaxHourlyUsd \(\$5\)/);
    // unpriced instance types: only the cap can be checked
    expect(() => checkCohortGuardrails(c, { cohort: 'fall-27', clusters: 7, hourlyUsd: undefined })).not.toThrow();
  });

  it('defaults: 100 clusters, $100 an hour; quotas validated', () => {
    expect(config.emr.cohortMaxClusters).toBe(100);
    expect(config.emr.cohortMaxHourlyUsd).toBe(100);
    expect(() => mergeConfig([{ source: 'x.yaml', values: { emr: { apiQuotas: { RunJobFlow: { burst: 0, perSecond: 1 } } } } }])).toThrowError(/x\.yaml: emr\.apiQuotas\.RunJobFlow\.burst/);
  });
});
