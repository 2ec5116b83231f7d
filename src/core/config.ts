import { z } from 'zod';
import { InputError } from './errors.js';

/**
 * Configuration, layered: defaults < user config (LABS_HOME/config.yaml) < project config (labs.config.yaml at
 * the project root) < environment (LABS_*) < command-line flags. Each layer is a partial object; merge is deep
 * for plain objects and replaces everything else.
 */
export const ConfigSchema = z
  .object({
    target: z.enum(['local', 'emr']),
    student: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash, underscore (max 64)'),
    course: z.string().min(1),
    local: z
      .object({
        master: z.string().min(1),
        uiPort: z.number().int().min(0).max(65535).describe('Spark UI port; 0 picks a free one'),
        python: z.string().min(1).describe('the Python used to create the venv'),
        progressIntervalMs: z.number().int().min(200),
      })
      .strict(),
    emr: z
      .object({
        region: z.string().optional(),
        releaseLabel: z.string().regex(/^emr-\d+\.\d+\.\d+$/),
        idleTimeoutSeconds: z.number().int().min(60).max(604800),
        bucket: z.string().optional(),
      })
      .strict(),
  })
  .strict();
export type Config = z.infer<typeof ConfigSchema>;

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ConfigLayer = DeepPartial<Config>;

export const DEFAULT_CONFIG: Config = {
  target: 'local',
  student: 'student',
  course: 'spark-on-emr',
  local: { master: 'local[*]', uiPort: 4040, python: 'python3', progressIntervalMs: 1000 },
  emr: { releaseLabel: 'emr-7.13.0', idleTimeoutSeconds: 3600 },
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mergeTwo(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? mergeTwo(prev, v) : v;
  }
  return out;
}

export interface NamedLayer {
  /** where the layer came from, for error messages: a file path, "environment" or "flags" */
  source: string;
  values: unknown;
}

/** Merge layers lowest-precedence first and validate the result; errors name the layer that broke it. */
export function mergeConfig(layers: readonly NamedLayer[]): Config {
  let merged: Record<string, unknown> = DEFAULT_CONFIG as unknown as Record<string, unknown>;
  for (const layer of layers) {
    if (layer.values === undefined || layer.values === null) continue;
    if (!isPlainObject(layer.values)) throw new InputError(`${layer.source}: expected a mapping of settings`, 'see `labs config get` for the keys');
    merged = mergeTwo(merged, layer.values);
    const partial = ConfigSchema.safeParse(merged);
    if (!partial.success) {
      const issue = partial.error.issues[0]!;
      const key = issue.path.join('.');
      const what = issue.code === 'unrecognized_keys' ? `unknown setting ${issue.keys.join(', ')}` : issue.message;
      throw new InputError(`${layer.source}: ${key ? `${key}: ` : ''}${what}`, 'fix the value or remove it; `labs config get` lists the settings');
    }
  }
  return ConfigSchema.parse(merged);
}

/** The LABS_* environment variables a user may set, mapped to config keys. */
const ENV_KEYS: Record<string, string> = {
  LABS_TARGET: 'target',
  LABS_STUDENT: 'student',
  LABS_COURSE: 'course',
  LABS_UI_PORT: 'local.uiPort',
  LABS_SPARK_MASTER: 'local.master',
  LABS_PYTHON: 'local.python',
  LABS_EMR_RELEASE: 'emr.releaseLabel',
  LABS_BUCKET: 'emr.bucket',
};

/** Config keys whose values are numbers (the environment and `labs config set` only carry strings). */
const NUMERIC_KEYS = new Set(['local.uiPort', 'local.progressIntervalMs', 'emr.idleTimeoutSeconds']);

export function setPath(target: Record<string, unknown>, dotted: string, raw: string): void {
  const parts = dotted.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(node[p])) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  const value = NUMERIC_KEYS.has(dotted) ? Number(raw) : raw;
  if (typeof value === 'number' && !Number.isFinite(value)) throw new InputError(`${dotted}: "${raw}" is not a number`);
  node[parts.at(-1)!] = value;
}

export function getPath(source: unknown, dotted: string): unknown {
  let node: unknown = source;
  for (const p of dotted.split('.')) {
    if (!isPlainObject(node)) return undefined;
    node = node[p];
  }
  return node;
}

/** Every settable key, for `labs config` and its error hints. */
export function configKeys(): string[] {
  const keys: string[] = [];
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      if (isPlainObject(v)) walk(v, `${prefix}${k}.`);
      else keys.push(prefix + k);
    }
  };
  walk(DEFAULT_CONFIG as unknown as Record<string, unknown>, '');
  for (const k of ['emr.region', 'emr.bucket']) if (!keys.includes(k)) keys.push(k);
  return keys.sort();
}

export function envLayer(env: Readonly<Record<string, string | undefined>>): NamedLayer {
  const values: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const v = env[name];
    if (v !== undefined && v !== '') setPath(values, key, v);
  }
  return { source: 'environment', values };
}
