import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { TAG, tagValue } from '../../core/emr-tags.js';
import { EnvironmentError, InputError } from '../../core/errors.js';
import type { RosterEntry } from '../../core/roster.js';
import type { StudentOutcome } from '../../app/emr/cohort.js';
import { awsFlags } from '../aws-flags.js';
import { assertCanConfirm, confirm } from '../confirm.js';
import { c, line, printJson, table } from '../output.js';

interface CohortFlags {
  cohort?: string;
  roster?: string;
  fleets?: boolean;
  concurrency?: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
}

const ACTIONS = ['up', 'status', 'run', 'grade', 'down'];
const NAME = /^[A-Za-z0-9._-]{1,64}$/;

function concurrencyOf(flag: string | undefined): number {
  if (flag === undefined) return 4;
  const n = Number(flag);
  if (!Number.isInteger(n) || n < 1 || n > 32) throw new InputError(`--concurrency must be a whole number from 1 to 32, not "${flag}"`);
  return n;
}

async function readRoster(file: string): Promise<RosterEntry[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`cannot read the roster ${file}`, 'pass the path of a CSV file with a `student` column');
  }
  return (await import('../../core/roster.js')).parseRoster(text, file);
}

/** Per-student lines, then a one-line error (exit 3) if any student failed: the others are done and re-running is safe. */
function report(outcomes: StudentOutcome[], json: boolean | undefined, what: string, rerun: string): void {
  if (json) printJson({ students: outcomes });
  else for (const o of outcomes) line(`${o.ok ? c.green('✓') : c.red('✗')} ${o.student}: ${o.detail}`);
  const failed = outcomes.filter((o) => !o.ok);
  if (failed.length) {
    const error = new EnvironmentError(`${what} failed for ${failed.length} of ${outcomes.length} students (${failed.map((f) => f.student).join(', ')})`, `fix the cause above and run \`${rerun}\` again: students already done are left as they are`);
    error.documentPrinted = Boolean(json);
    throw error;
  }
}

/** Students named by cohort run records on this machine (for grading without a roster). */
function recordedStudents(labsHome: string, cohort: string): string[] {
  const dir = path.join(labsHome, 'cohorts', cohort);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

export function registerCohort(program: Command): void {
  program
    .command('cohort <action> [lab]')
    .description('a class at once: up (a cluster per roster student), status, run <lab> (queued on every cluster), grade <lab>, down')
    .option('--cohort <name>', 'the class: its clusters carry this tag')
    .option('--roster <csv>', 'CSV with a `student` column (optional: name, email); needed by up')
    .option('--fleets', 'up/run: instance-fleet clusters')
    .option('--concurrency <n>', 'students handled at once (1-32)', undefined)
    .option('--dry-run', 'say what would happen; change nothing')
    .option('--yes', 'do not ask before creating or terminating clusters')
    .option('--json', 'print one JSON document')
    .action(async (action: string, labId: string | undefined, flags: CohortFlags, cmd: Command) => {
      if (!ACTIONS.includes(action)) throw new InputError(`unknown cohort action "${action}"`, `use one of: ${ACTIONS.join(', ')}`);
      if (!flags.cohort) throw new InputError('--cohort is required', 'name the class, e.g. --cohort fall-27');
      if (!NAME.test(flags.cohort)) throw new InputError(`--cohort "${flags.cohort}" is not a valid name`, 'letters, digits, dot, dash, underscore (max 64)');
      const cohort = flags.cohort;
      const concurrency = concurrencyOf(flags.concurrency);
      if (action === 'up' && !flags.roster) throw new InputError('cohort up needs --roster', 'pass a CSV with a `student` column');
      if (action === 'run' && !labId) throw new InputError('cohort run needs a lab', 'e.g. labs cohort run day2-joins --cohort fall-27');
      if (action === 'grade' && !labId) throw new InputError('cohort grade needs a lab', 'e.g. labs cohort grade day2-joins --cohort fall-27');
      const { loadLab } = await import('../../app/lab-catalog.js');
      const lab = labId ? loadLab(labId) : undefined;
      const roster = flags.roster ? await readRoster(flags.roster) : undefined;
      const [{ loadConfig }, paths, cohorts] = await Promise.all([import('../../app/config-store.js'), import('../../app/paths.js'), import('../../app/emr/cohort.js')]);
      const reporter = (await import('../reporters/cohort-progress.js')).cohortReporter({ json: flags.json, dim: c.dim });
      const say = reporter.message;
      const onProgress = reporter.progress;

      if (action === 'up' && flags.dryRun) {
        const config = loadConfig({ target: 'emr' });
        const { defaultBucket } = await import('../../core/emr-layout.js');
        const bucket = config.emr.bucket ?? defaultBucket('123456789012', config.emr.region ?? 'us-east-1');
        const plan = cohorts.planCohort(config, roster!, { cohort, fleets: Boolean(flags.fleets), now: new Date(), bucket });
        if (flags.json) return printJson({ cohort, ...plan });
        for (const r of plan.requests) line(`${r.student}: ${r.runJobFlow.Name}`);
        const cost = plan.hourlyUsd === undefined ? 'cost unknown' : `~$${plan.hourlyUsd.toFixed(2)}/hour while up`;
        return line(`would create up to ${plan.requests.length} clusters (${cost}; each ends after ${Math.round(config.emr.idleTimeoutSeconds / 60)} min idle); nothing was sent`);
      }
      const asks: Record<string, string> = { up: `create ${cohort}'s clusters`, run: `queue ${labId} on ${cohort}'s clusters`, down: `terminate ${cohort}'s clusters` };
      if (asks[action] && !flags.dryRun) assertCanConfirm({ yes: flags.yes, what: asks[action] });

      const { openEmr } = await import('../../app/emr/session.js');
      const session = await openEmr(awsFlags(cmd));
      const { ctx, config } = session;
      // Ctrl-C: students under way finish, the rest are left alone; the same command again resumes
      const interrupt = (await import('../signals.js')).interruptSignal(() => say('stopping after the students under way (Ctrl-C again quits now)'));
      const signal = interrupt.signal;
      try {
        if (action === 'up') {
          const hourlyUsd = cohorts.classHourlyUsd(config, roster!.length);
          const cost = hourlyUsd === undefined ? '' : ` (~$${hourlyUsd.toFixed(2)}/hour while up; each ends after ${Math.round(config.emr.idleTimeoutSeconds / 60)} min idle)`;
          if (!(await confirm(`create up to ${roster!.length} EMR clusters for ${cohort}${cost}?`, { yes: flags.yes, what: 'create clusters' }))) return line('nothing created');
          const outcomes = await cohorts.cohortUp(ctx, config, roster!, { cohort, concurrency, fleets: Boolean(flags.fleets), now: new Date(), onMessage: say, onProgress, signal });
          return report(outcomes, flags.json, 'cohort up', `labs cohort up --cohort ${cohort} --roster ${flags.roster}`);
        }

        if (action === 'status') {
          const views = await cohorts.cohortStatus(ctx, config, cohort);
          const missing = (roster ?? []).map((r) => r.student).filter((s) => !views.some((v) => v.student === s));
          if (flags.json) return printJson({ cohort, clusters: views, withoutCluster: missing });
          if (!views.length) line(`${cohort}: no live cluster`);
          else line(table([[c.bold('STUDENT'), c.bold('CLUSTER'), c.bold('STATE'), c.bold('LAB'), c.bold('KIND'), c.bold('EXPIRES')], ...views.map((v) => [v.student ?? '?', v.id, v.state, v.lab ?? '-', v.fleets ? 'fleets' : 'groups', v.expiresAt ?? '-'])]));
          if (missing.length) line(c.yellow(`no live cluster: ${missing.join(', ')} (\`labs cohort up\` makes them)`));
          return;
        }

        if (action === 'down') {
          const live = await cohorts.cohortClusters(ctx, config, cohort);
          const ids = live.map((cl) => cl.Id!);
          if (!ids.length) return flags.json ? printJson({ cohort, terminated: [] }) : line(`${cohort}: no live cluster to terminate`);
          if (flags.dryRun) return flags.json ? printJson({ cohort, wouldTerminate: ids }) : line(`would terminate ${ids.length} clusters: ${ids.join(', ')}`);
          if (!(await confirm(`terminate all ${ids.length} clusters of ${cohort}?`, { yes: flags.yes, what: `terminate ${ids.length} clusters` }))) return line('nothing terminated');
          await cohorts.cohortDown(ctx, config, ids, { onProgress });
          return flags.json ? printJson({ cohort, terminated: ids }) : line(`terminating ${ids.length} clusters of ${cohort}`);
        }

        const students = roster?.map((r) => r.student) ?? (action === 'grade' ? recordedStudents(paths.labsHome(), cohort) : [...new Set((await cohorts.cohortClusters(ctx, config, cohort)).map((cl) => tagValue(cl.Tags, TAG.student) ?? ''))].filter(Boolean).sort());
        if (!students.length) throw new InputError(`${cohort}: no students found`, 'pass --roster, or `labs cohort up` first');

        if (action === 'run') {
          const fleets = Boolean(flags.fleets);
          const missing = await cohorts.studentsWithoutCluster(ctx, config, lab!, students, { cohort, fleets });
          if (flags.dryRun) {
            if (flags.json) return printJson({ cohort, lab: lab!.id, students, wouldCreateClustersFor: missing });
            return line(`would queue ${lab!.id} (${lab!.steps.length} steps) for ${students.length} students${missing.length ? `, creating clusters for ${missing.join(', ')}` : ''}; nothing was sent`);
          }
          if (missing.length && !(await confirm(`${missing.length} students have no cluster for ${lab!.id}: create ${missing.length} clusters?`, { yes: flags.yes, what: `create ${missing.length} clusters` }))) return line('nothing queued');
          const outcomes = await cohorts.cohortRun(config, lab!, students, { ctx, onProgress, signal, cohort, concurrency, onMessage: say, labsHome: paths.labsHome(), projectRoot: paths.projectRoot, cacheDir: paths.cacheDir(), fleets, clients: ctx.clients });
          return report(outcomes, flags.json, `cohort run ${lab!.id}`, `labs cohort run ${lab!.id} --cohort ${cohort}`);
        }

        const engines = { labsHome: paths.labsHome(), cohort, projectRoot: paths.projectRoot, cacheDir: paths.cacheDir(), clients: ctx.clients };
        const grades = await cohorts.cohortGrade(lab!, students, {
          labsHome: paths.labsHome(),
          cohort,
          concurrency,
          engineFor: (student) => cohorts.studentEngine(config, student, engines),
          s3: { client: ctx.clients.s3, bucket: ctx.layout.bucket },
        });
        if (flags.json) return printJson({ cohort, lab: lab!.id, grades });
        line(
          table([
            [c.bold('STUDENT'), c.bold('STATE'), c.bold('CHECKS'), c.bold('RUN'), c.bold('NOT PASSED')],
            ...grades.map((g) => [g.student, g.state, `${g.passed}/${g.total}${g.pending ? ` (${g.pending} unanswered)` : ''}`, g.runId ? `${g.runId} (${g.source})` : '-', g.failing.join('; ') || '-']),
          ]),
        );
        const done = grades.filter((g) => g.total > 0 && g.passed === g.total).length;
        line(`${lab!.id}: ${done} of ${grades.length} students passed every check`);
      } finally {
        interrupt.dispose();
        session.close();
      }
    });
}
