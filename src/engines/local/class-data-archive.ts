import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JavaInfo } from './java.js';
import type { PythonEnv } from './python-env.js';
import { runProcess } from './spark-process.js';

/**
 * A class-data archive (JDK 13+ dynamic AppCDS) of the classes a Spark driver loads while it starts. With it each
 * step's JVM maps those classes from one file instead of finding and verifying them in ~250 jars: measured here on 2
 * cores, a local[*] session that sums a range took 6.9 s of CPU instead of 11-12 s. Built once per venv and JDK.
 *
 * The JVM only uses an archive made from the same JDK build and the same class path (the venv's pyspark jars); when
 * anything differs it ignores the archive, silently with -Xlog:cds=off, and the step merely starts slower. That is why
 * a stale or foreign archive can never break a run, and why failing to build one is not an error.
 */
const WARM_UP = [
  'from pyspark.sql import SparkSession, functions as F',
  'spark = SparkSession.builder.getOrCreate()',
  'df = spark.range(20000).withColumn("k", F.col("id") % 7)',
  'df.groupBy("k").agg(F.sum("id")).join(df.limit(10), "k").collect()',
  'spark.stop()',
  '',
].join('\n');

export function archiveFile(cacheDir: string, pyenv: PythonEnv, java: JavaInfo): string {
  let binary = java.java;
  try {
    binary = realpathSync(binary);
  } catch {
    // `java` found on PATH: its version still keys the archive
  }
  const key = createHash('sha256').update(`${pyenv.key}\n${binary}\n${java.version}`).digest('hex').slice(0, 12);
  return path.join(cacheDir, 'cds', `spark-driver-${key}.jsa`);
}

/** The driver JVM options that use the archive (set as spark.driver.defaultJavaOptions: a lab's extraJavaOptions add to them). */
export function archiveJavaOptions(file: string): string {
  return `-XX:SharedArchiveFile=${file} -Xlog:cds=off -Xlog:cds+dynamic=off`;
}

/**
 * The archive for this venv and JDK, built by running a small Spark job with -XX:ArchiveClassesAtExit when it is
 * missing. Undefined when it could not be built (the steps then start without it). Written under a temporary name and
 * renamed, so two runs building at once never leave a half-written archive.
 */
export async function ensureClassDataArchive(o: { cacheDir: string; pyenv: PythonEnv; java: JavaInfo; env: NodeJS.ProcessEnv; onProgress: (m: string) => void; signal: AbortSignal }): Promise<string | undefined> {
  const file = archiveFile(o.cacheDir, o.pyenv, o.java);
  if (existsSync(file)) return file;
  mkdirSync(path.dirname(file), { recursive: true });
  const work = mkdtempSync(path.join(path.dirname(file), '.build-'));
  const partial = path.join(work, 'archive.jsa');
  o.onProgress('building a JVM class-data archive so Spark starts faster (once, about 30 s)');
  try {
    writeFileSync(path.join(work, 'warm_up.py'), WARM_UP);
    const outcome = await runProcess({
      command: o.pyenv.sparkSubmit,
      args: ['--master', 'local[2]', '--conf', `spark.driver.defaultJavaOptions=-XX:ArchiveClassesAtExit=${partial}`, '--conf', 'spark.ui.port=0', 'warm_up.py'],
      cwd: work,
      env: { ...o.env, PYSPARK_PYTHON: o.pyenv.python, PYSPARK_DRIVER_PYTHON: o.pyenv.python, SPARK_LOCAL_IP: '127.0.0.1' },
      stdoutFile: path.join(work, 'stdout.log'),
      stderrFile: path.join(work, 'stderr.log'),
      timeoutMs: 5 * 60_000,
      signal: o.signal,
    });
    if (outcome.exitCode !== 0 || outcome.stoppedBy || !existsSync(partial)) {
      if (!o.signal.aborted) o.onProgress('could not build the class-data archive; Spark starts without it');
      return undefined;
    }
    renameSync(partial, file);
    return file;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
