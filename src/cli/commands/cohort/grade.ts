import type { Command } from 'commander';
import { InputError } from '../../../core/errors.js';
import { awsFlags } from '../../aws-flags.js';
import { c, line, printJson, table } from '../../output.js';
import { cohortInput, cohortSubcommand, rosterOf, type CohortFlags } from './options.js';

export function registerCohortGrade(cohort: Command): void {
  cohortSubcommand(cohort, 'grade [lab]', "each student's latest run of a lab, graded by its checks")
    .option('--csv <file>', "also write a grade sheet (student, lab, passed/failed/not run, each check's measured value)")
    .action(async (labId: string | undefined, flags: CohortFlags & { csv?: string }, cmd: Command) => {
    const { cohort: name, concurrency } = cohortInput(flags);
    if (!labId) throw new InputError('cohort grade needs a lab', 'e.g. labs cohort grade day2-joins --cohort fall-27');
    const lab = (await import('../../../app/lab-catalog.js')).loadLab(labId);
    const roster = await rosterOf(flags);
    const [app, cohorts, sheet] = await Promise.all([import('../../../app/emr/cohort-commands.js'), import('../../../app/emr/cohort.js'), import('../../../app/grade-sheet.js')]);
    await app.withCohortSession(awsFlags(cmd), async ({ ctx, config }) => {
      const students = await app.cohortStudents(ctx, config, { cohort: name, roster, forGrade: true });
      const engines = app.studentEngineOptions(ctx, name);
      const grades = await cohorts.cohortGrade(lab, students, {
        labsHome: engines.labsHome,
        cohort: name,
        concurrency,
        engineFor: (student) => cohorts.studentEngine(config, student, engines),
        s3: { client: ctx.clients.s3, bucket: ctx.layout.bucket },
      });
      if (flags.csv) await (await import('../../grade-sheet-file.js')).writeGradeSheet(flags.csv, lab, grades);
      if (flags.json) return printJson({ cohort: name, lab: lab.id, grades });
      line(
        table([
          [c.bold('STUDENT'), c.bold('STATE'), c.bold('CHECKS'), c.bold('RUN'), c.bold('NOT PASSED')],
          ...grades.map((g) => [g.student, g.state, `${sheet.checksPassedCell(g)}${g.pending ? ` (${g.pending} unanswered)` : ''}`, g.runId ? `${g.runId} (${g.source})` : '-', g.failing.join('; ') || '-']),
        ]),
      );
      const done = grades.filter(sheet.passedEveryCheck).length;
      line(`${lab.id}: ${done} of ${grades.length} students passed every check`);
    });
  });
}
