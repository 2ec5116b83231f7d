import type { Command } from 'commander';
import { InputError } from '../../../core/errors.js';
import { awsFlags } from '../../aws-flags.js';
import { assertCanConfirm, confirm } from '../../confirm.js';
import { line, printJson } from '../../output.js';
import { cohortInput, cohortOutput, cohortSubcommand, report, rosterOf, studentsInterrupt, type CohortFlags } from './options.js';

export function registerCohortUp(cohort: Command): void {
  cohortSubcommand(cohort, 'up', 'a tagged, auto-terminating cluster per roster student (a live one is reused)').action(async (flags: CohortFlags, cmd: Command) => {
    const { cohort: name, concurrency } = cohortInput(flags);
    if (!flags.roster) throw new InputError('cohort up needs --roster', 'pass a CSV with a `student` column');
    const roster = (await rosterOf(flags))!;
    const [app, cohorts] = await Promise.all([import('../../../app/emr/cohort-commands.js'), import('../../../app/emr/cohort.js')]);
    const { say, onProgress } = await cohortOutput(flags);
    if (flags.dryRun) {
      const { config, ...plan } = app.planCohortUp(roster, { cohort: name, fleets: Boolean(flags.fleets), flags: awsFlags(cmd) });
      if (flags.json) return printJson({ cohort: name, ...plan });
      for (const r of plan.requests) line(`${r.student}: ${r.runJobFlow.Name}`);
      const cost = plan.hourlyUsd === undefined ? 'cost unknown' : `~$${plan.hourlyUsd.toFixed(2)}/hour while up`;
      return line(`would create up to ${plan.requests.length} clusters (${cost}; each ends after ${Math.round(config.emr.idleTimeoutSeconds / 60)} min idle); nothing was sent`);
    }
    assertCanConfirm({ yes: flags.yes, what: `create ${name}'s clusters` });
    await app.withCohortSession(awsFlags(cmd), async ({ ctx, config }) => {
      const hourlyUsd = cohorts.classHourlyUsd(config, roster.length);
      const cost = hourlyUsd === undefined ? '' : ` (~$${hourlyUsd.toFixed(2)}/hour while up; each ends after ${Math.round(config.emr.idleTimeoutSeconds / 60)} min idle)`;
      if (!(await confirm(`create up to ${roster.length} EMR clusters for ${name}${cost}?`, { yes: flags.yes, what: 'create clusters' }))) return line('nothing created');
      const outcomes = await studentsInterrupt(say, (signal) => cohorts.cohortUp(ctx, config, roster, { cohort: name, concurrency, fleets: Boolean(flags.fleets), now: new Date(), onMessage: say, onProgress, signal }));
      return report(outcomes, flags.json, 'cohort up', `labs cohort up --cohort ${name} --roster ${flags.roster}`);
    });
  });
}
