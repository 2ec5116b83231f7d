import { spawn, type ChildProcess } from 'node:child_process';
import { EnvironmentError } from '../../core/errors.js';
import { freePort } from './ports.js';

/** The bucket S3 labs use on the local engine ({bucket} in lab.yaml); on EMR it is the student's bucket. */
export const LOCAL_BUCKET = 'labs-local';
/** moto accepts any credentials; S3A still wants some. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export interface S3Emulator {
  endpoint: string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
// A server must not outlive the labs process, even when it exits without reaching its finally blocks.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new EnvironmentError(`the local S3 emulator exited with code ${child.exitCode}`, 'run `labs setup local` to rebuild the venv (it installs moto)');
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new EnvironmentError(`the local S3 emulator did not answer on ${endpoint} within ${timeoutMs / 1000}s`, 'the machine may be overloaded; try again');
}

/**
 * Start moto's server on 127.0.0.1 (never on other interfaces) on a free port, wait until it answers, and
 * create the lab bucket. stop() ends it and waits for the port to be released.
 */
/**
 * The environment without the user's AWS settings, for Python tools that use botocore (moto, the request
 * validator): an emulator needs no credentials, and a stray setting such as an empty AWS_PROFILE makes botocore fail
 * inside moto, which then answers with an HTML error page.
 */
export function withoutAwsSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('AWS_')));
}

export async function startS3Emulator(motoServer: string, buckets: readonly string[] = [LOCAL_BUCKET]): Promise<S3Emulator> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(motoServer, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', env: withoutAwsSettings(process.env) });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new EnvironmentError(`could not start the local S3 emulator: ${e.message}`, 'run `labs setup local` to rebuild the venv (it installs moto)')));
    });
    await waitUntilUp(endpoint, child, 30_000);
    for (const bucket of buckets) {
      const res = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
      if (!res.ok) throw new EnvironmentError(`the local S3 emulator refused to create bucket ${bucket} (HTTP ${res.status})`);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { endpoint, stop };
}

/**
 * Spark settings that point S3A at the emulator: path-style, plain HTTP, fake credentials. `s3://` URIs in a
 * lab's args are rewritten to `s3a://` by the local engine (vanilla Spark has no EMRFS behind `s3://`).
 */
export function s3aConf(endpoint: string): Record<string, string> {
  return {
    'spark.hadoop.fs.s3a.endpoint': endpoint,
    'spark.hadoop.fs.s3a.endpoint.region': 'us-east-1',
    'spark.hadoop.fs.s3a.path.style.access': 'true',
    'spark.hadoop.fs.s3a.connection.ssl.enabled': 'false',
    'spark.hadoop.fs.s3a.access.key': EMULATOR_CREDENTIALS.accessKeyId,
    'spark.hadoop.fs.s3a.secret.key': EMULATOR_CREDENTIALS.secretAccessKey,
    'spark.hadoop.fs.s3a.aws.credentials.provider': 'org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider',
    'spark.hadoop.fs.s3a.change.detection.mode': 'none',
  };
}

/**
 * The magic committer on vanilla Spark needs spark-hadoop-cloud's protocol and the binding Parquet committer.
 * EMR (6.15+) uses its own MagicCommitProtocol for s3a:// already, so the EMR engine must not set these.
 */
export const LOCAL_MAGIC_COMMITTER_CONF: Record<string, string> = {
  'spark.hadoop.fs.s3a.committer.name': 'magic',
  'spark.hadoop.fs.s3a.committer.magic.enabled': 'true',
  'spark.sql.sources.commitProtocolClass': 'org.apache.spark.internal.io.cloud.PathOutputCommitProtocol',
  'spark.sql.parquet.output.committer.class': 'org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter',
};

/**
 * Hadoop 3.3.4 is what Spark 3.5.6 is built on: hadoop-aws must match it (it pulls aws-java-sdk-bundle 1.12.262).
 * spark-hadoop-cloud 3.5.6 was never published to Maven Central; 3.5.5 carries the same two committer classes
 * for the same Hadoop. Its Azure/GCS/OpenStack connectors are excluded: the labs only use S3A.
 */
export const S3A_PACKAGES = ['org.apache.hadoop:hadoop-aws:3.3.4', 'org.apache.spark:spark-hadoop-cloud_2.12:3.5.5'];
export const S3A_EXCLUDES = [
  'org.apache.hadoop:hadoop-azure',
  'org.apache.hadoop:hadoop-azure-datalake',
  'org.apache.hadoop:hadoop-openstack',
  'org.apache.hadoop:hadoop-cloud-storage',
  'com.google.cloud.bigdataoss:gcs-connector',
  'org.apache.hadoop:hadoop-aliyun',
  'org.apache.hadoop:hadoop-cos',
];
