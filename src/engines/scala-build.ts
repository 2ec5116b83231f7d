import path from 'node:path';
import { SCALA_JAR, SCALA_PROJECT } from '../core/run/step-plan.js';
import {
  BUILD_STAMP,
  describeMavenFailure as describe,
  ensureMavenBuild,
  mavenArgs,
  mavenBuildNeed,
  mavenSourceFiles,
  mavenSourceHash,
  type BuildNeed,
  type MavenBuildOptions,
  type MavenFailure,
  type MavenProject,
} from './maven-build.js';

/**
 * Builds spark-jobs/scala (one jar for every Scala lab) with Maven, only when its sources changed. The procedure
 * (source hash stamp in target/, Maven repository `<labs cache>/m2`, offline first) is maven-build.ts's, shared
 * with the sandbox's YARN launcher; this module gives it the Scala jobs' words.
 */

export { BUILD_STAMP, mavenArgs, type BuildNeed, type MavenFailure };
export type ScalaBuildOptions = MavenBuildOptions;

export interface ScalaBuildResult {
  jar: string;
  built: boolean;
  seconds?: number;
}

const WHAT = 'the Scala jobs';

export const scalaSourceFiles = mavenSourceFiles;
export const scalaSourceHash = mavenSourceHash;

/** Whether the jar must be (re)built, and why (the why becomes the progress message). */
export function buildNeed(projectRoot: string, hash: string): BuildNeed {
  return mavenBuildNeed(path.join(projectRoot, SCALA_PROJECT), [path.join(projectRoot, SCALA_JAR)], hash);
}

export function describeMavenFailure(output: string): MavenFailure {
  return describe(output, WHAT);
}

function scalaProject(projectRoot: string): MavenProject {
  return {
    dir: SCALA_PROJECT,
    outputs: [path.join(projectRoot, SCALA_JAR)],
    what: WHAT,
    needsMaven: `the Scala labs build ${SCALA_PROJECT} with it`,
    firstDownload: 'Spark 3.5.6 and the Scala compiler (about 300 MB, once)',
    rebuild: 'labs setup local',
    logName: 'scala-build.log',
    interrupted: 'Scala build interrupted',
    built: (seconds) => `Scala jobs built: ${SCALA_JAR} (${seconds} s)`,
  };
}

/** Build the Scala jobs' jar if it is missing or stale; return its absolute path. */
export async function ensureScalaJar(opts: ScalaBuildOptions): Promise<ScalaBuildResult> {
  const jar = path.join(opts.projectRoot, SCALA_JAR);
  return { jar, ...(await ensureMavenBuild(scalaProject(opts.projectRoot), opts)) };
}
