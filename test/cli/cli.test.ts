import { readdirSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLabs, tempHome } from '../helpers/cli.js';
import { projectCopy } from '../helpers/project-copy.js';

const home = tempHome();
const env = { LABS_HOME: home };

describe('labs list / show', () => {
  it('lists the labs as one JSON document', () => {
    const r = runLabs(['list', '--json'], env);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    const ids = doc.labs.map((l: { id: string }) => l.id);
    expect(ids).toEqual(expect.arrayContaining(['day1-architecture', 'day2-joins']));
    expect(doc.labs.find((l: { id: string }) => l.id === 'day2-joins')).toMatchObject({ day: 2, steps: expect.any(Number) });
  });

  it('filters by day, and rejects a day that does not exist with exit 2', () => {
    const r = runLabs(['list', '--day', '2', '--json'], env);
    expect(JSON.parse(r.stdout).labs.every((l: { day: number }) => l.day === 2)).toBe(true);
    const bad = runLabs(['list', '--day', '5'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--day must be 1, 2 or 3');
  });

  it('prints a human table', () => {
    const r = runLabs(['list'], env);
    expect(r.stdout).toMatch(/^LAB\s+DAY\s+TITLE/m);
    expect(r.stdout).toMatch(/^day2-joins\s+2\s+/m);
  });

  it('shows a lab with its steps and README', () => {
    const r = runLabs(['show', 'day2-joins', '--json'], env);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.lab.id).toBe('day2-joins');
    expect(doc.lab.steps.length).toBeGreaterThan(0);
    expect(doc.readme).toMatch(/Spark UI/);
  });

  it('answers an unknown lab with exit 2 and the closest ids', () => {
    const r = runLabs(['start', 'day2-join'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: unknown lab "day2-join"');
    expect(r.stderr).toContain('did you mean day2-joins');
    const json = runLabs(['show', 'nope', '--json'], env);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { exitCode: 2 } });
  });

  it('answers bad usage with exit 2', () => {
    expect(runLabs(['bogus'], env).code).toBe(2);
    expect(runLabs(['start'], env).code).toBe(2);
    expect(runLabs(['start', 'day2-joins', '--target', 'mars'], env).code).toBe(2);
    expect(runLabs(['--help'], env).code).toBe(0);
  });
});

describe('labs status / check / logs before any run', () => {
  it('reports no runs', () => {
    const r = runLabs(['status', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ runs: [] });
    expect(JSON.parse(runLabs(['status', 'day2-joins', '--json'], env).stdout)).toEqual({ lab: 'day2-joins', run: null });
  });

  it('asks for a run first', () => {
    const check = runLabs(['check', 'day2-joins'], env);
    expect(check.code).toBe(2);
    expect(check.stderr).toContain('day2-joins has no run yet');
    expect(runLabs(['logs', 'day2-joins'], env).code).toBe(2);
  });
});

describe('labs config', () => {
  it('sets and reads a user setting; refuses unknown keys and bad values without writing them', () => {
    const h = tempHome();
    expect(runLabs(['config', 'set', 'student', 'ana'], { LABS_HOME: h }).code).toBe(0);
    expect(runLabs(['config', 'get', 'student'], { LABS_HOME: h }).stdout.trim()).toBe('ana');
    expect(runLabs(['config', 'get', 'student'], { LABS_HOME: h, LABS_STUDENT: 'env-wins' }).stdout.trim()).toBe('env-wins');
    const unknown = runLabs(['config', 'set', 'studnet', 'x'], { LABS_HOME: h });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('did you mean student');
    expect(runLabs(['config', 'set', 'emr.idleTimeoutSeconds', '5'], { LABS_HOME: h }).code).toBe(2);
    expect(runLabs(['config', 'get', 'emr.idleTimeoutSeconds'], { LABS_HOME: h }).stdout.trim()).toBe('3600');
  });
});

describe('labs doctor', () => {
  it('reports each check as JSON', () => {
    const r = runLabs(['doctor', '--json'], env);
    const doc = JSON.parse(r.stdout);
    expect(doc.checks.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['node', 'java', 'python', 'venv', 'labs']));
    expect(doc.checks.find((c: { name: string }) => c.name === 'java').status).toBe('ok');
    expect(r.code).toBe(doc.ok ? 0 : 3);
  });

  it('fails with exit 3 when Java is missing', () => {
    const r = runLabs(['doctor', '--json'], { ...env, JAVA_HOME: '/nonexistent' });
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'java')).toMatchObject({ status: 'fail' });
  });
});

describe('environment errors of labs start', () => {
  it('missing Java: exit 3 with a hint', () => {
    const r = runLabs(['start', 'day2-joins'], { ...env, JAVA_HOME: '/nonexistent' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: Java not found');
    expect(r.stderr).toContain('hint: install OpenJDK 17');
  });

  it('missing Python: exit 3 with a hint', () => {
    const r = runLabs(['start', 'day2-joins'], { ...env, LABS_PYTHON: '/nonexistent/python3' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: Python not found');
  });

  it('failed pip install (no network): exit 3, and no half-made venv is left', () => {
    const cache = tempHome('labs-cache-');
    const r = runLabs(['setup', 'local'], {
      ...env,
      LABS_CACHE_DIR: cache,
      PIP_INDEX_URL: 'http://127.0.0.1:9/simple',
      PIP_FIND_LINKS: '',
      PIP_NO_CACHE_DIR: '1',
      PIP_RETRIES: '0',
      PIP_TIMEOUT: '2',
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: pip install failed');
    expect(r.stderr).toContain('hint: check your network');
    expect(readdirSync(cache).filter((f) => f.startsWith('venv-'))).toEqual([]);
  });

  describe('Spark UI port already taken', () => {
    let server: net.Server;
    let port: number;
    beforeAll(async () => {
      server = net.createServer();
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      port = (server.address() as net.AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('exit 3 with a hint, before anything runs', () => {
      const h = tempHome();
      const r = runLabs(['start', 'day1-architecture'], { LABS_HOME: h, LABS_UI_PORT: String(port) });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`port ${port} for the Spark UI is already in use`);
      expect(r.stderr).toContain('labs config set local.uiPort 0');
    });
  });
});

describe('a broken lab.yaml', () => {
  it('is reported with file, path and fix, exit 2', () => {
    const project = projectCopy();
    project.addFile('spark-jobs/python/ok.py', '');
    project.addFile(
      'labs/day2-broken/lab.yaml',
      'id: day2-broken\nday: 2\ntitle: t\ntopics: [x]\nsteps:\n  - name: a\n    job: spark-jobs/python/ok.py\n  - name: b\n    job: spark-jobs/python/x.py\n',
    );
    const r = runLabs(['show', 'day2-broken'], env, project.bin);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('labs/day2-broken/lab.yaml: steps[1].job: spark-jobs/python/x.py does not exist');
    expect(r.stderr).toContain('hint: point job at a file under spark-jobs/');
    // `labs list` validates every lab, so one broken file is reported there too.
    const list = runLabs(['list'], env, project.bin);
    expect(list.code).toBe(2);
    expect(list.stderr).toContain('steps[1].job');
  });

  it('reports a YAML syntax error with its line', () => {
    const project = projectCopy();
    project.addFile('labs/day1-yaml/lab.yaml', 'id: day1-yaml\nday: [1\n');
    const r = runLabs(['show', 'day1-yaml'], env, project.bin);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/labs\/day1-yaml\/lab\.yaml: line \d+, column \d+: /);
  });
});
