import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvironmentError, InputError, InterruptedError } from '../../../src/core/errors.js';
import { BUILD_STAMP, mavenSourceHash } from '../../../src/engines/maven-build.js';
import { alive, ensureYarnClasspath, javaArgs, startYarnCluster, YARN_PROJECT } from '../../../src/engines/sandbox/yarn-cluster.js';

/**
 * startYarnCluster's failure paths with a stand-in `java` (JAVA_HOME) and a project whose sandbox/yarn build is
 * already fresh (so no Maven runs): the real cluster is test/integration/sandbox-yarn.test.ts.
 */
function fakeProject(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'labs-yarn-project-'));
  const dir = path.join(root, YARN_PROJECT);
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  write('pom.xml', '<project/>');
  write('src/main/java/labs/sandbox/MiniCluster.java', 'class MiniCluster {}');
  write('target/classes/labs/sandbox/MiniCluster.class', 'bytes');
  write('target/classpath.txt', '/m2/a.jar:/m2/b.jar\n');
  write(BUILD_STAMP, `${mavenSourceHash(dir)}\n`);
  return root;
}

/** A `java` that answers -version like Java 17, then behaves as $FAKE_JAVA says: port, crash or hang. */
function fakeJavaHome(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'labs-fake-jdk-'));
  mkdirSync(path.join(home, 'bin'));
  const java = path.join(home, 'bin', 'java');
  writeFileSync(
    java,
    [
      '#!/bin/sh',
      'if [ "$1" = "-version" ]; then echo \'openjdk version "17.0.15" 2025-04-15\' >&2; exit 0; fi',
      'while [ $# -gt 0 ]; do [ "$1" = "--dir" ] && DIR="$2"; shift; done',
      'echo "$SPARK_LOCAL_IP" > "$DIR/env-spark-local-ip"',
      'case "$FAKE_JAVA" in',
      '  port) printf \'{"kind":"port","message":"BindException: Address already in use"}\' > "$DIR/failed.json"; exit 1 ;;',
      '  crash) echo "error: --node-memory-mb must be at least 1024" >&2; exit 2 ;;',
      '  hang) sleep 300 & echo $! > "$DIR/child.pid"; wait ;;',
      'esac',
      '',
    ].join('\n'),
  );
  chmodSync(java, 0o755);
  return home;
}


function options(mode: string, signal = new AbortController().signal) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labs-yarn-dir-'));
  return {
    dir,
    opts: {
      projectRoot: fakeProject(),
      cacheDir: mkdtempSync(path.join(os.tmpdir(), 'labs-cache-')),
      dir,
      nodeMemoryMb: 1024,
      onProgress: () => {},
      signal,
      env: { ...process.env, JAVA_HOME: fakeJavaHome(), FAKE_JAVA: mode, LABS_MVN: '/nonexistent/mvn' },
    },
  };
}

describe('ensureYarnClasspath', () => {
  it('runs no Maven when the build is fresh, and returns target/classes plus the runtime jars', async () => {
    const root = fakeProject();
    const cp = await ensureYarnClasspath({ projectRoot: root, cacheDir: os.tmpdir(), onProgress: () => {}, signal: new AbortController().signal, env: { ...process.env, LABS_MVN: '/nonexistent/mvn' } });
    expect(cp.classpath).toBe(`${path.join(root, YARN_PROJECT, 'target', 'classes')}:/m2/a.jar:/m2/b.jar`);
    expect(cp.javaArgs).toEqual(javaArgs());
  });

  it('asks Maven when a source changed, and says to install it when it is missing', async () => {
    const root = fakeProject();
    writeFileSync(path.join(root, YARN_PROJECT, 'src/main/java/labs/sandbox/MiniCluster.java'), 'class MiniCluster { int changed; }');
    const err = await ensureYarnClasspath({ projectRoot: root, cacheDir: os.tmpdir(), onProgress: () => {}, signal: new AbortController().signal, env: { ...process.env, LABS_MVN: '/nonexistent/mvn' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toBe('Maven (/nonexistent/mvn) is not installed: the sandbox builds its YARN launcher (sandbox/yarn) with it');
  });
});

describe('javaArgs', () => {
  it('opens the JDK packages Hadoop needs on Java 17 and caps the heap', () => {
    const args = javaArgs();
    for (const p of ['java.lang', 'java.util', 'java.lang.reflect', 'java.io', 'java.net', 'java.nio', 'sun.nio.ch']) expect(args).toContain(`--add-opens=java.base/${p}=ALL-UNNAMED`);
    expect(args).toContain('-Xmx768m');
    expect(args).toContain('-Djava.net.preferIPv4Stack=true');
  });
});

describe('startYarnCluster failures: one line, exit 3, nothing left running', () => {
  it('says Java is missing', async () => {
    const { opts } = options('port');
    const err = await startYarnCluster({ ...opts, env: { ...opts.env, JAVA_HOME: '/nonexistent/jdk' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toMatch(/^Java not found/);
    expect((err as EnvironmentError).exitCode).toBe(3);
  });

  it('refuses a machine without the memory, before starting anything', async () => {
    const { opts, dir } = options('port');
    const err = await startYarnCluster({ ...opts, nodeMemoryMb: 50_000_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toMatch(/^not enough free memory for the sandbox's YARN: \d+ MB available, it needs \d+ MB/);
    expect(existsSync(path.join(dir, 'env-spark-local-ip'))).toBe(false);
  });

  it('rejects fewer than two nodes as bad input', async () => {
    const { opts } = options('port');
    await expect(startYarnCluster({ ...opts, nodes: 1 })).rejects.toBeInstanceOf(InputError);
  });

  it('names a taken port from failed.json', async () => {
    const { opts, dir } = options('port');
    const err = await startYarnCluster(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toBe("a port the sandbox's YARN needs is taken: BindException: Address already in use");
    expect((err as EnvironmentError).hint).toMatch(/start it again/);
    expect(readFileSync(path.join(dir, 'env-spark-local-ip'), 'utf8').trim()).toBe('127.0.0.1');
  });

  it("repeats the JVM's own error line when it exits without failed.json", async () => {
    const { opts } = options('crash');
    const err = await startYarnCluster(opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnvironmentError);
    expect((err as EnvironmentError).message).toBe("the sandbox's YARN did not start: --node-memory-mb must be at least 1024");
  });

  it('stops a start midway on abort and leaves no process, its children included', async () => {
    const ac = new AbortController();
    const { opts, dir } = options('hang', ac.signal);
    const pending = startYarnCluster(opts).catch((e: unknown) => e);
    const childPid = path.join(dir, 'child.pid');
    const until = Date.now() + 10_000;
    while (!existsSync(childPid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const sleeper = Number(readFileSync(childPid, 'utf8'));
    expect(alive(sleeper)).toBe(true);
    ac.abort();
    const err = await pending;
    expect(err).toBeInstanceOf(InterruptedError);
    expect(alive(sleeper)).toBe(false);
  });
});
