import { fileURLToPath } from 'node:url';
import path from 'node:path';
import envPaths from 'env-paths';

type Env = Readonly<Record<string, string | undefined>>;

/** The project root: labs/ and spark-jobs/ live here (this file is src/app/ or dist/app/ below it). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

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
