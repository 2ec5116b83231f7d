import type { Config } from './config.js';
import { InputError } from './errors.js';

/**
 * A class's limits from the course config, checked before anything is created: how many clusters one cohort may
 * have (live ones included) and what they may cost an hour together. An unpriced instance type cannot be checked
 * against the ceiling: the cap still holds.
 */
export function checkCohortGuardrails(config: Config, o: { cohort: string; clusters: number; hourlyUsd: number | undefined }): void {
  const { cohortMaxClusters: cap, cohortMaxHourlyUsd: ceiling } = config.emr;
  if (o.clusters > cap) {
    throw new InputError(`${o.cohort} would have ${o.clusters} clusters, more than emr.cohortMaxClusters (${cap}); nothing was created`, `raise it in the course config (emr.cohortMaxClusters: ${o.clusters}) or split the roster`);
  }
  if (o.hourlyUsd !== undefined && o.hourlyUsd > ceiling) {
    throw new InputError(`${o.cohort} would cost ~$${o.hourlyUsd.toFixed(2)}/hour, more than emr.cohortMaxHourlyUsd ($${ceiling}); nothing was created`, `raise it in the course config (emr.cohortMaxHourlyUsd: ${Math.ceil(o.hourlyUsd)}) or use a smaller profile`);
  }
}
