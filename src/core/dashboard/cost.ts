/**
 * A small cost model for the dashboard: instance-hours times a price table. It is an ESTIMATE, shown as "~$":
 * on-demand Linux prices in us-east-1 (EC2 + the EMR uplift, USD per instance-hour) for the instance types the
 * course's cluster profiles use. It leaves out EBS, data transfer, S3 and CloudWatch, and prices Spot capacity at the
 * on-demand rate (so fleets on Spot read high). Billing is per second from the moment instances start; we count from
 * the cluster's creation, which runs a few minutes early. An unknown instance type makes the estimate unknown rather
 * than wrong. The AWS Pricing API would be exact but needs another permission and a call per type: not worth it for
 * a number whose job is to make "leave it running overnight" visible.
 */
export const HOURLY_USD: Readonly<Record<string, { ec2: number; emr: number }>> = {
  'm5.xlarge': { ec2: 0.192, emr: 0.048 },
  'm5a.xlarge': { ec2: 0.172, emr: 0.043 },
  'm6i.xlarge': { ec2: 0.192, emr: 0.048 },
  'm5.2xlarge': { ec2: 0.384, emr: 0.096 },
  'm5a.2xlarge': { ec2: 0.344, emr: 0.086 },
  'm6i.2xlarge': { ec2: 0.384, emr: 0.096 },
  'r5.2xlarge': { ec2: 0.504, emr: 0.126 },
  'r5a.2xlarge': { ec2: 0.452, emr: 0.113 },
  'r6i.2xlarge': { ec2: 0.504, emr: 0.126 },
};

export interface InstanceShape {
  /** primary, core or task */
  role: string;
  type: string;
  count: number;
}

/** USD per hour for these instances, or undefined when a type is not in the table. */
export function hourlyCost(instances: readonly InstanceShape[]): number | undefined {
  let total = 0;
  for (const i of instances) {
    const price = HOURLY_USD[i.type];
    if (!price) return undefined;
    total += i.count * (price.ec2 + price.emr);
  }
  return total;
}

/** Estimated USD spent between two instants (ms) by these instances. */
export function costBetween(instances: readonly InstanceShape[], fromMs: number, toMs: number): number | undefined {
  const perHour = hourlyCost(instances);
  if (perHour === undefined) return undefined;
  return (perHour * Math.max(0, toMs - fromMs)) / 3_600_000;
}

/** "m5.xlarge x1 + m5.xlarge x2": what a cluster is made of, in one short line. */
export function describeShape(instances: readonly InstanceShape[]): string {
  return instances.map((i) => `${i.role} ${i.count}x ${i.type}`).join(', ');
}
