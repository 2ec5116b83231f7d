import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { labsBin, repoRoot } from '../../helpers/cli.js';
import { motoCohort } from '../../helpers/moto-emr.js';

const hasTmux = spawnSync('sh', ['-c', 'command -v tmux'], { encoding: 'utf8' }).status === 0;
if (!hasTmux) console.warn('skipping the real-terminal dashboard test: tmux is not installed (apt-get install -y tmux)');

/** Our own tmux server (-L), so the test neither sees nor disturbs anyone's sessions. */
const socket = `labs-dashboard-test-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'dash').stdout;
const keys = (...k: string[]) => tmux('send-keys', '-t', 'dash', ...k);

async function waitFor(what: string, ok: (s: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`the screen never showed ${what}; last screen:\n${last}`);
}

/** `labs dashboard` in a real terminal: started in tmux against moto, driven with keys, read back from the pane. */
describe.skipIf(!hasTmux)('labs dashboard in a real terminal (tmux)', () => {
  const m = motoCohort(
    'spring-28',
    [
      { student: 'ana', metrics: { AppsRunning: 2, IsIdle: 0 } },
      { student: 'bo', metrics: { AppsRunning: 4, YARNMemoryAvailablePercentage: 61.5, IsIdle: 0 } },
    ],
    { NO_COLOR: '1' },
  );
  afterAll(() => void tmux('kill-server'));

  it('draws the cohort, moves with j, opens a student and a step with enter, follows a resize, quits with q', async () => {
    // CI=true: a CI variable leaking into a real terminal must not leave the screen blank (ink's CI mode)
    const envArgs = Object.entries({ ...m.env, CI: 'true' }).map(([k, v]) => `${k}='${v}'`).join(' ');
    const started = tmux('new-session', '-d', '-s', 'dash', '-x', '140', '-y', '40', '-c', repoRoot, `env ${envArgs} ${process.execPath} ${labsBin} dashboard --cohort spring-28 --interval 5; echo LABS-EXIT=$?; sleep 600`);
    expect(started.status, started.stderr).toBe(0);
    const [ana, bo] = m.seeded;

    let s = await waitFor('both students', (x) => /› ana\s+RUNNING/.test(x) && /\bbo\s+RUNNING/.test(x) && x.includes('refreshed'));
    expect(s).toMatch(/STUDENT▾\s+STATE\s+LAB\s+STEP\s+IDLE\s+COST\s+CHECK\s+APPS/);
    expect(s).toContain('2 students · 2 up, 2 running a step');

    keys('j');
    await waitFor('bo selected', (x) => /› bo\s+RUNNING/.test(x));
    // moto has no presigned app-UI API: the line must still say which cluster, then the link or why there is none
    keys('u');
    await waitFor('the Spark UI line', (x) => x.includes(`Spark UI for ${bo!.clusterId}:`));
    keys('Enter');
    s = await waitFor("bo's details", (x) => x.includes(`spring-28: cluster ${bo!.clusterId}`) && /YARN memory free\s+\S+\s+61\.5%/.test(x), 40_000);
    expect(s).toMatch(/apps running\s+\S+\s+4/);
    expect(s).toMatch(/› ▶ day2-joins:joins\s+RUNNING/);
    keys('Enter');
    await waitFor('the step details', (x) => x.includes('ran: spark-submit day2_joins.py'));
    keys('Escape');
    await waitFor('the step closed', (x) => !x.includes('ran: spark-submit'));
    keys('Escape');
    s = await waitFor('the table again', (x) => /› bo\s+RUNNING/.test(x));
    expect(s).not.toContain(ana!.clusterId);

    tmux('resize-window', '-t', 'dash', '-x', '80', '-y', '30');
    s = await waitFor('the narrow layout', (x) => x.includes('STUDENT▾') && !x.includes('CHECK'));
    expect(s).toMatch(/COST/);

    keys('q');
    await waitFor('the process to exit 0', (x) => x.includes('LABS-EXIT=0'));
  }, 120_000);
});
