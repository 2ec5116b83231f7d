import type { Config } from '../../core/config.js';

export interface YarnCommandOptions {
  config: Config;
  projectRoot: string;
  cacheDir: string;
  env: NodeJS.ProcessEnv;
  onProgress: (message: string) => void;
  signal: AbortSignal;
}

/**
 * The launcher command of the sandbox contract (docs/sandbox.md), without --dir/--configurations: the sandbox server
 * runs it once per cluster. LABS_SANDBOX_YARN_CMD (a JSON array) replaces it, for the server's own tests.
 */
export async function yarnCommand(o: YarnCommandOptions): Promise<string[]> {
  if (o.env.LABS_SANDBOX_YARN_CMD) return JSON.parse(o.env.LABS_SANDBOX_YARN_CMD) as string[];
  const { ensureYarnClasspath } = await import('./yarn-cluster.js');
  const { classpath, javaArgs } = await ensureYarnClasspath({ projectRoot: o.projectRoot, cacheDir: o.cacheDir, onProgress: o.onProgress, signal: o.signal, env: o.env });
  const java = o.env.JAVA_HOME ? `${o.env.JAVA_HOME}/bin/java` : 'java';
  const s = o.config.sandbox;
  return [java, ...javaArgs, '-cp', classpath, 'labs.sandbox.MiniCluster', '--nodes', String(s.nodes), '--node-memory-mb', String(s.nodeMemoryMb), '--node-vcores', String(s.nodeVcores)];
}
