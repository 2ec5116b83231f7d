import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunRecord } from '../core/run/run-record.js';

/**
 * Run records on disk: <runs>/<lab>/<runId>/run.json. Written atomically (tmp + rename) after every change,
 * so `labs status` in another terminal never reads half a file and a crash leaves the last good state.
 */
export class RunStore {
  constructor(private readonly runsDir: string) {}

  save(run: RunRecord): void {
    const dir = path.join(this.runsDir, run.lab, run.runId);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'run.json');
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(run, null, 2)}\n`);
    renameSync(tmp, file);
  }

  /** The newest run of a lab (run ids sort by time), or undefined. */
  latest(lab: string): RunRecord | undefined {
    const dir = path.join(this.runsDir, lab);
    if (!existsSync(dir)) return undefined;
    const ids = readdirSync(dir).filter((id) => existsSync(path.join(dir, id, 'run.json'))).sort();
    for (const id of ids.reverse()) {
      try {
        return JSON.parse(readFileSync(path.join(dir, id, 'run.json'), 'utf8')) as RunRecord;
      } catch {
        continue;
      }
    }
    return undefined;
  }

  /** The newest run of every lab that has one. */
  latestOfEach(): RunRecord[] {
    if (!existsSync(this.runsDir)) return [];
    return readdirSync(this.runsDir)
      .sort()
      .map((lab) => this.latest(lab))
      .filter((r): r is RunRecord => r !== undefined);
  }
}
