import type { Command } from 'commander';
import { awsFlags } from '../../aws-flags.js';
import { c, line, printJson, table } from '../../output.js';
import { cohortInput, cohortSubcommand, rosterOf, type CohortFlags } from './options.js';

export function registerCohortStatus(cohort: Command): void {
  cohortSubcommand(cohort, 'status', "the cohort's live clusters, and the roster students without one").action(async (flags: CohortFlags, cmd: Command) => {
    const { cohort: name } = cohortInput(flags);
    const roster = await rosterOf(flags);
    const [app, cohorts] = await Promise.all([import('../../../app/emr/cohort-commands.js'), import('../../../app/emr/cohort.js')]);
    await app.withCohortSession(awsFlags(cmd), async ({ ctx, config }) => {
      const views = await cohorts.cohortStatus(ctx, config, name);
      const missing = (roster ?? []).map((r) => r.student).filter((s) => !views.some((v) => v.student === s));
      if (flags.json) return printJson({ cohort: name, clusters: views, withoutCluster: missing });
      if (!views.length) line(`${name}: no live cluster`);
      else line(table([[c.bold('STUDENT'), c.bold('CLUSTER'), c.bold('STATE'), c.bold('LAB'), c.bold('KIND'), c.bold('EXPIRES')], ...views.map((v) => [v.student ?? '?', v.id, v.state, v.lab ?? '-', v.fleets ? 'fleets' : 'groups', v.expiresAt ?? '-'])]));
      if (missing.length) line(c.yellow(`no live cluster: ${missing.join(', ')} (\`labs cohort up\` makes them)`));
    });
  });
}
