import os from 'node:os';
import path from 'node:path';
import { isReady, venvFor } from '../../src/engines/local/python-env.js';
import { requirementsFile } from '../../src/engines/local/local-engine.js';
import { repoRoot } from './cli.js';

/** The project venv's Python (pyspark, moto[server]), as `labs setup local` builds it; the sandbox server runs on it. */
export function projectPython(): string {
  const cache = process.env.LABS_CACHE_DIR ?? path.join(os.homedir(), '.cache', 'emr-spark-labs');
  const env = venvFor(cache, requirementsFile(repoRoot), process.env.LABS_PYTHON ?? 'python3');
  if (!isReady(env)) throw new Error(`the project venv ${env.dir} is not built: run \`node bin/labs.js setup local\` first`);
  return env.python;
}
