import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunStore } from '../../src/app/run-store.js';
import type { RunRecord } from '../../src/core/run/run-record.js';
import { runLabs, tempHome } from '../helpers/cli.js';
import { projectCopy } from '../helpers/project-copy.js';

/** No credentials anywhere and no metadata service: a command that needed AWS could only fail, never reach it. */
const noAws = {
  LABS_HOME: tempHome(),
  AWS_PROFILE: '',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_REGION: 'eu-west-1',
};

describe('EMR commands through the built binary', () => {
  it('labs plan prints the exact requests without credentials, and says what it assumed', () => {
    const r = runLabs(['plan', 'day2-joins', '--json'], noAws);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.runJobFlow.AutoTerminationPolicy.IdleTimeout).toBe(3600);
    expect(plan.runJobFlow.Instances.InstanceGroups).toBeDefined();
    expect(plan.putObject.length).toBeGreaterThan(0);
    expect(plan.addJobFlowSteps[0].Steps[0].HadoopJarStep.Jar).toBe('command-runner.jar');
    expect(plan.notes.join('\n')).toMatch(/placeholder/);
    expect(r.stderr).toBe('');
  });

  it('labs plan --fleets plans instance fleets; a plan for another target is refused', () => {
    const r = runLabs(['plan', 'day2-joins', '--fleets', '--json'], noAws);
    expect(JSON.parse(r.stdout).runJobFlow.Instances.InstanceFleets.length).toBeGreaterThan(1);
    expect(runLabs(['plan', 'day2-joins', '--target', 'local'], noAws).code).toBe(2);
    expect(runLabs(['plan', 'day2-join'], noAws).code).toBe(2);
  });

  it.each([[['cluster', 'down']], [['gc']]])('labs %j with no terminal and no --yes refuses with exit 2 before any AWS call', (args) => {
    const r = runLabs(args, noAws);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/refusing to .* without confirmation[\s\S]*hint: add --yes/);
  });

  it('labs cluster status without credentials: one line, a hint, exit 3', () => {
    const r = runLabs(['cluster', 'status'], noAws);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: could not check the AWS credentials: no AWS credentials were found\nhint: /);
    expect(r.stderr).not.toMatch(/NodeVersionSupportWarning|    at /);
  });

  it('labs iam-policy prints a policy document; an unknown role or action is bad input', () => {
    const r = runLabs(['iam-policy', '--role', 'student', '--student', 'ana'], noAws);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).Statement.length).toBeGreaterThan(5);
    expect(runLabs(['iam-policy', '--role', 'admin'], noAws).code).toBe(2);
    expect(runLabs(['cluster', 'explode'], noAws).code).toBe(2);
  });

  it('labs start --no-wait on the local engine: exit 2, nothing run', () => {
    const home = tempHome();
    const r = runLabs(['start', 'day2-joins', '--no-wait'], { ...noAws, LABS_HOME: home });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --no-wait is for --target emr.*\nhint: drop --no-wait, or add --target emr/);
    expect(runLabs(['status', '--json'], { ...noAws, LABS_HOME: home }).stdout).toContain('"runs": []');
  });

  it('labs status with a queued EMR run and no credentials: shows it as last seen, says why, exit 0', () => {
    const home = tempHome();
    const queued: RunRecord = {
      lab: 'day2-joins', runId: '20261125-100000-abcd', target: 'emr', student: 'ana', state: 'RUNNING', startedAt: '2026-11-25T10:00:00.000Z', dir: 's3://b/ana/runs/day2-joins/20261125-100000-abcd',
      steps: [{ name: 'generate', state: 'PENDING', argv: [], out: 's3://b/x', emr: { clusterId: 'j-1', stepId: 's-1', logUri: 's3://b/ana/logs/' } }],
    };
    new RunStore(path.join(home, 'runs')).save(queued);
    const r = runLabs(['status', 'day2-joins'], { ...noAws, LABS_HOME: home });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/could not ask EMR about queued runs; showing them as last seen: could not check the AWS credentials/);
    expect(r.stdout).toMatch(/day2-joins run 20261125-100000-abcd on emr: RUNNING/);
    const j = JSON.parse(runLabs(['status', '--json'], { ...noAws, LABS_HOME: home }).stdout);
    expect(j.runs[0].state).toBe('RUNNING');
    expect(j.stale).toMatch(/credentials/);
  });

  it('labs plan for a Scala lab before the jar was ever built: a placeholder checksum, said in a note', () => {
    const copy = projectCopy();
    rmSync(path.join(copy.root, 'spark-jobs', 'scala', 'target'), { recursive: true, force: true });
    const r = runLabs(['plan', 'day2-kryo', '--target', 'emr', '--json'], noAws, copy.bin);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.putObject.map((u: { key: string }) => u.key)).toEqual([expect.stringMatching(/^\w+\/artifacts\/000000000000\/spark-jobs\/scala\/target\/emr-spark-labs-jobs.jar$/)]);
    expect(plan.notes.join('\n')).toMatch(/emr-spark-labs-jobs.jar is not built yet/);
  });

  it('labs cohort: bad input is refused before any AWS call (exit 2); a dry run plans without credentials', () => {
    const dir = tempHome('roster-');
    const good = path.join(dir, 'class.csv');
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(good, 'student,name\nana,Ana\nbo,Bo\n');
    writeFileSync(bad, 'student\nana\nno spaces please\n');

    const malformed = runLabs(['cohort', 'up', '--cohort', 'fall-27', '--roster', bad, '--yes'], noAws);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^error: .*bad.csv: line 3: "no spaces please" is not a student id.*\nhint: fix those lines/);

    const unasked = runLabs(['cohort', 'up', '--cohort', 'fall-27', '--roster', good], noAws);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(/refusing to create fall-27's clusters without confirmation[\s\S]*hint: add --yes/);

    expect(runLabs(['cohort', 'up', '--cohort', 'fall-27'], noAws).stderr).toMatch(/needs --roster/);
    expect(runLabs(['cohort', 'status'], noAws).stderr).toMatch(/--cohort is required/);
    expect(runLabs(['cohort', 'explode', '--cohort', 'x'], noAws).code).toBe(2);
    expect(runLabs(['cohort', 'run', 'day9-nope', '--cohort', 'x', '--yes'], noAws).code).toBe(2);
    expect(runLabs(['cohort', 'up', '--cohort', 'x', '--roster', path.join(dir, 'missing.csv'), '--yes'], noAws).stderr).toMatch(/cannot read the roster/);

    const dry = runLabs(['cohort', 'up', '--cohort', 'fall-27', '--roster', good, '--dry-run'], noAws);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would create up to 2 clusters \(~\$1\.44\/hour while up; each ends after 60 min idle\); nothing was sent/);
    const plan = JSON.parse(runLabs(['cohort', 'up', '--cohort', 'fall-27', '--roster', good, '--dry-run', '--json'], noAws).stdout);
    expect(plan.requests.map((r: { student: string }) => r.student)).toEqual(['ana', 'bo']);

    const grade = runLabs(['cohort', 'grade', 'day2-joins', '--cohort', 'fall-27'], noAws);
    expect(grade.code).toBe(3);
    expect(grade.stderr).toMatch(/no AWS credentials/);
  });

  it('labs verify: EMR requests against the service models and the EMR flow on moto, per lab; bad input exit 2', () => {
    expect(runLabs(['verify'], noAws).code).toBe(2);
    expect(runLabs(['verify', 'day9-nope'], noAws).stderr).toMatch(/unknown lab/i);
    const r = runLabs(['verify', 'day2-joins', 'day1-scheduling', '--no-local', '--json'], noAws);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(true);
    expect(doc.labs.map((l: { lab: string; layers: { layer: string; ok: boolean }[] }) => [l.lab, l.layers.map((x) => `${x.layer}:${x.ok}`)])).toEqual([
      ['day2-joins', ['emr-requests:true', 'emr-on-moto:true']],
      ['day1-scheduling', ['emr-requests:true', 'emr-on-moto:true']],
    ]);
    // the credentials pointed at moto for that layer do not leak: nothing here had AWS credentials
    expect(r.stderr).not.toMatch(/AKIA|testing/);
    // Two labs' botocore validation and moto flows run in child processes while the unit project's other files
    // (real YARN, local Spark) share the 2 cores: 32 s alone, over 60 s beside them.
  }, 180_000);
});
