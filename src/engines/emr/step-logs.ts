import type { S3Client } from '@aws-sdk/client-s3';
import { amContainerLogKey, failedApplicationId, stepLogKey } from '../../core/emr/layout.js';
import { getObjectText } from '../../aws/s3.js';

export interface StepLogWait {
  /** how long to wait for EMR to push the log to S3 (it does every few minutes) */
  maxSeconds: number;
  pollSeconds: number;
  sleep: (ms: number) => Promise<void>;
  signal?: AbortSignal | undefined;
}

/** A step's log from the cluster's LogUri, waiting for it to arrive; undefined when it did not in time. */
export async function fetchStepLog(s3: S3Client, logUri: string, clusterId: string, stepId: string, stream: 'stderr' | 'stdout', w: StepLogWait): Promise<string | undefined> {
  const { bucket, key } = stepLogKey(logUri, clusterId, stepId, stream);
  const deadline = Date.now() + w.maxSeconds * 1000;
  for (;;) {
    const text = await getObjectText(s3, bucket, key);
    if (text !== undefined) return text;
    if (Date.now() + w.pollSeconds * 1000 > deadline || w.signal?.aborted) return undefined;
    await w.sleep(w.pollSeconds * 1000);
  }
}

/**
 * Cluster deploy mode: a step's stderr only says "Application ... finished with failed status"; the driver ran in the
 * application's first container, whose log EMR puts under LogUri too. Its text (stderr, then stdout), if it is there.
 */
export async function fetchDriverLog(s3: S3Client, logUri: string, clusterId: string, stepLog: string): Promise<string | undefined> {
  const appId = failedApplicationId(stepLog);
  if (!appId) return undefined;
  const texts = await Promise.all((['stderr', 'stdout'] as const).map((stream) => {
    const { bucket, key } = amContainerLogKey(logUri, clusterId, appId, stream);
    return getObjectText(s3, bucket, key);
  }));
  const text = texts.filter((t) => t !== undefined).join('\n');
  return text || undefined;
}
