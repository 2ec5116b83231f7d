import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, mergeConfig, type Config } from '../../../src/core/config.js';
import { clusterShape, planCluster, validateClusterPlan } from '../../../src/core/emr/cluster-plan.js';
import { GLUE_FACTORY, labConfigurations, mergeConfigurations } from '../../../src/core/emr/configurations.js';
import { planSteps, validateSteps } from '../../../src/core/emr/steps-plan.js';
import { isExpired, TAG, tagValue } from '../../../src/core/emr/tags.js';
import { InputError } from '../../../src/core/errors.js';
import { LabSchema, type Lab } from '../../../src/core/lab/lab-schema.js';

const now = new Date('2026-11-25T10:00:00Z');
const lab = (over: Record<string, unknown> = {}): Lab =>
  LabSchema.parse({
    id: 'day2-joins',
    day: 2,
    title: 'Joins',
    topics: ['joins'],
    spark: { conf: { 'spark.sql.adaptive.enabled': true, 'spark.dynamicAllocation.enabled': false } },
    steps: [{ name: 'joins', job: 'spark-jobs/python/day2_joins.py', args: ['--out', '{out}', '--data', '{data}/orders'] }],
    ...over,
  });
const base = { config: DEFAULT_CONFIG, student: 'ana', idempotencyKey: 'k-1', now, bucket: 'b' };

describe('planCluster', () => {
  it('builds an instance-group cluster with auto-termination, roles, logs and tags', () => {
    const input = planCluster({ ...base, lab: lab(), fleets: false, cohort: 'fall-27' });
    expect(input.ReleaseLabel).toBe('emr-7.13.0');
    expect(input.Applications).toEqual([{ Name: 'Hadoop' }, { Name: 'Spark' }]);
    expect(input.AutoTerminationPolicy).toEqual({ IdleTimeout: 3600 });
    expect(input.ServiceRole).toBe('EMR_DefaultRole');
    expect(input.JobFlowRole).toBe('EMR_EC2_DefaultRole');
    expect(input.LogUri).toBe('s3://b/ana/logs/');
    expect(input.VisibleToAllUsers).toBe(true);
    expect(input.Instances?.InstanceFleets).toBeUndefined();
    expect(input.Instances?.InstanceGroups?.map((g) => [g.InstanceRole, g.InstanceType, g.InstanceCount])).toEqual([
      ['MASTER', 'm5.xlarge', 1],
      ['CORE', 'm5.xlarge', 2],
    ]);
    expect(input.Instances?.InstanceGroups?.[0]?.EbsConfiguration?.EbsBlockDeviceConfigs?.[0]?.VolumeSpecification).toEqual({ VolumeType: 'gp3', SizeInGB: 64 });
    const tags = input.Tags!;
    expect(tagValue(tags, TAG.student)).toBe('ana');
    expect(tagValue(tags, TAG.cohort)).toBe('fall-27');
    expect(tagValue(tags, TAG.lab)).toBe('day2-joins');
    expect(tagValue(tags, TAG.course)).toBe('spark-on-emr');
    expect(tagValue(tags, TAG.createdBy)).toBe('emr-spark-labs');
    expect(tagValue(tags, TAG.idempotencyKey)).toBe('k-1');
    expect(tagValue(tags, TAG.expiresAt)).toBe('2026-11-25T22:00:00.000Z');
    expect(input.SecurityConfiguration).toBeUndefined();
  });

  it('builds fleets: on-demand primary, Spot core with price-capacity-optimized and a switch to on-demand', () => {
    const config = mergeConfig([{ source: 't', values: { emr: { subnetIds: ['subnet-0a', 'subnet-0b'] } } }]);
    const input = planCluster({ ...base, config, lab: lab({ cluster: { profile: 'large' } }), fleets: true });
    const [primary, core, task] = input.Instances!.InstanceFleets!;
    expect(input.Instances?.InstanceGroups).toBeUndefined();
    expect(input.Instances?.Ec2SubnetIds).toEqual(['subnet-0a', 'subnet-0b']);
    expect(primary).toMatchObject({ InstanceFleetType: 'MASTER', TargetOnDemandCapacity: 1 });
    expect(primary!.LaunchSpecifications?.SpotSpecification).toBeUndefined();
    expect(core).toMatchObject({ InstanceFleetType: 'CORE', TargetSpotCapacity: 4, TargetOnDemandCapacity: 0 });
    expect(core!.InstanceTypeConfigs!.length).toBeGreaterThan(1);
    expect(core!.LaunchSpecifications?.SpotSpecification).toEqual({ TimeoutDurationMinutes: 10, TimeoutAction: 'SWITCH_TO_ON_DEMAND', AllocationStrategy: 'price-capacity-optimized' });
    expect(task).toMatchObject({ InstanceFleetType: 'TASK', TargetSpotCapacity: 2 });
  });

  it('uses one subnet for groups and sets the security configuration when configured', () => {
    const config = mergeConfig([{ source: 't', values: { emr: { subnetIds: ['subnet-0a', 'subnet-0b'], securityConfiguration: 'labs-sec' } } }]);
    const input = planCluster({ ...base, config, lab: lab(), fleets: false });
    expect(input.Instances?.Ec2SubnetId).toBe('subnet-0a');
    expect(input.SecurityConfiguration).toBe('labs-sec');
  });

  it('refuses fleets for a lab that needs instance groups', () => {
    expect(() => planCluster({ ...base, lab: lab({ cluster: { fleets: false } }), fleets: true })).toThrowError(InputError);
  });

  it('always has auto-termination, also for the base cluster of `labs cluster up`', () => {
    const input = planCluster({ ...base, fleets: true });
    expect(input.AutoTerminationPolicy?.IdleTimeout).toBe(3600);
    expect(input.Configurations).toBeUndefined();
    expect(tagValue(input.Tags, TAG.lab)).toBeUndefined();
  });

  it('checks EMR limits on the built request', () => {
    const input = planCluster({ ...base, lab: lab(), fleets: false });
    expect(() => validateClusterPlan({ ...input, AutoTerminationPolicy: { IdleTimeout: 59 } })).toThrowError(/IdleTimeout is 59; EMR allows 60..604800/);
    expect(() => validateClusterPlan({ ...input, AutoTerminationPolicy: { IdleTimeout: 604801 } })).toThrowError(InputError);
    expect(() => validateClusterPlan({ ...input, StepConcurrencyLevel: 257 })).toThrowError(/StepConcurrencyLevel/);
    const fleets = planCluster({ ...base, lab: lab(), fleets: true }).Instances!.InstanceFleets!;
    expect(() => validateClusterPlan({ ...input, Instances: { ...input.Instances, InstanceFleets: fleets } })).toThrowError(/both instance groups and instance fleets/);
    expect(() => planCluster({ ...base, student: 'x'.repeat(300), lab: lab(), fleets: false })).toThrowError(/too long/);
  });

  it('gives labs with the same cluster needs the same shape, and a Glue lab or a side-by-side-steps lab another', () => {
    const other = lab({ id: 'day2-other', spark: { conf: { 'spark.sql.shuffle.partitions': 8 } } });
    expect(clusterShape(DEFAULT_CONFIG, lab({ spark: { conf: {} } }), false)).toBe(clusterShape(DEFAULT_CONFIG, other, false));
    expect(clusterShape(DEFAULT_CONFIG, other, false)).toBe(clusterShape(DEFAULT_CONFIG, undefined, false));
    expect(clusterShape(DEFAULT_CONFIG, lab({ cluster: { catalog: 'glue' } }), false)).not.toBe(clusterShape(DEFAULT_CONFIG, other, false));
    expect(clusterShape(DEFAULT_CONFIG, other, true)).not.toBe(clusterShape(DEFAULT_CONFIG, other, false));
    expect(clusterShape(DEFAULT_CONFIG, lab({ cluster: { stepConcurrency: 2 } }), false)).not.toBe(clusterShape(DEFAULT_CONFIG, other, false));
  });
});

describe('labConfigurations', () => {
  it('puts only cluster-wide Spark settings in spark-defaults (the rest travel with each step)', () => {
    expect(labConfigurations(lab())).toEqual([{ Classification: 'spark-defaults', Properties: { 'spark.dynamicAllocation.enabled': 'false' } }]);
  });

  it('adds the Glue Data Catalog client factory for catalog: glue', () => {
    const c = labConfigurations(lab({ spark: { conf: {} }, cluster: { catalog: 'glue' } }));
    expect(c).toEqual([{ Classification: 'spark-hive-site', Properties: { 'hive.metastore.client.factory.class': GLUE_FACTORY } }]);
  });

  it("sets EMR's magic committer in core-site and never Apache's PathOutputCommitProtocol", () => {
    const c = labConfigurations(lab({ spark: { conf: {} }, cluster: { committer: 'magic' } }));
    expect(c).toHaveLength(1);
    expect(c[0]!.Classification).toBe('core-site');
    expect(c[0]!.Properties).toMatchObject({ 'fs.s3a.committer.magic.enabled': 'true', 'fs.s3a.committer.name': 'magicv2' });
    expect(JSON.stringify(c)).not.toMatch(/PathOutputCommitProtocol|BindingParquetOutputCommitter/);
  });

  it("merges the lab's own classifications, the lab winning on the same key", () => {
    const c = labConfigurations(
      lab({
        spark: { conf: {} },
        cluster: {
          committer: 'magic',
          configurations: [
            { Classification: 'core-site', Properties: { 'fs.s3a.committer.name': 'magic' } },
            { Classification: 'yarn-site', Properties: { 'yarn.nodemanager.vmem-check-enabled': 'false' } },
          ],
        },
      }),
    );
    expect(c.map((x) => x.Classification)).toEqual(['core-site', 'yarn-site']);
    expect(c[0]!.Properties!['fs.s3a.committer.name']).toBe('magic');
  });

  it('merges nested configurations', () => {
    const merged = mergeConfigurations(
      [{ Classification: 'spark-env', Configurations: [{ Classification: 'export', Properties: { A: '1' } }] }],
      [{ Classification: 'spark-env', Configurations: [{ Classification: 'export', Properties: { B: '2' } }] }],
    );
    expect(merged).toEqual([{ Classification: 'spark-env', Properties: {}, Configurations: [{ Classification: 'export', Properties: { A: '1', B: '2' } }] }]);
  });
});

describe('planSteps', () => {
  const o = (l: Lab) => ({ lab: l, layout: { bucket: 'b', student: 'ana' }, runId: 'r1', artifactSha: { 'spark-jobs/python/day2_joins.py': 'a'.repeat(64), 'spark-jobs/python/labkit.py': 'b'.repeat(64), 'spark-jobs/python/labkit_jobs.py': 'c'.repeat(64) } });

  it('submits each step with command-runner.jar in cluster mode, s3 paths; a failure cancels the steps after it', () => {
    const [step] = planSteps(o(lab()));
    expect(step).toMatchObject({ Name: 'day2-joins:joins r1', ActionOnFailure: 'CANCEL_AND_WAIT', HadoopJarStep: { Jar: 'command-runner.jar' } });
    const args = step!.HadoopJarStep!.Args!;
    expect(args.slice(0, 3)).toEqual(['spark-submit', '--deploy-mode', 'cluster']);
    expect(args).toContain('s3://b/ana/artifacts/aaaaaaaaaaaa/spark-jobs/python/day2_joins.py');
    expect(args).toContain('s3://b/ana/artifacts/bbbbbbbbbbbb/spark-jobs/python/labkit.py,s3://b/ana/artifacts/cccccccccccc/spark-jobs/python/labkit_jobs.py');
    expect(args.slice(-4)).toEqual(['--out', 's3://b/ana/runs/day2-joins/r1/joins', '--data', 's3://b/ana/data/day2-joins/orders']);
  });

  it('steps that run side by side (stepConcurrency > 1) CONTINUE: EMR refuses CANCEL_AND_WAIT there', () => {
    expect(planSteps(o(lab({ cluster: { stepConcurrency: 2 } })))[0]!.ActionOnFailure).toBe('CONTINUE');
  });

  it('uses s3a:// paths for a magic-committer lab (EMR applies MagicCommitProtocol to s3a)', () => {
    const args = planSteps(o(lab({ cluster: { committer: 'magic' } })))[0]!.HadoopJarStep!.Args!;
    expect(args.slice(-4)).toEqual(['--out', 's3a://b/ana/runs/day2-joins/r1/joins', '--data', 's3a://b/ana/data/day2-joins/orders']);
  });

  it('enforces 256 steps and 10240 characters of HadoopJarStep strings', () => {
    const step = { Name: 's', ActionOnFailure: 'CONTINUE' as const, HadoopJarStep: { Jar: 'command-runner.jar', Args: ['x'.repeat(5000)] } };
    expect(() => validateSteps([step, step], 'l')).not.toThrow();
    expect(() => validateSteps([step, step, step], 'l')).toThrowError(/total 15054 characters; EMR allows 10240/);
    const tiny = { ...step, HadoopJarStep: { Jar: 'j' } };
    expect(() => validateSteps(Array(257).fill(tiny), 'l')).toThrowError(/at most 256/);
  });
});

describe('tags', () => {
  it('finds expired clusters by their expires-at tag only', () => {
    expect(isExpired([{ Key: TAG.expiresAt, Value: '2026-11-25T09:00:00Z' }], now)).toBe(true);
    expect(isExpired([{ Key: TAG.expiresAt, Value: '2026-11-25T11:00:00Z' }], now)).toBe(false);
    expect(isExpired([], now)).toBe(false);
  });
});

describe('config', () => {
  it('reads list and number settings from strings', async () => {
    const { envLayer } = await import('../../../src/core/config.js');
    const c: Config = mergeConfig([envLayer({ LABS_SUBNETS: 'subnet-0a, subnet-0b' })]);
    expect(c.emr.subnetIds).toEqual(['subnet-0a', 'subnet-0b']);
  });
});
