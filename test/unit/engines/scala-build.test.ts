import { chmodSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../../src/core/errors.js';
import { SCALA_JAR } from '../../../src/core/run/step-plan.js';
import {
  BUILD_STAMP,
  buildNeed,
  describeMavenFailure,
  ensureScalaJar,
  mavenArgs,
  scalaSourceFiles,
  scalaSourceHash,
} from '../../../src/engines/scala-build.js';

/** A project root with a tiny spark-jobs/scala: pom, two sources, and build output that must not count. */
function fakeProject(): { root: string; scala: string; write(rel: string, text: string): void } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'labs-scala-'));
  const scala = path.join(root, 'spark-jobs', 'scala');
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(scala, rel)), { recursive: true });
    writeFileSync(path.join(scala, rel), text);
  };
  write('pom.xml', '<project/>');
  write('src/main/scala/labs/A.scala', 'object A');
  write('src/main/scala/labs/B.scala', 'object B');
  write('target/classes/labs/A.class', 'bytes');
  return { root, scala, write };
}

describe('Scala sources and their hash', () => {
  it('lists pom.xml and src/**, sorted, never target/', () => {
    const p = fakeProject();
    expect(scalaSourceFiles(p.scala)).toEqual(['pom.xml', 'src/main/scala/labs/A.scala', 'src/main/scala/labs/B.scala']);
  });

  it('changes with a source edit, an added file, a rename and the pom; not with build output', () => {
    const p = fakeProject();
    const h0 = scalaSourceHash(p.scala);
    expect(scalaSourceHash(p.scala)).toBe(h0);
    p.write('target/emr-spark-labs-jobs.jar', 'jar');
    expect(scalaSourceHash(p.scala)).toBe(h0);

    p.write('src/main/scala/labs/A.scala', 'object A { val x = 1 }');
    const h1 = scalaSourceHash(p.scala);
    expect(h1).not.toBe(h0);
    p.write('src/main/scala/labs/C.scala', 'object C');
    const h2 = scalaSourceHash(p.scala);
    expect(h2).not.toBe(h1);
    renameSync(path.join(p.scala, 'src/main/scala/labs/C.scala'), path.join(p.scala, 'src/main/scala/labs/D.scala'));
    const h3 = scalaSourceHash(p.scala);
    expect(h3).not.toBe(h2);
    p.write('pom.xml', '<project><version>2</version></project>');
    expect(scalaSourceHash(p.scala)).not.toBe(h3);
  });
});

describe('buildNeed', () => {
  it('is stale without a jar, without a stamp, or when the stamp records other sources', () => {
    const p = fakeProject();
    const hash = scalaSourceHash(p.scala);
    expect(buildNeed(p.root, hash)).toEqual({ stale: true, reason: 'no-jar' });
    p.write('target/emr-spark-labs-jobs.jar', 'jar');
    expect(buildNeed(p.root, hash)).toEqual({ stale: true, reason: 'no-stamp' });
    p.write(BUILD_STAMP, `${'0'.repeat(64)}\n`);
    expect(buildNeed(p.root, hash)).toEqual({ stale: true, reason: 'sources-changed' });
    p.write(BUILD_STAMP, `${hash}\n`);
    expect(buildNeed(p.root, hash)).toEqual({ stale: false });
  });
});

describe('mavenArgs', () => {
  it('runs in batch mode, quietly, against the cache repository; offline only when asked', () => {
    expect(mavenArgs('/c/m2', false)).toEqual(['-B', '-q', '-Dstyle.color=never', '-Dmaven.repo.local=/c/m2', 'package']);
    expect(mavenArgs('/c/m2', true)).toContain('-o');
  });
});

describe('describeMavenFailure (outputs captured from Maven 3.8)', () => {
  it.each([
    {
      what: 'names a dependency missing from the cache in offline mode',
      out: '\u001b[0m\u001b[0m[ERROR] Failed to execute goal on project emr-spark-labs-jobs: Could not resolve dependencies for project emr-spark-labs:emr-spark-labs-jobs:jar:0.1.0: Cannot access central (https://repo.maven.apache.org/maven2) in offline mode and the artifact org.apache.spark:spark-sql_2.12:jar:3.5.6 has not been downloaded from it before. -> [Help 1]\n[ERROR] \n',
      expected: { kind: 'missing-offline', message: 'not in the Maven cache: org.apache.spark:spark-sql_2.12:3.5.6' },
    },
    {
      what: 'names the plugin and the innermost reason when the network fails',
      out: '[ERROR] Plugin net.alchim31.maven:scala-maven-plugin:4.9.2 or one of its dependencies could not be resolved: Failed to read artifact descriptor for net.alchim31.maven:scala-maven-plugin:jar:4.9.2: Could not transfer artifact net.alchim31.maven:scala-maven-plugin:pom:4.9.2 from/to central (https://repo.maven.apache.org/maven2): transfer failed for https://repo.maven.apache.org/maven2/net/alchim31/maven/scala-maven-plugin/4.9.2/scala-maven-plugin-4.9.2.pom: Connect to 127.0.0.1:9 [/127.0.0.1] failed: Connection refused -> [Help 1]\n',
      expected: { kind: 'resolve', message: 'maven could not resolve net.alchim31.maven:scala-maven-plugin:4.9.2: Connection refused' },
    },
    {
      what: 'names the dependency whose download failed',
      out: '[ERROR] Failed to execute goal on project emr-spark-labs-jobs: Could not resolve dependencies for project emr-spark-labs:emr-spark-labs-jobs:jar:0.1.0: Failed to collect dependencies at org.apache.spark:spark-sql_2.12:jar:3.5.6: Failed to read artifact descriptor for org.apache.spark:spark-sql_2.12:jar:3.5.6: Could not transfer artifact org.apache.spark:spark-sql_2.12:pom:3.5.6 from/to central (https://repo.maven.apache.org/maven2): repo.maven.apache.org: Name or service not known -> [Help 1]\n',
      expected: { kind: 'resolve', message: 'maven could not resolve org.apache.spark:spark-sql_2.12:3.5.6: Name or service not known' },
    },
    {
      what: 'points at the first compile error, relative to the source root',
      out: '[ERROR] /work/main/spark-jobs/scala/src/main/scala/labs/Broken.scala:1: type mismatch;\n found   : String("s")\n required: Int\n[ERROR] one error found\n[ERROR] Failed to execute goal net.alchim31.maven:scala-maven-plugin:4.9.2:compile (default) on project emr-spark-labs-jobs: Execution default of goal net.alchim31.maven:scala-maven-plugin:4.9.2:compile failed: Compilation failed: InterfaceCompileFailed -> [Help 1]\n',
      expected: { kind: 'compile', message: 'the Scala jobs do not compile: labs/Broken.scala:1: type mismatch;' },
    },
  ])('$what', ({ out, expected }) => {
    expect(describeMavenFailure(out)).toEqual(expected);
  });

  it('falls back to the first error line', () => {
    expect(describeMavenFailure('[ERROR] Non-parseable POM pom.xml: bad\n')).toMatchObject({ kind: 'other', message: 'maven failed: Non-parseable POM pom.xml: bad' });
    expect(describeMavenFailure('')).toMatchObject({ kind: 'other' });
  });
});

/**
 * A stand-in `mvn` (LABS_MVN): records each call's arguments, fails offline while `offline-fails` exists in its
 * directory (as Maven does with an empty cache), otherwise "builds" the jar.
 */
function fakeMaven(p: { scala: string }): { mvn: string; calls(): string[][]; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labs-fake-mvn-'));
  const mvn = path.join(dir, 'mvn');
  const script = [
    '#!/bin/sh',
    `echo "$*" >> "${dir}/calls"`,
    'case " $* " in',
    `  *" -o "*) if [ -e "${dir}/offline-fails" ]; then echo "[ERROR] Failed to execute goal on project x: Could not resolve dependencies for project x:y:jar:1: Cannot access central (https://repo.maven.apache.org/maven2) in offline mode and the artifact org.apache.spark:spark-core_2.12:jar:3.5.6 has not been downloaded from it before. -> [Help 1]"; exit 1; fi ;;`,
    'esac',
    `if [ -e "${dir}/unreachable" ]; then echo "[ERROR] Plugin net.alchim31.maven:scala-maven-plugin:4.9.2 or one of its dependencies could not be resolved: Failed to read artifact descriptor for net.alchim31.maven:scala-maven-plugin:jar:4.9.2: Could not transfer artifact net.alchim31.maven:scala-maven-plugin:pom:4.9.2 from/to central (https://repo.maven.apache.org/maven2): repo.maven.apache.org: Temporary failure in name resolution -> [Help 1]"; exit 1; fi`,
    `mkdir -p "${p.scala}/target" && echo jar > "${p.scala}/target/emr-spark-labs-jobs.jar"`,
    '',
  ].join('\n');
  writeFileSync(mvn, script);
  chmodSync(mvn, 0o755);
  return {
    mvn,
    dir,
    calls: () => {
      try {
        return readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n').map((l) => l.split(' '));
      } catch {
        return [];
      }
    },
  };
}

describe('ensureScalaJar', () => {
  const signal = new AbortController().signal;

  it('builds once, then not again until a source changes', async () => {
    const p = fakeProject();
    const m = fakeMaven(p);
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'labs-cache-'));
    const messages: string[] = [];
    const opts = { projectRoot: p.root, cacheDir, onProgress: (s: string) => messages.push(s), signal, env: { ...process.env, LABS_MVN: m.mvn } };

    const first = await ensureScalaJar(opts);
    expect(first).toMatchObject({ jar: path.join(p.root, SCALA_JAR), built: true });
    expect(m.calls()).toHaveLength(1);
    expect(m.calls()[0]).toContain(`-Dmaven.repo.local=${path.join(cacheDir, 'm2')}`);
    expect(m.calls()[0]).not.toContain('-o'); // nothing cached yet: straight online
    expect(messages[0]).toMatch(/building the Scala jobs \(spark-jobs\/scala, not built yet\)/);

    expect((await ensureScalaJar(opts)).built).toBe(false);
    expect(m.calls()).toHaveLength(1);

    p.write('src/main/scala/labs/A.scala', 'object A { val changed = true }');
    mkdirSync(path.join(cacheDir, 'm2'), { recursive: true }); // the cache exists now: offline first
    expect((await ensureScalaJar(opts)).built).toBe(true);
    expect(m.calls()).toHaveLength(2);
    expect(m.calls()[1]).toContain('-o');
    expect(messages).toContain('building the Scala jobs (spark-jobs/scala, sources changed) with Maven');
  });

  it('goes online when the offline build misses an artifact', async () => {
    const p = fakeProject();
    const m = fakeMaven(p);
    writeFileSync(path.join(m.dir, 'offline-fails'), '');
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'labs-cache-'));
    mkdirSync(path.join(cacheDir, 'm2'));
    const messages: string[] = [];
    const r = await ensureScalaJar({ projectRoot: p.root, cacheDir, onProgress: (s) => messages.push(s), signal, env: { ...process.env, LABS_MVN: m.mvn } });
    expect(r.built).toBe(true);
    expect(m.calls().map((c) => c.includes('-o'))).toEqual([true, false]);
    expect(messages.join('\n')).toContain('downloading what the cache lacks (org.apache.spark:spark-core_2.12:3.5.6)');
  });

  it('says what Maven could not resolve, with a hint, and writes no stamp', async () => {
    const p = fakeProject();
    const m = fakeMaven(p);
    writeFileSync(path.join(m.dir, 'unreachable'), '');
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'labs-cache-'));
    const err = await ensureScalaJar({ projectRoot: p.root, cacheDir, onProgress: () => {}, signal, env: { ...process.env, LABS_MVN: m.mvn } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toBe('maven could not resolve net.alchim31.maven:scala-maven-plugin:4.9.2: Temporary failure in name resolution');
    expect((err as EnvironmentError).hint).toMatch(/check your network.*labs setup local/);
    expect((err as EnvironmentError).exitCode).toBe(3);
    expect(readFileSync(path.join(cacheDir, 'scala-build.log'), 'utf8')).toContain('could not be resolved');
    expect(buildNeed(p.root, scalaSourceHash(p.scala)).stale).toBe(true);
  });

  it('tells the user to install Maven when mvn is missing', async () => {
    const p = fakeProject();
    const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'labs-cache-'));
    const err = await ensureScalaJar({ projectRoot: p.root, cacheDir, onProgress: () => {}, signal, env: { ...process.env, LABS_MVN: '/nonexistent/mvn' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toBe('Maven (/nonexistent/mvn) is not installed: the Scala labs build spark-jobs/scala with it');
    expect((err as EnvironmentError).hint).toMatch(/install Maven/);
  });
});
