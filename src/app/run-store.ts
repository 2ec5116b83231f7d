import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError } from '../core/errors.js';
import type { RunRecord } from '../core/run/run-record.js';
import { parseRunRecord } from '../core/run/run-record-schema.js';
import { runsDir } from './paths.js';

/**
 * Run records on disk: <runs>/<lab>/<runId>/run.json. Written atomically (tmp + rename) after every change,
 * so `labs status` in another terminal never reads half a file and a crash leaves the last good state.
 *
 * A record that is not a run (edited by hand, truncated by a full disk) is never skipped in silence: its steps may
 * still be queued on EMR. It is moved aside to run.json.damaged-<time>, kept for the user, and the command stops
 * with one line naming both files (exit 3); the next command reads the runs before it.
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
    if (!this.isDir(dir)) return undefined;
    const ids = readdirSync(dir).filter((id) => existsSync(path.join(dir, id, 'run.json'))).sort();
    const newest = ids.at(-1);
    return newest === undefined ? undefined : this.read(path.join(dir, newest, 'run.json'));
  }

  /** The newest run of every lab that has one. */
  latestOfEach(): RunRecord[] {
    if (!this.isDir(this.runsDir)) return [];
    return readdirSync(this.runsDir)
      .sort()
      .map((lab) => this.latest(lab))
      .filter((r): r is RunRecord => r !== undefined);
  }

  private read(file: string): RunRecord {
    const parsed = parseRunRecord(readFileSync(file, 'utf8'));
    if (parsed.ok) return parsed.run;
    const aside = `${file}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(file, aside);
    throw new EnvironmentError(
      `damaged run record ${file} (${parsed.why}); moved it to ${aside}`,
      'run the command again to use the runs before it; if that run was on EMR its steps are still on the cluster (`labs cluster status`, tag labs:student)',
    );
  }

  /** The runs dir (or one lab's) must be a directory: a file in its place is one line, not a raw ENOTDIR. */
  private isDir(dir: string): boolean {
    const s = statSync(dir, { throwIfNoEntry: false });
    if (!s) return false;
    if (!s.isDirectory()) throw new EnvironmentError(`${dir} is a file, not a directory of run records`, 'move the file away (run records are kept in LABS_HOME/runs/<lab>/<run>/run.json)');
    return true;
  }
}

/** Where a lab last ran (commands that act on "the lab's run", such as `labs stop` and `labs ui`, go there). */
export function latestRunTarget(lab: string, env: NodeJS.ProcessEnv = process.env): RunRecord['target'] | undefined {
  return new RunStore(runsDir(env)).latest(lab)?.target;
}
