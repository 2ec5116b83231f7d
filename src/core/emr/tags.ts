import type { Tag } from '@aws-sdk/client-emr';

/**
 * The tags every cluster we create carries. They are how the tool finds a student's cluster again (there is no
 * other state), how `labs gc` knows what may be terminated, and what IAM conditions scope a student's rights by.
 */
export const TAG = {
  course: 'labs:course',
  cohort: 'labs:cohort',
  student: 'labs:student',
  lab: 'labs:lab',
  createdBy: 'labs:created-by',
  expiresAt: 'labs:expires-at',
  /** RunJobFlow has no client token: this tag is ours, looked up before any create or retry */
  idempotencyKey: 'labs:idempotency-key',
  /** what the cluster was built for (release, size, configurations): a lab reuses a cluster of the same shape */
  shape: 'labs:shape',
} as const;

export const CREATED_BY = 'emr-spark-labs';

export interface ClusterTagValues {
  course: string;
  cohort?: string | undefined;
  student: string;
  lab?: string | undefined;
  expiresAt: Date;
  idempotencyKey: string;
  shape: string;
}

export function clusterTags(v: ClusterTagValues): Tag[] {
  const tags: Tag[] = [
    { Key: TAG.course, Value: v.course },
    { Key: TAG.student, Value: v.student },
    { Key: TAG.createdBy, Value: CREATED_BY },
    { Key: TAG.expiresAt, Value: v.expiresAt.toISOString() },
    { Key: TAG.idempotencyKey, Value: v.idempotencyKey },
    { Key: TAG.shape, Value: v.shape },
  ];
  if (v.cohort) tags.push({ Key: TAG.cohort, Value: v.cohort });
  if (v.lab) tags.push({ Key: TAG.lab, Value: v.lab });
  return tags;
}

export function tagValue(tags: readonly Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** True when every wanted tag is present with that value. */
export function hasTags(tags: readonly Tag[] | undefined, wanted: Readonly<Record<string, string>>): boolean {
  return Object.entries(wanted).every(([k, v]) => tagValue(tags, k) === v);
}

/** A cluster past its expires-at tag (a cluster without the tag is not ours to judge). */
export function isExpired(tags: readonly Tag[] | undefined, now: Date): boolean {
  const at = tagValue(tags, TAG.expiresAt);
  if (!at) return false;
  const t = Date.parse(at);
  return Number.isFinite(t) && t <= now.getTime();
}
