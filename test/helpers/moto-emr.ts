import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { AddJobFlowStepsCommand, EMRClient, RunJobFlowCommand } from '@aws-sdk/client-emr';
import { DEFAULT_CONFIG } from '../../src/core/config.js';
import { TAG } from '../../src/core/emr/tags.js';
import { startMoto } from './moto-server.js';

export interface SeededStudent {
  student: string;
  clusterId: string;
  metrics: Record<string, number>;
}

/**
 * One instance-group cluster per student, tagged as the tool tags them (moto keeps tags; it has no fleets and its
 * steps never finish), a lab step on each, and CloudWatch datapoints a minute old in AWS/ElasticMapReduce.
 */
export async function seedCohort(endpoint: string, cohort: string, students: { student: string; metrics: Record<string, number> }[]): Promise<SeededStudent[]> {
  const config = { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const emr = new EMRClient(config);
  const cw = new CloudWatchClient(config);
  const out: SeededStudent[] = [];
  for (const { student, metrics } of students) {
    const { JobFlowId } = await emr.send(
      new RunJobFlowCommand({
        Name: `labs ${student}`,
        ReleaseLabel: 'emr-7.13.0',
        Applications: [{ Name: 'Hadoop' }, { Name: 'Spark' }],
        Instances: {
          KeepJobFlowAliveWhenNoSteps: true,
          InstanceGroups: [
            { Name: 'primary', InstanceRole: 'MASTER', Market: 'ON_DEMAND', InstanceType: 'm5.xlarge', InstanceCount: 1 },
            { Name: 'core', InstanceRole: 'CORE', Market: 'ON_DEMAND', InstanceType: 'm5.xlarge', InstanceCount: 2 },
          ],
        },
        JobFlowRole: 'EMR_EC2_DefaultRole',
        ServiceRole: 'EMR_DefaultRole',
        AutoTerminationPolicy: { IdleTimeout: 3600 },
        Tags: [
          { Key: TAG.course, Value: DEFAULT_CONFIG.course },
          { Key: TAG.cohort, Value: cohort },
          { Key: TAG.student, Value: student },
          { Key: TAG.lab, Value: 'day2-joins' },
        ],
      }),
    );
    await emr.send(
      new AddJobFlowStepsCommand({
        JobFlowId,
        Steps: [{ Name: 'day2-joins:joins 20261125-101500-abcd', ActionOnFailure: 'CONTINUE', HadoopJarStep: { Jar: 'command-runner.jar', Args: ['spark-submit', 'day2_joins.py'] } }],
      }),
    );
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/ElasticMapReduce',
        MetricData: Object.entries(metrics).map(([MetricName, Value]) => ({ MetricName, Value, Dimensions: [{ Name: 'JobFlowId', Value: JobFlowId }], Timestamp: new Date(Date.now() - 60_000) })),
      }),
    );
    out.push({ student, clusterId: JobFlowId!, metrics });
  }
  emr.destroy();
  cw.destroy();
  return out;
}

/**
 * In a describe block: moto started before the tests with a seeded cohort, stopped after. The returned object fills
 * in once the setup ran: `env` points the CLI at moto (with its own LABS_HOME), `seeded` lists the clusters.
 */
export function motoCohort(cohort: string, students: { student: string; metrics: Record<string, number> }[], extraEnv: Record<string, string> = {}) {
  const fixture = { env: {} as Record<string, string>, seeded: [] as SeededStudent[] };
  let stop = async () => {};
  beforeAll(async () => {
    const m = await startMoto();
    stop = m.stop;
    fixture.env = { ...m.env, LABS_HOME: mkdtempSync(path.join(os.tmpdir(), 'labs-home-')), ...extraEnv };
    fixture.seeded = await seedCohort(m.endpoint, cohort, students);
  }, 60_000);
  afterAll(() => stop());
  return fixture;
}
