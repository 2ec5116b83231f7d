import { describe, expect, it } from 'vitest';
import { runLabs } from '../../helpers/cli.js';
import { motoCohort } from '../../helpers/moto-emr.js';

/** `labs dashboard --once` against moto server: clusters found by their tags, CloudWatch values as seeded. */
describe('labs dashboard against moto server', () => {
  const m = motoCohort('fall-27', [
    { student: 'ana', metrics: { AppsRunning: 3, AppsPending: 1, ContainerPending: 7, YARNMemoryAvailablePercentage: 42.5, HDFSUtilization: 12.25, CoreNodesRunning: 2, IsIdle: 0 } },
    { student: 'bo', metrics: { AppsRunning: 5, IsIdle: 0 } },
    { student: 'cy', metrics: { AppsRunning: 0, IsIdle: 1 } },
  ]);

  it('the student view shows the cluster, its step and every seeded CloudWatch value', () => {
    const r = runLabs(['dashboard', '--target', 'emr', '--student', 'ana', '--once'], m.env);
    expect(r.code, r.stderr).toBe(0);
    const ana = m.seeded[0]!.clusterId;
    expect(r.stdout).toContain(`ana: cluster ${ana}`);
    expect(r.stdout).toMatch(/shape\s+primary 1x m5\.xlarge, core 2x m5\.xlarge/);
    expect(r.stdout).toMatch(/cost so far\s+~\$0\.\d\d/);
    expect(r.stdout).toMatch(/day2-joins:joins\s+RUNNING/);
    expect(r.stdout).toMatch(/apps running\s+3\s/);
    expect(r.stdout).toMatch(/apps pending\s+1\s/);
    expect(r.stdout).toMatch(/containers pending\s+7\s/);
    expect(r.stdout).toMatch(/YARN memory free\s+42\.5%/);
    expect(r.stdout).toMatch(/HDFS used\s+12\.3%/);
    expect(r.stdout).toMatch(/core nodes\s+2\s/);
    expect(r.stdout).not.toContain(m.seeded[1]!.clusterId);
  });

  it('the cohort view lists one row per student with the seeded apps and the class totals', () => {
    const r = runLabs(['dashboard', '--cohort', 'fall-27', '--once'], m.env);
    expect(r.code, r.stderr).toBe(0);
    for (const [i, s] of m.seeded.entries()) {
      expect(r.stdout).toMatch(new RegExp(`${s.student}\\s+${s.clusterId}\\s+RUNNING\\s+day2-joins\\s+joins RUNNING\\s+-\\s+~\\$0\\.\\d\\d\\s+-\\s+${[3, 5, 0][i]}`));
    }
    expect(r.stdout).toContain('3 students: 3 up, 3 running a step, 0 idle');
  });

  it('--json prints one document with the same values', () => {
    const r = runLabs(['dashboard', '--cohort', 'fall-27', '--json'], m.env);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { clusters: { student: string; metrics: Record<string, number>; instances: unknown[] }[]; totals: { students: number } };
    expect(doc.totals.students).toBe(3);
    expect(doc.clusters.find((c) => c.student === 'bo')).toMatchObject({ metrics: { AppsRunning: 5, IsIdle: 0 }, instances: [{ role: 'primary', type: 'm5.xlarge', count: 1 }, { role: 'core', type: 'm5.xlarge', count: 2 }] });
  });
});
