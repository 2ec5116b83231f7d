import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError, InterruptedError } from '../core/errors.js';
import { SCALA_JAR, SCALA_PROJECT } from '../core/run/step-plan.js';

/**
 * Builds spark-jobs/scala (one jar for every Scala lab) with Maven, only when its sources changed.
 *
 * Staleness: a sha256 over pom.xml and every file under src/ (paths and contents) is written to a stamp file in
 * target/ after a successful build. The jar is fresh when it exists and the stamp holds the current hash. The stamp
 * lives in target/ so that anything that wipes the build (mvn clean, a fresh clone) also wipes the stamp.
 *
 * Maven's local repository is `<labs cache>/m2`, next to the Python venv, so CI runs and other checkouts reuse the
 * downloads (Spark's jars, the Scala compiler: about 300 MB). Maven runs offline first when that repository exists,
 * so a machine without network builds from the cache, and goes online only when something is missing.
 */

export const BUILD_STAMP = 'target/.labs-build-stamp';
const LOG_NAME = 'scala-build.log';

export interface ScalaBuildOptions {
  projectRoot: string;
  cacheDir: string;
  onProgress: (message: string) => void;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface ScalaBuildResult {
  jar: string;
  built: boolean;
  seconds?: number;
}

/** pom.xml and everything under src/, as sorted project-relative paths with '/' separators. */
export function scalaSourceFiles(projectDir: string): string[] {
  const files: string[] = [];
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(projectDir, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) files.push(child);
    }
  };
  if (existsSync(path.join(projectDir, 'src'))) walk('src');
  if (existsSync(path.join(projectDir, 'pom.xml'))) files.push('pom.xml');
  return files.sort();
}

/** What the jar is built from. Paths are part of it: renaming or deleting a source changes the jar too. */
export function scalaSourceHash(projectDir: string): string {
  const h = createHash('sha256');
  for (const rel of scalaSourceFiles(projectDir)) {
    h.update(rel).update('\0').update(readFileSync(path.join(projectDir, rel))).update('\0');
  }
  return h.digest('hex');
}

export type BuildNeed = { stale: false } | { stale: true; reason: 'no-jar' | 'no-stamp' | 'sources-changed' };

/** Whether the jar must be (re)built, and why (the why becomes the progress message). */
export function buildNeed(projectRoot: string, hash: string): BuildNeed {
  if (!existsSync(path.join(projectRoot, SCALA_JAR))) return { stale: true, reason: 'no-jar' };
  const stamp = path.join(projectRoot, SCALA_PROJECT, BUILD_STAMP);
  if (!existsSync(stamp)) return { stale: true, reason: 'no-stamp' };
  return readFileSync(stamp, 'utf8').trim() === hash ? { stale: false } : { stale: true, reason: 'sources-changed' };
}

/** `mvn` arguments: batch mode (no stdin, no colours), quiet (errors only), the labs cache as local repository. */
export function mavenArgs(repo: string, offline: boolean): string[] {
  return ['-B', '-q', '-Dstyle.color=never', `-Dmaven.repo.local=${repo}`, ...(offline ? ['-o'] : []), 'package'];
}

export interface MavenFailure {
  kind: 'missing-offline' | 'resolve' | 'compile' | 'other';
  /** one line for the user */
  message: string;
}

// Maven and its plugins colour or decorate lines even in batch mode on some versions; compare plain text.
const ANSI = /\u001b\[[0-9;]*m/g;
/** group:artifact[:type]:version; the type is dropped when shown (org.apache.spark:spark-sql_2.12:3.5.6). */
const COORD = /\b([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+):(?:(?:jar|pom|maven-plugin):)?([0-9][A-Za-z0-9_.-]*)\b/;

function coordinate(text: string): string | undefined {
  const m = COORD.exec(text);
  return m ? `${m[1]}:${m[2]}:${m[3]}` : undefined;
}

/**
 * Turn Maven's error output into one line naming what failed. Maven's first [ERROR] line carries the cause; for a
 * resolution failure the last clause of it is the innermost reason (connection refused, unknown host, 401 ...).
 */
export function describeMavenFailure(output: string): MavenFailure {
  const lines = output.replace(ANSI, '').split('\n').map((l) => l.trimEnd());
  const errors = lines.filter((l) => l.startsWith('[ERROR]')).map((l) => l.replace(/^\[ERROR\]\s*/, '').replace(/\s*-> \[Help \d+\]$/, ''));
  const compile = lines.findIndex((l) => /^\[ERROR\] .*\.(scala|java):\d+: /.test(l));
  if (compile >= 0) {
    const first = lines[compile]!.replace(/^\[ERROR\] /, '');
    const where = first.replace(/^.*?(src\/main\/(?:scala|java)\/)/, '');
    return { kind: 'compile', message: `the Scala jobs do not compile: ${where}` };
  }
  const head = errors.find((e) => e.length > 0) ?? lines.filter(Boolean).at(-1) ?? 'mvn failed with no output';
  const offline = /in offline mode and the artifact (\S+) has not been downloaded/.exec(head);
  if (offline) return { kind: 'missing-offline', message: `not in the Maven cache: ${coordinate(offline[1]!) ?? offline[1]}` };
  if (/could not be resolved|Could not resolve|Failed to collect dependencies|Failed to read artifact descriptor|Could not transfer artifact|Non-resolvable/i.test(head)) {
    const about = /(?:artifacts? could not be resolved: |Failed to collect dependencies at |Failed to read artifact descriptor for |^Plugin )(\S+)/.exec(head);
    const coord = coordinate(about?.[1] ?? head) ?? 'a dependency';
    const reason = head.split(': ').at(-1)!.trim();
    return { kind: 'resolve', message: `maven could not resolve ${coord}: ${reason}` };
  }
  return { kind: 'other', message: `maven failed: ${head}` };
}

function runMaven(mvn: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(mvn, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (b: Buffer) => {
      output += b.toString('utf8');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const abort = () => child.kill('SIGTERM');
    signal.addEventListener('abort', abort, { once: true });
    child.on('error', (e) => {
      signal.removeEventListener('abort', abort);
      reject(e);
    });
    child.on('close', (code) => {
      signal.removeEventListener('abort', abort);
      resolve({ code, output });
    });
  });
}

const REASONS: Record<'no-jar' | 'no-stamp' | 'sources-changed', string> = {
  'no-jar': 'not built yet',
  'no-stamp': 'built outside labs',
  'sources-changed': 'sources changed',
};

/** Build the Scala jobs' jar if it is missing or stale; return its absolute path. */
export async function ensureScalaJar(opts: ScalaBuildOptions): Promise<ScalaBuildResult> {
  const projectDir = path.join(opts.projectRoot, SCALA_PROJECT);
  const jar = path.join(opts.projectRoot, SCALA_JAR);
  const hash = scalaSourceHash(projectDir);
  const need = buildNeed(opts.projectRoot, hash);
  if (!need.stale) return { jar, built: false };

  const env = opts.env ?? process.env;
  const mvn = env.LABS_MVN || 'mvn';
  const repo = path.join(opts.cacheDir, 'm2');
  const log = path.join(opts.cacheDir, LOG_NAME);
  mkdirSync(opts.cacheDir, { recursive: true });
  const started = Date.now();

  const attempt = async (offline: boolean) => {
    try {
      return await runMaven(mvn, mavenArgs(repo, offline), projectDir, env, opts.signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new EnvironmentError(
          `Maven (${mvn}) is not installed: the Scala labs build ${SCALA_PROJECT} with it`,
          'install Maven 3.8+ (e.g. apt install maven, brew install maven) or set LABS_MVN to its path, then run `labs setup local`',
        );
      }
      throw new EnvironmentError(`could not run Maven (${mvn}): ${(e as Error).message}`, 'check LABS_MVN and your Maven install');
    }
  };
  const interrupted = () => new InterruptedError('Scala build interrupted', 'run `labs setup local` to build the Scala jobs again');

  const cached = existsSync(repo);
  opts.onProgress(`building the Scala jobs (${SCALA_PROJECT}, ${REASONS[need.reason]}) with Maven`);
  let result = cached ? await attempt(true) : undefined;
  if (opts.signal.aborted) throw interrupted();
  let failure = result && result.code !== 0 ? describeMavenFailure(result.output) : undefined;
  if (!result || failure?.kind === 'missing-offline') {
    opts.onProgress(
      cached
        ? `Maven: downloading what the cache lacks (${failure?.message.replace(/^not in the Maven cache: /, '')}) into ${repo}`
        : `Maven: downloading Spark 3.5.6 and the Scala compiler into ${repo} (about 300 MB, once)`,
    );
    result = await attempt(false);
    if (opts.signal.aborted) throw interrupted();
    failure = result.code !== 0 ? describeMavenFailure(result.output) : undefined;
  }
  writeFileSync(log, result.output);
  if (failure || result.code !== 0) {
    const f = failure ?? describeMavenFailure(result.output);
    const hint =
      f.kind === 'resolve'
        ? `check your network or proxy (Maven needs Maven Central once), then run \`labs setup local\`; full output: ${log}`
        : f.kind === 'compile'
          ? `fix the Scala source; full Maven output: ${log}`
          : `full Maven output: ${log}`;
    throw new EnvironmentError(f.message, hint);
  }
  if (!existsSync(jar)) throw new EnvironmentError(`Maven succeeded but ${SCALA_JAR} is missing`, `check <finalName> in ${SCALA_PROJECT}/pom.xml`);
  writeFileSync(path.join(projectDir, BUILD_STAMP), `${hash}\n`);
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  opts.onProgress(`Scala jobs built: ${SCALA_JAR} (${seconds} s)`);
  return { jar, built: true, seconds };
}
