import type { Command } from 'commander';
import { awsFlags } from '../../aws-flags.js';
import { assertCanConfirm, confirm } from '../../confirm.js';
import { line, printJson } from '../../output.js';
import { cohortInput, cohortOutput, cohortSubcommand, rosterOf, type CohortFlags } from './options.js';

export function registerCohortDown(cohort: Command): void {
  cohortSubcommand(cohort, 'down', "terminate the cohort's clusters").action(async (flags: CohortFlags, cmd: Command) => {
    const { cohort: name } = cohortInput(flags);
    await rosterOf(flags);
    const [app, cohorts] = await Promise.all([import('../../../app/emr/cohort-commands.js'), import('../../../app/emr/cohort.js')]);
    const { onProgress } = await cohortOutput(flags);
    if (!flags.dryRun) assertCanConfirm({ yes: flags.yes, what: `terminate ${name}'s clusters` });
    await app.withCohortSession(awsFlags(cmd), async ({ ctx, config }) => {
      const ids = (await cohorts.cohortClusters(ctx, config, name)).map((cl) => cl.Id!);
      if (!ids.length) return flags.json ? printJson({ cohort: name, terminated: [] }) : line(`${name}: no live cluster to terminate`);
      if (flags.dryRun) return flags.json ? printJson({ cohort: name, wouldTerminate: ids }) : line(`would terminate ${ids.length} clusters: ${ids.join(', ')}`);
      if (!(await confirm(`terminate all ${ids.length} clusters of ${name}?`, { yes: flags.yes, what: `terminate ${ids.length} clusters` }))) return line('nothing terminated');
      await cohorts.cohortDown(ctx, config, ids, { onProgress });
      return flags.json ? printJson({ cohort: name, terminated: ids }) : line(`terminating ${ids.length} clusters of ${name}`);
    });
  });
}
