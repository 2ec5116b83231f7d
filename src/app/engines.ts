import type { Config } from '../core/config.js';
import type { Engine } from '../engines/engine.js';
import { LazyEmrEngine } from '../engines/emr/lazy-emr-engine.js';
import { LocalEngine } from '../engines/local/local-engine.js';
import { SandboxEngine } from '../engines/sandbox/sandbox-engine.js';
import { awsOptions } from './aws-session.js';
import { cacheDir, eventLogDir, labsHome, projectRoot, runsDir } from './paths.js';

export interface EngineOptions {
  /** emr: an instance-fleet cluster */
  fleets?: boolean | undefined;
  /** emr: --profile / --region */
  profile?: string | undefined;
  region?: string | undefined;
  cohort?: string | undefined;
}

export function createEngine(config: Config, env: NodeJS.ProcessEnv = process.env, o: EngineOptions = {}): Engine {
  if (config.target === 'local') {
    return new LocalEngine({ config, projectRoot, cacheDir: cacheDir(env), runsDir: runsDir(env), eventLogDir: eventLogDir(env), env });
  }
  if (config.target === 'sandbox') {
    return new SandboxEngine({ config, projectRoot, cacheDir: cacheDir(env), runsDir: runsDir(env), labsHome: labsHome(env), env, cohort: o.cohort });
  }
  return new LazyEmrEngine({
    config,
    projectRoot,
    cacheDir: cacheDir(env),
    runsDir: runsDir(env),
    fleets: o.fleets,
    cohort: o.cohort,
    aws: awsOptions(config, o, env),
  });
}
