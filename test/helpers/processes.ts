import { spawnSync } from 'node:child_process';

/**
 * Live processes whose command line mentions `text` (a temp dir, a LABS_HOME). `ps` shows a zombie (exited, not yet
 * reaped by an init that does not reap, as in some CI containers) as `[name] <defunct>` without its arguments, so a
 * process that has really exited is not listed, unlike `process.kill(pid, 0)`, which succeeds on a zombie.
 */
export function processesWith(text: string): string[] {
  return spawnSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.includes(text) && !l.includes('ps -eo'));
}
