import type { Cluster } from '@aws-sdk/client-emr';
import { EnvironmentError } from '../errors.js';

/** Why a cluster ended, in words, with the fix: EMR's state-change reason code says which kind of problem it is. */
export function explainClusterEnd(c: Cluster): EnvironmentError {
  const reason = c.Status?.StateChangeReason;
  const code = reason?.Code ?? 'UNKNOWN';
  const message = reason?.Message ?? 'no reason given';
  const hints: Record<string, string> = {
    VALIDATION_ERROR: 'check the roles (`aws emr create-default-roles`), emr.subnetIds and the instance types in the course config',
    INSTANCE_FAILURE: 'EC2 could not start the instances: try another subnet (emr.subnetIds) or --fleets',
    INSTANCE_FLEET_TIMEOUT: 'no capacity in time: add instance types to the profile or subnets to emr.subnetIds',
    BOOTSTRAP_FAILURE: 'a bootstrap action failed: read its log under the cluster\'s LogUri (node/<instance>/bootstrap-actions)',
    INTERNAL_ERROR: 'an EMR-internal error: run the command again',
    ALL_STEPS_COMPLETED: 'the cluster ended after its steps: run the command again to get a new one',
    USER_REQUEST: 'someone terminated it (`labs cluster down` or the console): run the command again for a new one',
  };
  return new EnvironmentError(`cluster ${c.Id} ended ${c.Status?.State}: ${code}: ${message}`, hints[code] ?? 'run `labs cluster status` and read the cluster\'s logs');
}
