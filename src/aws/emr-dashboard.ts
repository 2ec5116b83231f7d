import { GetAutoTerminationPolicyCommand, ListInstanceFleetsCommand, ListInstanceGroupsCommand, ListStepsCommand, type EMRClient, type StepSummary } from '@aws-sdk/client-emr';
import type { InstanceShape } from '../core/dashboard/cost.js';
import { aws } from './errors.js';

/**
 * The EMR reads only the dashboard needs (the rest is in emr.ts). Each is ONE call: the poller budgets calls per
 * refresh, so none of these paginates behind its back.
 */

/** The newest steps of a cluster, newest first: ListSteps' first page (50), which holds every step of a lab. */
export async function recentSteps(emr: EMRClient, clusterId: string): Promise<StepSummary[]> {
  const out = await aws(`list the steps of ${clusterId}`, () => emr.send(new ListStepsCommand({ ClusterId: clusterId })));
  return out.Steps ?? [];
}

const ROLE: Record<string, string> = { MASTER: 'primary', CORE: 'core', TASK: 'task' };
const ORDER = ['primary', 'core', 'task'];
const byRole = (a: InstanceShape, b: InstanceShape) => ORDER.indexOf(a.role) - ORDER.indexOf(b.role);

/**
 * What the cluster runs on, for the cost estimate: instance groups, or for a fleet cluster (ListInstanceGroups fails
 * or is empty there) the provisioned capacity of each fleet, priced as its first instance type (the course's fleets
 * weigh every type 1).
 */
export async function instanceShape(emr: EMRClient, clusterId: string): Promise<InstanceShape[]> {
  try {
    const out = await emr.send(new ListInstanceGroupsCommand({ ClusterId: clusterId }));
    const groups = out.InstanceGroups ?? [];
    if (groups.length) {
      return groups.map((g) => ({ role: ROLE[g.InstanceGroupType ?? ''] ?? 'task', type: g.InstanceType ?? '?', count: g.RunningInstanceCount ?? g.RequestedInstanceCount ?? 0 })).sort(byRole);
    }
  } catch {
    // a fleet cluster: fall through
  }
  const out = await aws(`list the instance fleets of ${clusterId}`, () => emr.send(new ListInstanceFleetsCommand({ ClusterId: clusterId })));
  return (out.InstanceFleets ?? []).map((f) => ({
    role: ROLE[f.InstanceFleetType ?? ''] ?? 'task',
    type: f.InstanceTypeSpecifications?.[0]?.InstanceType ?? '?',
    count: (f.ProvisionedOnDemandCapacity ?? 0) + (f.ProvisionedSpotCapacity ?? 0),
  })).sort(byRole);
}

/** The cluster's AutoTerminationPolicy.IdleTimeout in seconds; undefined when it has none. */
export async function idleTimeoutSeconds(emr: EMRClient, clusterId: string): Promise<number | undefined> {
  const out = await aws(`read the auto-termination policy of ${clusterId}`, () => emr.send(new GetAutoTerminationPolicyCommand({ ClusterId: clusterId })));
  return out.AutoTerminationPolicy?.IdleTimeout;
}
