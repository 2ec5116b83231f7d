import { clusterName } from '../emr-cluster-name.js';
import { createHash } from 'node:crypto';
import type { EbsConfiguration, InstanceFleetConfig, InstanceGroupConfig, JobFlowInstancesConfig, RunJobFlowInput } from '@aws-sdk/client-emr';
import type { ClusterProfile, Config } from '../config.js';
import { labConfigurations } from './configurations.js';
import { defaultLogUri } from './layout.js';
import { clusterTags } from './tags.js';
import { InputError } from '../errors.js';
import type { Lab } from '../lab/lab-schema.js';

/** EMR's documented bounds, checked before anything is sent. */
export const EMR_LIMITS = {
  idleTimeout: { min: 60, max: 604800 },
  stepConcurrency: { min: 1, max: 256 },
  spotTimeoutMinutes: { min: 5, max: 1440 },
  instanceTypesPerFleet: 30,
  tags: 50,
  tagKey: 128,
  tagValue: 256,
  name: 256,
} as const;

export interface ClusterPlanOptions {
  config: Config;
  /** the lab the cluster is for; none for `labs cluster up` (the course's base cluster) */
  lab?: Lab | undefined;
  student: string;
  cohort?: string | undefined;
  fleets: boolean;
  idempotencyKey: string;
  now: Date;
  bucket: string;
  /** clusterShape(config, lab, fleets), when the caller has it already */
  shape?: string | undefined;
}

export const APPLICATIONS = [{ Name: 'Hadoop' }, { Name: 'Spark' }];

function ebs(gb: number): EbsConfiguration {
  return { EbsBlockDeviceConfigs: [{ VolumeSpecification: { VolumeType: 'gp3', SizeInGB: gb }, VolumesPerInstance: 1 }], EbsOptimized: true };
}

function instanceGroups(p: ClusterProfile): InstanceGroupConfig[] {
  const groups: InstanceGroupConfig[] = [
    { Name: 'primary', InstanceRole: 'MASTER', Market: 'ON_DEMAND', InstanceType: p.primaryTypes[0]!, InstanceCount: 1, EbsConfiguration: ebs(p.ebsGb) },
  ];
  if (p.coreCount > 0) groups.push({ Name: 'core', InstanceRole: 'CORE', Market: 'ON_DEMAND', InstanceType: p.coreTypes[0]!, InstanceCount: p.coreCount, EbsConfiguration: ebs(p.ebsGb) });
  if (p.taskCount > 0) groups.push({ Name: 'task', InstanceRole: 'TASK', Market: 'ON_DEMAND', InstanceType: p.coreTypes[0]!, InstanceCount: p.taskCount, EbsConfiguration: ebs(p.ebsGb) });
  return groups;
}

/**
 * Fleets: the primary on demand (losing it loses the cluster); core and task on Spot across several instance types
 * with price-capacity-optimized, switching to on-demand when Spot is not granted in time.
 */
function instanceFleets(p: ClusterProfile, spotTimeoutMinutes: number): InstanceFleetConfig[] {
  const types = (list: string[]) => list.map((InstanceType) => ({ InstanceType, WeightedCapacity: 1, EbsConfiguration: ebs(p.ebsGb) }));
  const spot = {
    SpotSpecification: { TimeoutDurationMinutes: spotTimeoutMinutes, TimeoutAction: 'SWITCH_TO_ON_DEMAND' as const, AllocationStrategy: 'price-capacity-optimized' as const },
    OnDemandSpecification: { AllocationStrategy: 'lowest-price' as const },
  };
  const fleets: InstanceFleetConfig[] = [
    {
      Name: 'primary',
      InstanceFleetType: 'MASTER',
      TargetOnDemandCapacity: 1,
      InstanceTypeConfigs: types(p.primaryTypes),
      LaunchSpecifications: { OnDemandSpecification: { AllocationStrategy: 'lowest-price' } },
    },
  ];
  if (p.coreCount > 0) fleets.push({ Name: 'core', InstanceFleetType: 'CORE', TargetSpotCapacity: p.coreCount, TargetOnDemandCapacity: 0, InstanceTypeConfigs: types(p.coreTypes), LaunchSpecifications: spot });
  if (p.taskCount > 0) fleets.push({ Name: 'task', InstanceFleetType: 'TASK', TargetSpotCapacity: p.taskCount, TargetOnDemandCapacity: 0, InstanceTypeConfigs: types(p.coreTypes), LaunchSpecifications: spot });
  return fleets;
}

/** What a cluster is for, as a short hash: a lab reuses a live cluster with the same shape. */
export function clusterShape(config: Config, lab: Lab | undefined, fleets: boolean): string {
  const profile = lab?.cluster.profile ?? 'small';
  const basis = {
    release: config.emr.releaseLabel,
    apps: APPLICATIONS,
    fleets,
    profile: config.emr.profiles[profile],
    configurations: lab ? labConfigurations(lab) : [],
    // a reused cluster must run the lab's steps the way the lab says: one at a time, or side by side
    stepConcurrency: lab?.cluster.stepConcurrency ?? 1,
    security: config.emr.securityConfiguration ?? null,
  };
  return createHash('sha256').update(JSON.stringify(basis)).digest('hex').slice(0, 12);
}

/**
 * The same intent always makes the same key: a retry, or the next command after Ctrl-C, finds the cluster the
 * first attempt made instead of making a second.
 */
export function idempotencyKey(course: string, cohort: string | undefined, student: string, shape: string): string {
  return createHash('sha256').update(JSON.stringify([course, cohort ?? '', student, shape])).digest('hex').slice(0, 32);
}

/** lab + config -> the exact RunJobFlow request. Pure; validated against EMR's limits. */
export function planCluster(o: ClusterPlanOptions): RunJobFlowInput {
  const { config, lab } = o;
  if (o.fleets && lab && !lab.cluster.fleets) {
    throw new InputError(`${lab.id} needs an instance-group cluster (its lab.yaml says cluster.fleets: false)`, 'run it without --fleets');
  }
  const profile = config.emr.profiles[lab?.cluster.profile ?? 'small'];
  const shape = o.shape ?? clusterShape(config, lab, o.fleets);
  const subnets = config.emr.subnetIds;
  const instances: JobFlowInstancesConfig = {
    // The cluster outlives a step: the student's next lab reuses it; auto-termination ends it when idle.
    KeepJobFlowAliveWhenNoSteps: true,
    TerminationProtected: false,
    ...(o.fleets
      ? { InstanceFleets: instanceFleets(profile, config.emr.spotTimeoutMinutes), ...(subnets.length ? { Ec2SubnetIds: subnets } : {}) }
      : { InstanceGroups: instanceGroups(profile), ...(subnets[0] ? { Ec2SubnetId: subnets[0] } : {}) }),
  };
  const expiresAt = new Date(o.now.getTime() + config.emr.maxLifetimeHours * 3600_000);
  const configurations = lab ? labConfigurations(lab) : [];
  const input: RunJobFlowInput = {
    Name: clusterName({ student: o.student, lab: lab?.id, course: config.course, cohort: o.cohort, shape, fleets: o.fleets, idempotencyKey: o.idempotencyKey }).slice(0, EMR_LIMITS.name),
    ReleaseLabel: config.emr.releaseLabel,
    Applications: APPLICATIONS,
    LogUri: config.emr.logUri ?? defaultLogUri({ bucket: o.bucket, student: o.student }),
    Instances: instances,
    ServiceRole: config.emr.serviceRole,
    JobFlowRole: config.emr.instanceProfile,
    VisibleToAllUsers: true,
    StepConcurrencyLevel: lab?.cluster.stepConcurrency ?? 1,
    AutoTerminationPolicy: { IdleTimeout: config.emr.idleTimeoutSeconds },
    Tags: clusterTags({ course: config.course, cohort: o.cohort, student: o.student, lab: lab?.id, expiresAt, idempotencyKey: o.idempotencyKey, shape }),
    ...(configurations.length ? { Configurations: configurations } : {}),
    ...(config.emr.securityConfiguration ? { SecurityConfiguration: config.emr.securityConfiguration } : {}),
  };
  validateClusterPlan(input);
  return input;
}

/**
 * The cluster a lab (or, without one, the course's base cluster) needs for this student: the RunJobFlow request with
 * its shape and idempotency key worked out here, once, for every caller (run plan, `cluster up`, `cohort up`).
 */
export function clusterRequest(o: Omit<ClusterPlanOptions, 'idempotencyKey' | 'shape'>): { request: RunJobFlowInput; shape: string; idempotencyKey: string } {
  const shape = clusterShape(o.config, o.lab, o.fleets);
  const key = idempotencyKey(o.config.course, o.cohort, o.student, shape);
  return { request: planCluster({ ...o, shape, idempotencyKey: key }), shape, idempotencyKey: key };
}

function within(what: string, value: number | undefined, range: { min: number; max: number }, hint: string): void {
  if (value === undefined || !Number.isInteger(value) || value < range.min || value > range.max) {
    throw new InputError(`${what} is ${value}; EMR allows ${range.min}..${range.max}`, hint);
  }
}

/** EMR's limits, checked on the built request so every path (plan, cluster up, start) gets the same answer. */
export function validateClusterPlan(input: RunJobFlowInput): void {
  within('AutoTerminationPolicy.IdleTimeout', input.AutoTerminationPolicy?.IdleTimeout, EMR_LIMITS.idleTimeout, 'set emr.idleTimeoutSeconds between 60 and 604800');
  within('StepConcurrencyLevel', input.StepConcurrencyLevel, EMR_LIMITS.stepConcurrency, 'set cluster.stepConcurrency in lab.yaml between 1 and 256');
  const inst = input.Instances;
  if (inst?.InstanceGroups?.length && inst.InstanceFleets?.length) {
    throw new InputError('a cluster request has both instance groups and instance fleets', 'this is a bug in labs: report it with `labs plan <lab> --json`');
  }
  for (const fleet of inst?.InstanceFleets ?? []) {
    if ((fleet.InstanceTypeConfigs?.length ?? 0) > EMR_LIMITS.instanceTypesPerFleet) {
      throw new InputError(`fleet ${fleet.Name} lists ${fleet.InstanceTypeConfigs?.length} instance types; EMR allows ${EMR_LIMITS.instanceTypesPerFleet}`, 'shorten the profile\'s type lists in the course config');
    }
    const spot = fleet.LaunchSpecifications?.SpotSpecification;
    if (spot) within(`fleet ${fleet.Name} Spot timeout`, spot.TimeoutDurationMinutes, EMR_LIMITS.spotTimeoutMinutes, 'set emr.spotTimeoutMinutes between 5 and 1440');
  }
  const tags = input.Tags ?? [];
  if (tags.length > EMR_LIMITS.tags) throw new InputError(`${tags.length} tags; EMR allows ${EMR_LIMITS.tags}`);
  for (const t of tags) {
    if ((t.Key ?? '').length > EMR_LIMITS.tagKey || (t.Value ?? '').length > EMR_LIMITS.tagValue) {
      throw new InputError(`tag ${t.Key} is too long (keys 128, values 256 characters)`, 'use a shorter course, cohort or student name');
    }
  }
}
