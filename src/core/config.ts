import { z } from 'zod';
import { REGION_PATTERN } from './aws-input.js';
import { checkRuntimeRoleConfig, RUNTIME_ROLE_TEMPLATE } from './emr/runtime-role.js';
import { ENV_KEYS } from './config-env.js';
import { InputError } from './errors.js';
import { STUDENT_ID_PATTERN, STUDENT_ID_RULE } from './student-id.js';

/** One cluster size: instance types (the first is used by instance groups; fleets may use all), counts, EBS. */
const instanceTypes = z.array(z.string().regex(/^[a-z0-9-]+\.[a-z0-9]+$/, 'an EC2 instance type, e.g. m5.xlarge')).min(1).max(30);
const ClusterProfileSchema = z
  .object({
    primaryTypes: instanceTypes,
    coreTypes: instanceTypes,
    coreCount: z.number().int().min(0).max(500),
    taskCount: z.number().int().min(0).max(500),
    ebsGb: z.number().int().min(1).max(16384),
  })
  .strict();
export type ClusterProfile = z.infer<typeof ClusterProfileSchema>;

/**
 * Configuration, layered: defaults < user config (LABS_HOME/config.yaml) < project config (labs.config.yaml at
 * the project root) < environment (LABS_*) < command-line flags. Each layer is a partial object; merge is deep
 * for plain objects and replaces everything else.
 */
export const ConfigSchema = z
  .object({
    target: z.enum(['local', 'sandbox', 'emr']),
    student: z.string().regex(STUDENT_ID_PATTERN, STUDENT_ID_RULE),
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
        region: z.string().regex(REGION_PATTERN, 'an AWS region name, e.g. eu-west-1').optional(),
        releaseLabel: z.string().regex(/^emr-\d+\.\d+\.\d+$/),
        idleTimeoutSeconds: z.number().int().min(60).max(604800).describe('AutoTerminationPolicy.IdleTimeout of every cluster'),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
        subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/, 'a subnet id, e.g. subnet-0abc1234')).describe('empty: the default VPC'),
        serviceRole: z.string().min(1),
        instanceProfile: z.string().min(1),
        logUri: z.string().regex(/^s3n?:\/\/[^/]+/, 'an s3:// URI').optional().describe('default: s3://<bucket>/<student>/logs/'),
        securityConfiguration: z.string().min(1).optional(),
        runtimeRole: z.string().regex(RUNTIME_ROLE_TEMPLATE, 'an IAM role name with {student} in it, e.g. emr-labs-step-{student}').optional().describe('EMR runtime roles: each student\'s steps run as this role (needs emr.securityConfiguration)'),
        spotTimeoutMinutes: z.number().int().min(5).max(1440).describe('fleets: wait this long for Spot, then switch to on-demand'),
        maxLifetimeHours: z.number().int().min(1).max(168).describe('expires-at tag: `labs gc` terminates clusters past it'),
        logWaitSeconds: z.number().int().min(0).max(900).describe('how long to wait for a failed step\'s log to reach S3'),
        profiles: z.object({ small: ClusterProfileSchema, medium: ClusterProfileSchema, large: ClusterProfileSchema }).strict(),
        cohortMaxClusters: z.number().int().min(1).max(10000).describe('`cohort up`/`run` refuse to make a cohort bigger than this'),
        cohortMaxHourlyUsd: z.number().min(0).describe('`cohort up`/`run` refuse when the cohort would cost more an hour than this'),
        apiQuotas: z
          .record(z.string().regex(/^(account|[A-Z][A-Za-z]+)$/, 'an EMR operation name (e.g. RunJobFlow) or `account`'), z.object({ burst: z.number().int().min(1), perSecond: z.number().positive() }).strict())
          .optional()
          .describe("EMR's API rate limits, where the account's quotas were raised; default: Service Quotas defaults"),
      })
      .strict(),
    sandbox: z
      .object({
        port: z.number().int().min(0).max(65535).describe("the sandbox's AWS endpoint on 127.0.0.1; 0 picks a free one"),
        nodes: z.number().int().min(2).max(4).describe('YARN NodeManagers of a sandbox cluster'),
        nodeMemoryMb: z.number().int().min(1024).max(3072).describe('YARN memory of each NodeManager (the whole sandbox must fit in 8 GiB)'),
        nodeVcores: z.number().int().min(1).max(8),
        idleTimeoutSeconds: z.number().int().min(60).max(604800).describe("AutoTerminationPolicy.IdleTimeout of sandbox clusters (EMR's minimum is 60)"),
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
  emr: {
    releaseLabel: 'emr-7.13.0',
    idleTimeoutSeconds: 3600,
    subnetIds: [],
    serviceRole: 'EMR_DefaultRole',
    instanceProfile: 'EMR_EC2_DefaultRole',
    spotTimeoutMinutes: 10,
    maxLifetimeHours: 12,
    logWaitSeconds: 330,
    // guardrails for a class: 100 small clusters are ~$72/hour (us-east-1 on-demand)
    cohortMaxClusters: 100,
    cohortMaxHourlyUsd: 100,
    // Several types of the same size per fleet so Spot has pools to choose from; groups use the first.
    profiles: {
      small: { primaryTypes: ['m5.xlarge', 'm5a.xlarge', 'm6i.xlarge'], coreTypes: ['m5.xlarge', 'm5a.xlarge', 'm6i.xlarge'], coreCount: 2, taskCount: 0, ebsGb: 64 },
      medium: { primaryTypes: ['m5.xlarge', 'm5a.xlarge', 'm6i.xlarge'], coreTypes: ['m5.2xlarge', 'm5a.2xlarge', 'm6i.2xlarge'], coreCount: 3, taskCount: 0, ebsGb: 128 },
      large: { primaryTypes: ['m5.2xlarge', 'm5a.2xlarge', 'm6i.2xlarge'], coreTypes: ['r5.2xlarge', 'r5a.2xlarge', 'r6i.2xlarge'], coreCount: 4, taskCount: 2, ebsGb: 256 },
    },
  },
  // 2 nodes of 3 GB: room for an ApplicationMaster and Spark's default executors; the whole sandbox stays under 8 GiB
  sandbox: { port: 4599, nodes: 2, nodeMemoryMb: 3072, nodeVcores: 2, idleTimeoutSeconds: 900 },
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
  const config = ConfigSchema.parse(merged);
  checkRuntimeRoleConfig(config);
  return config;
}

export function setPath(target: Record<string, unknown>, dotted: string, raw: string): void {
  const parts = dotted.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(node[p])) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  // The environment and `labs config set` carry strings; the default's type says how to read one:
  // a number, a comma-separated list, or the string itself.
  const like = getPath(DEFAULT_CONFIG, dotted);
  const value = typeof like === 'number' ? Number(raw) : Array.isArray(like) ? raw.split(',').map((x) => x.trim()).filter(Boolean) : raw;
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
  for (const k of ['emr.region', 'emr.bucket', 'emr.logUri', 'emr.securityConfiguration', 'emr.runtimeRole']) if (!keys.includes(k)) keys.push(k);
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
