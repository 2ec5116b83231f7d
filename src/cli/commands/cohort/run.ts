import type { Command } from 'commander';
import { InputError } from '../../../core/errors.js';
import { awsFlags } from '../../aws-flags.js';
import { assertCanConfirm, confirm } from '../../confirm.js';
import { line, printJson } from '../../output.js';
import { cohortInput, cohortOutput, cohortSubcommand, report, rosterOf, studentsInterrupt, type CohortFlags } from './options.js';

export function registerCohortRun(cohort: Command): void {
  cohortSubcommand(cohort, 'run [lab]', "queue a lab on every student's cluster").action(async (labId: string | undefined, flags: CohortFlags, cmd: Command) => {
    const { cohort: name, concurrency } = cohortInput(flags);
    if (!labId) throw new InputError('cohort run needs a lab', 'e.g. labs cohort run day2-joins --cohort fall-27');
    const lab = (await import('../../../app/lab-catalog.js')).loadLab(labId);
    const roster = await rosterOf(flags);
    const [app, cohorts] = await Promise.all([import('../../../app/emr/cohort-commands.js'), import('../../../app/emr/cohort.js')]);
    const { say, onProgress } = await cohortOutput(flags);
    if (!flags.dryRun) assertCanConfirm({ yes: flags.yes, what: `queue ${labId} on ${name}'s clusters` });
    await app.withCohortSession(awsFlags(cmd), async ({ ctx, config }) => {
      const students = await app.cohortStudents(ctx, config, { cohort: name, roster, forGrade: false });
      const fleets = Boolean(flags.fleets);
      const missing = await cohorts.studentsWithoutCluster(ctx, config, lab, students, { cohort: name, fleets });
      if (flags.dryRun) {
        if (flags.json) return printJson({ cohort: name, lab: lab.id, students, wouldCreateClustersFor: missing });
        return line(`would queue ${lab.id} (${lab.steps.length} steps) for ${students.length} students${missing.length ? `, creating clusters for ${missing.join(', ')}` : ''}; nothing was sent`);
      }
      if (missing.length && !(await confirm(`${missing.length} students have no cluster for ${lab.id}: create ${missing.length} clusters?`, { yes: flags.yes, what: `create ${missing.length} clusters` }))) return line('nothing queued');
      const outcomes = await studentsInterrupt(say, (signal) =>
        cohorts.cohortRun(config, lab, students, { ...app.studentEngineOptions(ctx, name, fleets), ctx, onProgress, signal, concurrency, onMessage: say, fleets }),
      );
      return report(outcomes, flags.json, `cohort run ${lab.id}`, `labs cohort run ${lab.id} --cohort ${name}`);
    });
  });
}
