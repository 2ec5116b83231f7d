import type { Config } from '../core/config.js';
import { InputError } from '../core/errors.js';
import type { Engine } from '../engines/engine.js';
import { LocalEngine } from '../engines/local/local-engine.js';
import { cacheDir, eventLogDir, projectRoot, runsDir } from './paths.js';

export function createEngine(config: Config, env: NodeJS.ProcessEnv = process.env): Engine {
  if (config.target === 'local') {
    return new LocalEngine({ config, projectRoot, cacheDir: cacheDir(env), runsDir: runsDir(env), eventLogDir: eventLogDir(env), env });
  }
  throw new InputError('the emr target is not available in this version yet', 'run with --target local (the default)');
}
