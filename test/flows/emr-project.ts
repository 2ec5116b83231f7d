import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mergeConfig, type Config } from '../../src/core/config.js';
import { LabSchema, type Lab } from '../../src/core/lab/lab-schema.js';
import { RunStore } from '../../src/app/run-store.js';
import { EmrEngine } from '../../src/engines/emr/emr-engine.js';
import type { RunEvent } from '../../src/core/run/run-record.js';
import type { FakeAws } from '../helpers/fake-aws.js';

/** A throwaway project root with the job files a test lab ships, and LABS_HOME. */
export function tempProject(): { root: string; home: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'labs-emr-'));
  mkdirSync(path.join(root, 'spark-jobs', 'python'), { recursive: true });
  writeFileSync(path.join(root, 'spark-jobs', 'python', 'day2_joins.py'), 'print("joins")\n');
  writeFileSync(path.join(root, 'spark-jobs', 'python', 'labkit.py'), '# labkit\n');
  writeFileSync(path.join(root, 'spark-jobs', 'python', 'labkit_jobs.py'), '# labkit: jobs, stages, tasks\n');
  mkdirSync(path.join(root, 'labs', 'day2-joins', 'data', 'orders'), { recursive: true });
  writeFileSync(path.join(root, 'labs', 'day2-joins', 'data', 'orders', 'part-0.csv'), 'id,amount\n1,2\n');
  return { root, home: mkdtempSync(path.join(os.tmpdir(), 'labs-home-')) };
}

export function joinsLab(over: Record<string, unknown> = {}): Lab {
  return LabSchema.parse({
    id: 'day2-joins',
    day: 2,
    title: 'Joins',
    topics: ['joins'],
    data: [{ name: 'orders', path: 'data/orders' }],
    steps: [
      { name: 'prepare', job: 'spark-jobs/python/day2_joins.py', args: ['--out', '{out}', '--data', '{data}/orders'] },
      { name: 'joins', job: 'spark-jobs/python/day2_joins.py', args: ['--out', '{out}', '--mode', 'broadcast'] },
    ],
    checks: [{ name: 'broadcast used', path: 'plan', equals: 'BroadcastHashJoin' }],
    ...over,
  });
}

export function emrConfig(values: Record<string, unknown> = {}): Config {
  return mergeConfig([{ source: 'test', values: { target: 'emr', student: 'ana', ...values } }]);
}

/** Fast timing: the fake moves one state per Describe, so polls may be milliseconds apart. */
export function fastEngine(fake: FakeAws, root: string, home: string, config: Config, extra: { fleets?: boolean; env?: NodeJS.ProcessEnv } = {}): EmrEngine {
  return new EmrEngine({
    ...(extra.env ? { aws: { env: extra.env } } : {}),
    config,
    projectRoot: root,
    cacheDir: path.join(home, 'cache'),
    runsDir: path.join(home, 'runs'),
    clients: fake.clients,
    fleets: extra.fleets,
    timing: { clusterMaxWaitSeconds: 5, clusterDelay: { min: 0.001, max: 0.002 }, stepDelay: { min: 0.001, max: 0.002 }, logPollSeconds: 0.001 },
    sleep: async () => {},
    lookupDelaysMs: [0, 0],
  });
}

export function recorder(): { events: RunEvent[]; onEvent: (e: RunEvent) => void; setup: () => string[] } {
  const events: RunEvent[] = [];
  return {
    events,
    onEvent: (e) => events.push(e),
    setup: () => events.flatMap((e) => (e.type === 'setup' ? [e.message] : [])),
  };
}

export const storeIn = (home: string) => new RunStore(path.join(home, 'runs'));
