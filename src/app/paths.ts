import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import envPaths from 'env-paths';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The project root, where labs/ and spark-jobs/ live: the nearest folder above this module with a package.json.
 * Searched, not fixed, because the module runs from src/app/ in tests and from a bundle chunk in dist/.
 */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'labs'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '..', '..');
  }
}
export const projectRoot = findProjectRoot(path.dirname(fileURLToPath(import.meta.url)));

const appPaths = () => envPaths('emr-spark-labs', { suffix: '' });

/** State: user config, run records, event logs. LABS_HOME, else the user's config dir. */
export function labsHome(env: Env = process.env): string {
  return env.LABS_HOME ? path.resolve(env.LABS_HOME) : appPaths().config;
}

/** Big, rebuildable things: the Python venv, Maven/Ivy downloads. Shared between checkouts and CI runs. */
export function cacheDir(env: Env = process.env): string {
  return env.LABS_CACHE_DIR ? path.resolve(env.LABS_CACHE_DIR) : appPaths().cache;
}

export const userConfigFile = (env: Env = process.env) => path.join(labsHome(env), 'config.yaml');
export const projectConfigFile = () => path.join(projectRoot, 'labs.config.yaml');
export const runsDir = (env: Env = process.env) => path.join(labsHome(env), 'runs');
export const eventLogDir = (env: Env = process.env) => path.join(labsHome(env), 'spark-events');
