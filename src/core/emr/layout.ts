/**
 * Where things live in S3. One bucket per account and region (or the course's), one prefix per student:
 *   <student>/artifacts/<sha256-12>/<relpath>   job files, content-addressed: an unchanged file keeps its key
 *   <student>/data/<lab>/<name>                 a lab's input data
 *   <student>/runs/<lab>/<runId>/<step>/        a step's output and result.json
 *   <student>/logs/                             the cluster's LogUri (EMR adds <clusterId>/steps/<stepId>/)
 */
export interface S3Layout {
  bucket: string;
  student: string;
}

/** The bucket name when the course config sets none: unique per account and region, as S3 requires. */
export function defaultBucket(account: string, region: string): string {
  return `emr-spark-labs-${account}-${region}`;
}

export const s3Uri = (bucket: string, key: string) => `s3://${bucket}/${key}`;

export function artifactKey(l: S3Layout, sha256: string, relPath: string): string {
  return `${l.student}/artifacts/${sha256.slice(0, 12)}/${relPath}`;
}

export const artifactsPrefix = (l: S3Layout) => `${l.student}/artifacts`;
export const dataPrefix = (l: S3Layout, lab: string) => `${l.student}/data/${lab}`;
export const runPrefix = (l: S3Layout, lab: string, runId: string) => `${l.student}/runs/${lab}/${runId}`;
export const stepPrefix = (l: S3Layout, lab: string, runId: string, step: string) => `${runPrefix(l, lab, runId)}/${step}`;
export const studentPrefix = (l: S3Layout) => `${l.student}/`;

export function defaultLogUri(l: S3Layout): string {
  return s3Uri(l.bucket, `${l.student}/logs/`);
}

/** s3://bucket/a/b -> { bucket, key: 'a/b' } */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3[an]?:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: m[1]!, key: m[2]! };
}

/** Where EMR puts a step's logs under the cluster's LogUri. */
export function stepLogKey(logUri: string, clusterId: string, stepId: string, stream: 'stderr' | 'stdout' | 'controller'): { bucket: string; key: string } {
  const { bucket, key } = parseS3Uri(logUri);
  const base = key && !key.endsWith('/') ? `${key}/` : key;
  return { bucket, key: `${base}${clusterId}/steps/${stepId}/${stream}.gz` };
}

/**
 * Where EMR puts a YARN application's ApplicationMaster container log under the LogUri. In cluster deploy mode the
 * Spark driver runs there: a step's own stderr only says the application failed, this log says why.
 */
export function amContainerLogKey(logUri: string, clusterId: string, appId: string, stream: 'stderr' | 'stdout'): { bucket: string; key: string } {
  const { bucket, key } = parseS3Uri(logUri);
  const base = key && !key.endsWith('/') ? `${key}/` : key;
  const container = `container_${appId.replace(/^application_/, '')}_01_000001`;
  return { bucket, key: `${base}${clusterId}/containers/${appId}/${container}/${stream}.gz` };
}

/** The YARN application a cluster-mode spark-submit reports as failed, from its log. */
export function failedApplicationId(log: string): string | undefined {
  return /Application (application_\d+_\d+) finished with failed status/.exec(log)?.[1];
}
