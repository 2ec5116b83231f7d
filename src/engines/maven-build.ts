import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { EnvironmentError, InterruptedError } from '../core/errors.js';

/**
 * Builds one of the project's Maven projects (spark-jobs/scala, sandbox/yarn) only when its sources changed.
 *
 * Staleness: a sha256 over pom.xml and every file under src/ (paths and contents) is written to a stamp file in
 * target/ after a successful build. The build is fresh when its outputs exist and the stamp holds the current hash.
 * The stamp lives in target/ so that anything that wipes the build (mvn clean, a fresh clone) also wipes the stamp.
 *
 * Maven's local repository is `<labs cache>/m2`, next to the Python venv, so CI runs and other checkouts reuse the
 * downloads. Maven runs offline first when that repository exists, so a machine without network builds from the
 * cache, and goes online only when something is missing.
 */

export const BUILD_STAMP = 'target/.labs-build-stamp';

/** pom.xml and everything under src/, as sorted project-relative paths with '/' separators. */
export function mavenSourceFiles(projectDir: string): string[] {
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

/** What the build is made from. Paths are part of it: renaming or deleting a source changes the output too. */
export function mavenSourceHash(projectDir: string): string {
  const h = createHash('sha256');
  for (const rel of mavenSourceFiles(projectDir)) {
    h.update(rel).update('\0').update(readFileSync(path.join(projectDir, rel))).update('\0');
  }
  return h.digest('hex');
}

export type StaleReason = 'no-jar' | 'no-stamp' | 'sources-changed';
export type BuildNeed = { stale: false } | { stale: true; reason: StaleReason };

/** Whether the project must be (re)built, and why (the why becomes the progress message). */
export function mavenBuildNeed(projectDir: string, outputs: string[], hash: string): BuildNeed {
  if (!outputs.every((o) => existsSync(o))) return { stale: true, reason: 'no-jar' };
  const stamp = path.join(projectDir, BUILD_STAMP);
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
 * Turn Maven's error output into one line naming what failed (`what` names the project in a compile error).
 * Maven's first [ERROR] line carries the cause; for a resolution failure the last clause of it is the innermost
 * reason (connection refused, unknown host, 401 ...).
 */
export function describeMavenFailure(output: string, what: string): MavenFailure {
  const lines = output.replace(ANSI, '').split('\n').map((l) => l.trimEnd());
  const errors = lines.filter((l) => l.startsWith('[ERROR]')).map((l) => l.replace(/^\[ERROR\]\s*/, '').replace(/\s*-> \[Help \d+\]$/, ''));
  const compile = lines.findIndex((l) => /^\[ERROR\] .*\.(scala|java):[\d,[\]]+:? /.test(l));
  if (compile >= 0) {
    const first = lines[compile]!.replace(/^\[ERROR\] /, '');
    const where = first.replace(/^.*?(src\/main\/(?:scala|java)\/)/, '');
    return { kind: 'compile', message: `${what} do not compile: ${where}` };
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

const REASONS: Record<StaleReason, string> = {
  'no-jar': 'not built yet',
  'no-stamp': 'built outside labs',
  'sources-changed': 'sources changed',
};

/** How one project speaks about its build: the words differ, the procedure does not. */
export interface MavenProject {
  /** project directory relative to the project root, e.g. spark-jobs/scala */
  dir: string;
  /** absolute paths that must exist after a build (the jar, a classpath file) */
  outputs: string[];
  /** plural noun phrase: "the Scala jobs" (-> "building the Scala jobs (...)", "the Scala jobs do not compile") */
  what: string;
  /** why Maven is needed, after "Maven (mvn) is not installed: " */
  needsMaven: string;
  /** what the first online build downloads, e.g. "Spark 3.5.6 and the Scala compiler ... (about 300 MB, once)" */
  firstDownload: string;
  /** the command that builds it again, for hints */
  rebuild: string;
  logName: string;
  interrupted: string;
  /** what the progress line says once built */
  built: (seconds: number) => string;
}

export interface MavenBuildOptions {
  projectRoot: string;
  cacheDir: string;
  onProgress: (message: string) => void;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

/** Build `project` if an output is missing or stale: offline from the cache first, online only for what is missing. */
export async function ensureMavenBuild(project: MavenProject, opts: MavenBuildOptions): Promise<{ built: boolean; seconds?: number }> {
  const projectDir = path.join(opts.projectRoot, project.dir);
  if (!mavenBuildNeed(projectDir, project.outputs, mavenSourceHash(projectDir)).stale) return { built: false };
  // Two labs processes (a test file and `labs sandbox up`) must not run Maven in one target/ at once: the second
  // waits, then finds the build fresh.
  const lockOptions = { realpath: false, lockfilePath: path.join(projectDir, '.labs-build.lock') };
  const release = await lockfile.lock(projectDir, { ...lockOptions, retries: { retries: 600, minTimeout: 1000, maxTimeout: 1000 } });
  try {
    return await build(project, projectDir, opts);
  } finally {
    await release();
  }
}

async function build(project: MavenProject, projectDir: string, opts: MavenBuildOptions): Promise<{ built: boolean; seconds?: number }> {
  const hash = mavenSourceHash(projectDir);
  const need = mavenBuildNeed(projectDir, project.outputs, hash);
  if (!need.stale) return { built: false };

  const env = opts.env ?? process.env;
  const mvn = env.LABS_MVN || 'mvn';
  const repo = path.join(opts.cacheDir, 'm2');
  const log = path.join(opts.cacheDir, project.logName);
  mkdirSync(opts.cacheDir, { recursive: true });
  const started = Date.now();

  const attempt = async (offline: boolean) => {
    try {
      return await runMaven(mvn, mavenArgs(repo, offline), projectDir, env, opts.signal);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new EnvironmentError(
          `Maven (${mvn}) is not installed: ${project.needsMaven}`,
          `install Maven 3.8+ (e.g. apt install maven, brew install maven) or set LABS_MVN to its path, then run \`${project.rebuild}\``,
        );
      }
      throw new EnvironmentError(`could not run Maven (${mvn}): ${(e as Error).message}`, 'check LABS_MVN and your Maven install');
    }
  };
  const interrupted = () => new InterruptedError(project.interrupted, `run \`${project.rebuild}\` to build ${project.what} again`);

  const cached = existsSync(repo);
  opts.onProgress(`building ${project.what} (${project.dir}, ${REASONS[need.reason]}) with Maven`);
  let result = cached ? await attempt(true) : undefined;
  if (opts.signal.aborted) throw interrupted();
  let failure = result && result.code !== 0 ? describeMavenFailure(result.output, project.what) : undefined;
  if (!result || failure?.kind === 'missing-offline') {
    opts.onProgress(
      cached
        ? `Maven: downloading what the cache lacks (${failure?.message.replace(/^not in the Maven cache: /, '')}) into ${repo}`
        : `Maven: downloading ${project.firstDownload} into ${repo}`,
    );
    result = await attempt(false);
    if (opts.signal.aborted) throw interrupted();
    failure = result.code !== 0 ? describeMavenFailure(result.output, project.what) : undefined;
  }
  writeFileSync(log, result.output);
  if (failure || result.code !== 0) {
    const f = failure ?? describeMavenFailure(result.output, project.what);
    const hint =
      f.kind === 'resolve'
        ? `check your network or proxy (Maven needs Maven Central once), then run \`${project.rebuild}\`; full output: ${log}`
        : f.kind === 'compile'
          ? `fix the source in ${project.dir}; full Maven output: ${log}`
          : `full Maven output: ${log}`;
    throw new EnvironmentError(f.message, hint);
  }
  const missing = project.outputs.find((o) => !existsSync(o));
  if (missing) {
    throw new EnvironmentError(`Maven succeeded but ${path.relative(opts.projectRoot, missing)} is missing`, `check ${project.dir}/pom.xml`);
  }
  writeFileSync(path.join(projectDir, BUILD_STAMP), `${hash}\n`);
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  opts.onProgress(project.built(seconds));
  return { built: true, seconds };
}
