import { existsSync, mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { InputError } from '../core/errors.js';
import { configKeys, envLayer, getPath, mergeConfig, setPath, type Config, type ConfigLayer, type NamedLayer } from '../core/config.js';
import { closest } from '../core/suggest.js';
import { projectConfigFile, userConfigFile } from './paths.js';

type Env = Readonly<Record<string, string | undefined>>;

function readYamlLayer(file: string): NamedLayer | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return { source: file, values: parse(readFileSync(file, 'utf8')) ?? {} };
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message.split('\n')[0]}`, 'fix the YAML or delete the file');
  }
}

/** defaults < user config < project config < environment < flags */
export function loadConfig(flags: ConfigLayer = {}, env: Env = process.env): Config {
  const layers = [readYamlLayer(userConfigFile(env)), readYamlLayer(projectConfigFile()), envLayer(env), { source: 'flags', values: flags }];
  return mergeConfig(layers.filter((l): l is NamedLayer => l !== undefined));
}

function assertKnownKey(key: string): void {
  const keys = configKeys();
  if (!keys.includes(key)) {
    const near = closest(key, keys);
    throw new InputError(`unknown setting "${key}"`, near.length ? `did you mean ${near.join(', ')}?` : `settings: ${keys.join(', ')}`);
  }
}

export function getConfigValue(key: string, env: Env = process.env): unknown {
  assertKnownKey(key);
  return getPath(loadConfig({}, env), key);
}

/** Write one key to the user config, validating the result first so a bad value never lands on disk. */
export function setConfigValue(key: string, value: string, env: Env = process.env): void {
  assertKnownKey(key);
  const file = userConfigFile(env);
  const current = (readYamlLayer(file)?.values ?? {}) as Record<string, unknown>;
  setPath(current, key, value);
  mergeConfig([{ source: `${key}=${value}`, values: current }]);
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, stringify(current));
  renameSync(tmp, file);
}
