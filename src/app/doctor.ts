import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../core/config.js';
import { isLabsError } from '../core/errors.js';
import { probeJava, REQUIRED_JAVA } from '../engines/local/java.js';
import { isPortFree } from '../engines/local/ports.js';
import { isReady, pythonVersion, venvFor } from '../engines/local/python-env.js';
import { requirementsFile } from '../engines/local/local-engine.js';
import { loadAllLabs } from './lab-catalog.js';
import { cacheDir, labsHome, projectRoot } from './paths.js';

export interface DoctorCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string | undefined;
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Everything the labs need on this machine, each with what to do when it is missing. Never throws. */
export async function runDoctor(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const nodeMajor = Number(process.versions.node.split('.')[0]);
  checks.push(nodeMajor >= 20 ? { name: 'node', status: 'ok', detail: process.versions.node } : { name: 'node', status: 'fail', detail: process.versions.node, hint: 'install Node.js 20 or newer' });

  const java = probeJava(env);
  checks.push(
    !java
      ? { name: 'java', status: 'fail', detail: 'not found', hint: 'install OpenJDK 17 or set JAVA_HOME' }
      : java.major === REQUIRED_JAVA
        ? { name: 'java', status: 'ok', detail: `${java.version} (${java.java})` }
        : { name: 'java', status: 'fail', detail: java.version, hint: `the labs need Java ${REQUIRED_JAVA}, as on EMR 7` },
  );

  const py = pythonVersion(config.local.python);
  checks.push(py ? { name: 'python', status: /^3\.11\./.test(py) ? 'ok' : 'warn', detail: `${py} (${config.local.python})`, hint: /^3\.11\./.test(py) ? undefined : 'EMR 7 runs Python 3.11; other 3.9-3.12 work but may differ' } : { name: 'python', status: 'fail', detail: `not found (${config.local.python})`, hint: 'install Python 3.11 or set LABS_PYTHON' });

  if (py) {
    try {
      const venv = venvFor(cacheDir(env), requirementsFile(projectRoot), config.local.python);
      checks.push(isReady(venv) ? { name: 'venv', status: 'ok', detail: venv.dir } : { name: 'venv', status: 'warn', detail: `not built yet (${venv.dir})`, hint: '`labs setup local` builds it (also done by the first `labs start`)' });
    } catch (e) {
      checks.push({ name: 'venv', status: 'fail', detail: (e as Error).message, hint: isLabsError(e) ? e.hint : undefined });
    }
  }

  const port = config.local.uiPort;
  if (port !== 0) {
    checks.push((await isPortFree(port)) ? { name: 'spark-ui-port', status: 'ok', detail: `${port} free` } : { name: 'spark-ui-port', status: 'warn', detail: `${port} in use`, hint: 'stop the other Spark app or `labs config set local.uiPort 0`' });
  }

  const home = labsHome(env);
  checks.push(writable(home) ? { name: 'labs-home', status: 'ok', detail: home } : { name: 'labs-home', status: 'fail', detail: `${home} not writable`, hint: 'set LABS_HOME to a writable directory' });
  const cache = cacheDir(env);
  checks.push(writable(cache) ? { name: 'cache', status: 'ok', detail: cache } : { name: 'cache', status: 'fail', detail: `${cache} not writable`, hint: 'set LABS_CACHE_DIR to a writable directory' });

  try {
    const labs = loadAllLabs();
    checks.push({ name: 'labs', status: 'ok', detail: `${labs.length} labs valid` });
  } catch (e) {
    checks.push({ name: 'labs', status: 'fail', detail: (e as Error).message, hint: isLabsError(e) ? e.hint : undefined });
  }

  const awsConfigured = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || existsSync(path.join(os.homedir(), '.aws')));
  checks.push(
    awsConfigured
      ? { name: 'aws', status: 'ok', detail: 'credentials configured (profile or environment)' }
      : { name: 'aws', status: config.target === 'emr' ? 'fail' : 'ok', detail: 'no AWS credentials: fine for the local engine', hint: config.target === 'emr' ? 'configure credentials (aws configure / aws sso login) for the emr target' : undefined },
  );
  return checks;
}
