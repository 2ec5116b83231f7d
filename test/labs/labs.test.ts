/**
 * Every lab on real local Spark, through the built CLI, exactly as a student runs it: `labs start <id> --json`.
 * One file, labs one after another: this 2-core machine runs one Spark application well, not several.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labIds, loadLab } from '../../src/app/lab-catalog.js';
import { checkFailed, type CheckResult } from '../../src/core/lab/checks.js';
import type { RunRecord } from '../../src/core/run/run-record.js';
import { scopedCheckProblems } from '../helpers/check-targets.js';
import { runLabsAsync as runLabs, spawnLabs, tempHome } from '../helpers/cli.js';
import { projectCopy } from '../helpers/project-copy.js';

const home = tempHome();
const env = { LABS_HOME: home };
const only = process.env.LABS_ONLY?.split(',').filter(Boolean);
const ids = labIds().filter((id) => !only || only.includes(id));
/** This suite's target: a check scoped to it must be evaluated, one scoped elsewhere reported n/a (never passed). */
const TARGET = 'local';

describe.each(ids)('lab %s on local Spark', (id) => {
  it('runs every step and passes every check', async () => {
    const r = await runLabs(['start', id, '--json'], env);
    let run: RunRecord;
    try {
      run = JSON.parse(r.stdout) as RunRecord;
    } catch {
      throw new Error(`labs start ${id} printed no JSON (exit ${r.code}):\n${r.stderr.slice(-3000)}`);
    }
    const failing = (run.checks ?? []).filter(checkFailed).map((c) => `${c.name}: ${JSON.stringify(c.actual)} (expected ${c.expected})`);
    const failedStep = run.steps.find((s) => s.state !== 'COMPLETED');
    expect(failedStep?.failure ?? failedStep?.state, `step ${failedStep?.name} did not complete`).toBeUndefined();
    expect(failing, 'failing checks').toEqual([]);
    expect(run.checks!.length).toBeGreaterThan(0);
    expect(scopedCheckProblems(loadLab(id).checks, run.checks!, TARGET), 'checks scoped to targets').toEqual([]);
    expect(r.code).toBe(0);
    expect(run.state).toBe('COMPLETED');
    for (const step of run.steps) expect(step.argv.slice(0, 3)).toEqual(['spark-submit', '--master', 'local[*]']);

    // The same checks, evaluated again from the saved result.json.
    const check = await runLabs(['check', id, '--json'], env);
    expect(check.code).toBe(0);
    const again = JSON.parse(check.stdout).checks as CheckResult[];
    expect(again.filter(checkFailed)).toEqual([]);
    expect(scopedCheckProblems(loadLab(id).checks, again, TARGET), 'checks scoped to targets, again').toEqual([]);
    expect(JSON.parse((await runLabs(['status', id, '--json'], env)).stdout).run.runId).toBe(run.runId);
  });

  // The run above is the reference solution (no workspace in that LABS_HOME). The exercise as a student gets it,
  // untouched: it must run to the end and fail the checks of the lesson, each saying which TODO it depends on.
  it.skipIf(!loadLab(id).exercise)('an untouched exercise runs, and fails the lesson\'s checks with their hints (exit 1)', async () => {
    const h = tempHome();
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'labs-exercise-'));
    const copied = await runLabs(['exercise', id, '--dir', cwd], { LABS_HOME: h });
    expect(copied.code, copied.stderr).toBe(0);
    const r = await runLabs(['start', id], { LABS_HOME: h });
    expect(r.stderr).toContain(`exercise: running your files from ${cwd}`);
    const run = JSON.parse((await runLabs(['status', id, '--json'], { LABS_HOME: h })).stdout).run as RunRecord;
    expect(run.exercise).toBe(cwd);
    const failedStep = run.steps.find((s) => s.state !== 'COMPLETED');
    expect(failedStep?.failure ?? failedStep?.state, `step ${failedStep?.name} of the exercise crashed:\n${r.stderr.slice(-3000)}`).toBeUndefined();
    const failing = (run.checks ?? []).filter(checkFailed);
    expect(failing.length, 'the untouched exercise must fail the lesson\'s checks').toBeGreaterThan(0);
    // every failure is the lesson's: a check that fails without a hint would fail for another reason
    expect(failing.filter((c) => !c.hint).map((c) => c.name)).toEqual([]);
    for (const c of failing) expect(r.stderr).toContain(`hint: ${c.hint}`);
    expect(r.code).toBe(1);
  });
});

describe('a job that raises', () => {
  it('fails the step with exit 1, the exception and its innermost frames', async () => {
    const project = projectCopy();
    project.addFile(
      'spark-jobs/python/broken_job.py',
      [
        'from pyspark.sql import SparkSession',
        '',
        'def transform(spark):',
        '    raise ValueError("planted failure: rows must be positive")',
        '',
        'if __name__ == "__main__":',
        '    transform(SparkSession.builder.getOrCreate())',
        '',
      ].join('\n'),
    );
    project.addFile(
      'labs/day1-broken/lab.yaml',
      'id: day1-broken\nday: 1\ntitle: broken\ntopics: [x]\nsteps:\n  - name: explode\n    job: spark-jobs/python/broken_job.py\nchecks:\n  - {name: never, path: x, exists: true}\n',
    );
    const h = tempHome();
    const r = await runLabs(['start', 'day1-broken'], { LABS_HOME: h }, project.bin);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('✗ explode failed after');
    expect(r.stderr).toContain('ValueError: planted failure: rows must be positive');
    expect(r.stderr).toMatch(/at .*broken_job\.py:4 in transform/);
    expect(r.stderr).toContain('error: day1-broken: step "explode" failed');
    // PySpark's driver writes the Python process's stderr to spark-submit's stdout.
    const logs = await runLabs(['logs', 'day1-broken', '--stdout'], { LABS_HOME: h }, project.bin);
    expect(logs.stdout).toContain('Traceback (most recent call last)');

    // `labs verify` passes its EMR layers (the requests are fine) and fails it on local Spark, saying why.
    const v = await runLabs(['verify', 'day1-broken'], { LABS_HOME: h }, project.bin);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/✓ emr-requests +4 requests \(instance groups and fleets\)/);
    expect(v.stdout).toMatch(/✓ emr-on-moto +cluster j-\w+ made and tagged; 1 step queued/);
    expect(v.stdout).toMatch(/✗ local-spark +step explode FAILED: .*planted failure/);
    expect(v.stderr).toMatch(/error: 1 of 1 labs failed verification: day1-broken/);
  });
});

const motoServers = () => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('moto_server') && !l.includes('ps -eo')).length;
// day3-magic-committer: an S3 lab, so the local S3 emulator (moto) is running too when Ctrl-C comes.
const ctrlCLabs: [string, boolean][] = [['day2-joins', false], ['day3-magic-committer', true]].filter(([id]) => !only || ids.includes(id as string)) as [string, boolean][];

// runIf: with LABS_ONLY naming neither lab the suite would have no test, which vitest reports as a failure
describe.runIf(ctrlCLabs.length > 0)('Ctrl-C during a step', () => {
  it.each(ctrlCLabs)('%s: stops the Spark process (and the S3 emulator) cleanly, says so, exits 130 and leaves no process behind', async (lab, usesS3) => {
    const h = tempHome();
    const motosBefore = motoServers();
    const child = spawnLabs(['start', lab], { LABS_HOME: h });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => {
        if (stderr.includes('running')) {
          clearInterval(t);
          // Let the JVM come up so there is a real Spark process tree to stop.
          setTimeout(resolve, 8000);
        }
      }, 200);
      child.on('exit', () => reject(new Error(`exited before the step ran:\n${stderr}`)));
    });
    const runId = /run (\d{8}-\d{6}-[0-9a-f]{4})/.exec(stderr)?.[1];
    expect(runId).toBeDefined();
    if (usesS3) expect(motoServers()).toBeGreaterThan(motosBefore);
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    expect(stderr).toContain('stopping: ending the Spark process cleanly');
    expect(stderr).toMatch(/stopped; the Spark process was ended cleanly/);
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps.split('\n').filter((l) => l.includes(runId!))).toEqual([]);
    expect(motoServers()).toBe(motosBefore);
    const status = JSON.parse((await runLabs(['status', '--json'], { LABS_HOME: h })).stdout);
    expect(status.runs[0].state).toBe('CANCELLED');
  });
});

describe('day3-debugging graded with labs check --answer', () => {
  // Runs after the lab's own test above, in the same LABS_HOME: it grades that run. The stage ids are stable
  // because the lab turns AQE off (see labs/day3-debugging/lab.yaml).
  it.skipIf(!ids.includes('day3-debugging'))('passes the known answer (exit 0) and fails a wrong one (exit 1)', async () => {
    const right = await runLabs(['check', 'day3-debugging', '--answer', 'key=42,stage=2,spill=4,shuffle=5', '--json'], env);
    expect(right.code, right.stderr).toBe(0);
    const checks = JSON.parse(right.stdout).checks as { name: string; passed: boolean; pending?: boolean; notApplicable?: boolean }[];
    // on local Spark the CloudWatch checks (targets: sandbox, emr) are not applicable; every other one is graded and passes
    expect(checks.filter((c) => c.notApplicable).map((c) => c.name).every((n) => n.startsWith('CloudWatch'))).toBe(true);
    expect(checks.filter((c) => !c.notApplicable).every((c) => c.passed && !c.pending)).toBe(true);
    const wrong = await runLabs(['check', 'day3-debugging', '--answer', 'key=7,stage=2,spill=4,shuffle=5'], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('✗ your answer: the skewed key: 7');
  });
});
