import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { EnvironmentError } from '../../core/errors.js';

/** Spark 3.5.6 on EMR 7 runs on Java 17; the local engine matches it so behaviour and defaults agree. */
export const REQUIRED_JAVA = 17;

export interface JavaInfo {
  java: string;
  version: string;
  major: number;
}

export function javaBinary(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java';
}

/** `openjdk version "17.0.15" 2025-04-15` -> 17.0.15; old style "1.8.0_392" -> major 8. */
export function parseJavaVersion(output: string): { version: string; major: number } | undefined {
  const m = /version "([^"]+)"/.exec(output);
  if (!m) return undefined;
  const version = m[1]!;
  const parts = version.split(/[._-]/).map(Number);
  const major = parts[0] === 1 ? parts[1]! : parts[0]!;
  return Number.isFinite(major) ? { version, major } : undefined;
}

export function probeJava(env: Readonly<Record<string, string | undefined>> = process.env): JavaInfo | undefined {
  const java = javaBinary(env);
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  const parsed = parseJavaVersion(`${r.stderr}\n${r.stdout}`);
  return parsed ? { java, ...parsed } : undefined;
}

export function requireJava(env: Readonly<Record<string, string | undefined>> = process.env): JavaInfo {
  const info = probeJava(env);
  if (!info) {
    throw new EnvironmentError('Java not found: Spark needs Java 17', 'install OpenJDK 17 (e.g. apt install openjdk-17-jdk-headless) or set JAVA_HOME to it');
  }
  if (info.major !== REQUIRED_JAVA) {
    throw new EnvironmentError(`Java ${info.version} found, but the labs need Java ${REQUIRED_JAVA} (as on EMR 7)`, 'install OpenJDK 17 and point JAVA_HOME at it');
  }
  return info;
}
