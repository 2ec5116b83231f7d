import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { EMRClient, ListClustersCommand } from '@aws-sdk/client-emr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labsBin, runLabs, spawnLabs, tempHome } from '../helpers/cli.js';
import { startMoto, type MotoServer } from '../helpers/moto-server.js';
import { projectCopy } from '../helpers/project-copy.js';

/** One clear line and a hint, the documented exit code, no stack, no raw library text. */
function expectOneLine(r: { code: number | null; stdout: string; stderr: string }, code: number, message: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(message);
  expect(lines.slice(1).every((l) => l.startsWith('hint: '))).toBe(true);
  expect(r.stderr).not.toMatch(/\n\s+at |TypeError|SyntaxError|looks like a bug|ENOTDIR|EEXIST/);
}

/** A "credentials" environment whose endpoint nobody answers: any AWS call would fail with exit 3, not 2. */
const unreachable = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };

function pipeInto(args: string[], headLines: number): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', `node ${JSON.stringify(labsBin)} ${args.join(' ')} | head -${headLines}; echo "labs=\${PIPESTATUS[0]}" >&2`], { env: { ...process.env, NO_COLOR: '1', LABS_HOME: tempHome() } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('output into a closed pipe', () => {
  it.each([[['list'], 1], [['show', 'day2-joins'], 3]] as const)('labs %j | head: quiet, no stack', async (args, n) => {
    const r = await pipeInto([...args], n);
    expect(r.stdout.replace(/\n$/, '').split('\n')).toHaveLength(n);
    expect(r.stderr).toBe('labs=0\n');
  });
});

describe('malformed names are bad input (exit 2) before any AWS call', () => {
  it.each([
    [['cluster', 'status'], { AWS_ENDPOINT_URL: 'not-a-url' }, /AWS_ENDPOINT_URL: "not-a-url" is not an endpoint URL/],
    [['cluster', 'status'], { AWS_ENDPOINT_URL_S3: 'ftp://x' }, /AWS_ENDPOINT_URL_S3: "ftp:\/\/x" is not an endpoint URL/],
    [['cluster', 'status'], { AWS_REGION: 'mars-1' }, /AWS_REGION: "mars-1" is not an AWS region name/],
    [['--region', 'US East', 'cluster', 'status'], {}, /--region: "US East" is not an AWS region name/],
    [['ui', '--cluster', 'not-an-id'], {}, /--cluster: "not-an-id" is not an EMR cluster id/],
    [['start', 'day1-apis', '--target', 'emr', '--student', '..'], {}, /student: letters and digits/],
    [['cluster', 'up', '--student', 'a/b'], {}, /student: letters and digits/],
    [['iam-policy', '--student', '..'], {}, /student: letters and digits/],
  ])('labs %j with %j', (args, env, message) => {
    const home = tempHome();
    const r = runLabs(args, { ...unreachable, ...env, LABS_HOME: home });
    expectOneLine(r, 2, message);
    expect(readdirSync(home)).toEqual([]); // nothing written
  });

  it('a well-formed region AWS does not have: one line, exit 3, no raw DNS or parser text', () => {
    const r = runLabs(['--region', 'xx-mars-1', 'cluster', 'status'], { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_ENDPOINT_URL: '', LABS_HOME: tempHome() });
    expectOneLine(r, 3, /cannot reach the AWS endpoint|not an AWS response/);
  });
});

describe('rosters with unsafe or clashing student ids are refused, naming the lines, before any AWS call', () => {
  it.each([
    ['student\nana\n..\n', /line 3: "\.\." is not a student id/],
    ['student\nalice.smith\nalice_smith\nalice-smith\n', /line 3: "alice_smith" and line 2 "alice.smith" would share the Glue database labs_alice_smith; line 4: "alice-smith" and line 2/],
  ])('%j', (csv, message) => {
    const home = tempHome();
    const roster = path.join(tempHome('roster-'), 'class.csv');
    writeFileSync(roster, csv);
    const r = runLabs(['cohort', 'up', '--cohort', 'c1', '--roster', roster, '--yes'], { ...unreachable, LABS_HOME: home });
    expectOneLine(r, 2, message);
  });
});

describe('a bad config is refused the same way by every command', () => {
  it.each([['list'], ['status'], ['show', 'day2-joins'], ['iam-policy'], ['config', 'get', 'student'], ['start', 'day1-apis']])('labs %j', (...args) => {
    const home = tempHome();
    writeFileSync(path.join(home, 'config.yaml'), 'emr:\n  bucket: Not_A_Bucket\n');
    expectOneLine(runLabs(args, { LABS_HOME: home }), 2, new RegExp(`${home}/config.yaml: emr.bucket: an S3 bucket name`));
    expect(readdirSync(home)).toEqual(['config.yaml']);
  });
});

describe('a lab.yaml alias bomb', () => {
  it('exit 2 naming the file', () => {
    const p = projectCopy();
    const bomb = ['id: day1-apis', 'a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((k, i) => `${k}: &${k} [*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]},*${'abcdefghi'[i]}]`)].join('\n');
    p.addFile('labs/day1-apis/lab.yaml', `${bomb}\n`);
    const r = runLabs(['show', 'day1-apis'], { LABS_HOME: tempHome() }, p.bin);
    expectOneLine(r, 2, /labs\/day1-apis\/lab\.yaml: YAML: .*alias/i);
  });
});

describe('damaged run records are named and moved aside, never dropped', () => {
  it.each(['null', '[]', '{}', '{"steps":"x"}', '{"lab":"day2-joins","runId":"2026', 'garbage \u0000'])('run.json = %j', (text) => {
    const home = tempHome();
    const dir = path.join(home, 'runs', 'day2-joins', '20261201-101500-abcd');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'run.json'), text);
    for (const args of [['status'], ['status', 'day2-joins'], ['check', 'day2-joins'], ['logs', 'day2-joins']]) {
      writeFileSync(path.join(dir, 'run.json'), text);
      const r = runLabs(args, { LABS_HOME: home });
      expectOneLine(r, 3, new RegExp(`damaged run record ${dir}/run.json .*; moved it to ${dir}/run.json.damaged-`));
      expect(r.stderr).toMatch(/hint: run the command again/);
    }
    const aside = readdirSync(dir).filter((f) => f.startsWith('run.json.damaged-'));
    expect(aside.length).toBeGreaterThanOrEqual(1);
    expect(readFileSync(path.join(dir, aside[0]!), 'utf8')).toBe(text); // kept as it was
    expect(runLabs(['status'], { LABS_HOME: home }).code).toBe(0); // and the next command goes on
  });

  it('runs/ being a file, or LABS_HOME being a file: one line, exit 3, before any AWS call', () => {
    const home = tempHome();
    writeFileSync(path.join(home, 'runs'), 'x');
    expectOneLine(runLabs(['start', 'day1-apis', '--target', 'emr'], { ...unreachable, LABS_HOME: home }), 3, /runs is a file, but the run records directory must be a directory/);
    const file = path.join(tempHome(), 'home-file');
    writeFileSync(file, 'x');
    for (const args of [['status'], ['cluster', 'up'], ['start', 'day1-apis', '--target', 'emr']]) {
      expectOneLine(runLabs(args, { ...unreachable, LABS_HOME: file }), 3, /home-file is a file, but LABS_HOME .* must be a directory/);
    }
  });
});

describe('Ctrl-C during labs cluster up (moto)', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  }, 15 * 60_000);
  afterAll(async () => moto?.stop());

  it('stops at the next API boundary, says what exists and how to find it, exit 130; the cluster is tagged and findable', async () => {
    const home = tempHome();
    const child = spawnLabs(['cluster', 'up'], { ...moto.env, LABS_HOME: home, LABS_STUDENT: 'ana' });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    // Interrupt while the cluster is being made (moto answers RunJobFlow with a cluster that is up at once, so
    // this is the window; a waiter between polls is covered in test/unit/aws/abort-boundary.test.ts).
    const until = Date.now() + 60_000;
    while (!/creating an EMR cluster/.test(stderr) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(stderr).toMatch(/creating an EMR cluster/);
    const sent = Date.now();
    child.kill('SIGINT');
    expect(await exit).toBe(130);
    expect(Date.now() - sent).toBeLessThan(10_000); // no lookup retries, no waiter interval
    expect(stderr).toContain('stopping at the next AWS call');
    expect(stderr).toMatch(/error: stopped while trying to [^\n]+; a cluster already requested keeps starting, tagged labs:student=ana/);
    expect(stderr).toMatch(/hint: `labs cluster status` finds it, `labs cluster down` ends it/);
    expect(stderr).not.toMatch(/\n\s+at /);
    const emr = new EMRClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const live = (await emr.send(new ListClustersCommand({ ClusterStates: ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'] }))).Clusters ?? [];
    expect(live.length).toBeLessThanOrEqual(1); // never two
    // whatever exists is tagged and found again; `cluster up` again reuses it instead of making a second
    const status = runLabs(['cluster', 'status', '--json'], { ...moto.env, LABS_HOME: home, LABS_STUDENT: 'ana' });
    expect(JSON.parse(status.stdout).clusters.map((c: { id: string }) => c.id)).toEqual(live.map((c) => c.Id));
    const again = runLabs(['cluster', 'up', '--json'], { ...moto.env, LABS_HOME: home, LABS_STUDENT: 'ana' });
    expect(again.code, again.stderr).toBe(0);
    const after = (await emr.send(new ListClustersCommand({ ClusterStates: ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'] }))).Clusters ?? [];
    expect(after).toHaveLength(1);
    if (live.length) expect(JSON.parse(again.stdout).created).toBe(false);
  }, 120_000);
});

describe('Ctrl-C in a command without a handler of its own', () => {
  it('labs cluster status waiting on AWS: one line, exit 130, at once', async () => {
    // an endpoint that accepts and never answers: the command is stuck in its first AWS call
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const child = spawnLabs(['cluster', 'status'], { ...unreachable, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, LABS_HOME: tempHome() });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const exit = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      const until = Date.now() + 20_000;
      while (!sockets.length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(sockets.length).toBeGreaterThan(0);
      child.kill('SIGINT');
      expect(await exit).toBe(130);
      expect(stderr.trim()).toBe('interrupted (Ctrl-C); anything already created on AWS is tagged with your student id: `labs cluster status` finds it');
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});
