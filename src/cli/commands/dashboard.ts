import type { Command } from 'commander';
import { EnvironmentError, InputError } from '../../core/errors.js';
import { newestRun } from '../../core/run/followed-run.js';
import { awsFlags } from '../aws-flags.js';
import { TARGET_HELP, targetFlag } from '../target-flag.js';
import { line, printJson } from '../output.js';

interface DashboardFlags {
  cohort?: string;
  once?: boolean;
  json?: boolean;
  interval?: string;
  target?: string;
  student?: string;
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('watch your cluster or local run live (or a whole cohort with --cohort): steps, metrics, cost, Spark UI')
    .option('--cohort <name>', 'instructor view: every cluster tagged with this cohort (EMR)')
    .option('--once', 'draw one frame and exit')
    .option('--json', 'print one JSON document (one refresh) and exit')
    .option('--interval <seconds>', 'refresh interval (default 30 on EMR, at least 5; 2 locally, at least 1)')
    .option('--target <target>', `${TARGET_HELP} (default: the newest run's, else the config's)`)
    .option('--student <id>', 'whose cluster (default from config)')
    .action(async (flags: DashboardFlags, cmd: Command) => {
      const asked = targetFlag(flags.target);
      if (flags.cohort && flags.target === 'local') throw new InputError('--cohort watches EMR clusters', 'drop --target local');
      const [{ loadConfig }, { RunStore }, paths, feed, state, views] = await Promise.all([
        import('../../app/config-store.js'),
        import('../../app/run-store.js'),
        import('../../app/paths.js'),
        import('../../app/dashboard-feed.js'),
        import('../../core/dashboard/state.js'),
        import('../../core/dashboard/views.js'),
      ]);
      const runs = new RunStore(paths.runsDir());
      // Without --target (or --cohort) the dashboard follows the newest run: its target and student, not the config's.
      const followed = flags.cohort || flags.target ? undefined : newestRun(runs.latestOfEach());
      // --cohort watches EMR, or the sandbox's clusters with --target sandbox
      const config = loadConfig({ target: flags.cohort ? (asked === 'sandbox' ? 'sandbox' : 'emr') : (asked ?? followed?.target), student: flags.student ?? (followed && followed.target !== 'local' ? followed.student : undefined) });
      const target = config.target;
      const interval = feed.refreshIntervalMs(target, flags.interval);
      let current = state.initialDashboardState({ mode: flags.cohort ? 'cohort' : 'student', target, label: flags.cohort ?? config.student, now: Date.now() });

      let source;
      let fetchSparkUi: ((clusterId: string) => Promise<string>) | undefined;
      let release = () => {};
      if (target !== 'local') {
        const [{ sessionClients }, { emrSource }, emr] = await Promise.all([
          import('../../app/aws-session.js'),
          import('../../app/dashboard-emr-source.js'),
          import('../../aws/emr.js'),
        ]);
        const session = await sessionClients(config, awsFlags(cmd));
        const { clients } = session;
        release = session.close;
        source = emrSource({
          clients,
          course: config.course,
          cohort: flags.cohort,
          student: config.student,
          checks: () => views.checksFromRuns(runs.latestOfEach()),
          focus: () => current.ui.openCluster,
          intervalSeconds: interval.ms / 1000,
          quotas: config.emr.apiQuotas,
        });
        // Presigned: handed to the screen only, never stored or logged.
        fetchSparkUi = async (id) => (await emr.sparkUiUrl(clients.emr, await emr.describeCluster(clients.emr, id))).url;
      } else {
        const { localSource } = await import('../../app/dashboard-local-source.js');
        source = localSource({ runs: () => runs.latestOfEach() });
      }

      const live = !flags.json && Boolean(process.stdout.isTTY) && process.env.TERM !== 'dumb';
      try {
        if (flags.json || !live || flags.once) {
          await feed.refreshOnce(source, (e) => (current = state.reduceDashboard(current, e)));
          const error = current.refresh.error;
          if (error) throw new EnvironmentError(error.message, error.hint);
          if (flags.json) return printJson((await import('../../core/dashboard/document.js')).dashboardDocument(current));
          if (!live) return (await import('../reporters/dashboard-plain.js')).dashboardPlainLines(current).forEach((l) => line(l));
        }
        if (interval.raised) process.stderr.write(`--interval raised to ${interval.ms / 1000}s: the floor on ${target === 'local' ? 'the local engine' : target === 'sandbox' ? 'the sandbox' : 'EMR'}\n`);
        (await import('../no-color.js')).honourNoColor();
        (await import('../live-screen.js')).drawLiveEvenUnderCi();
        const { drawDashboard } = await import('../../ui/render-dashboard.js');
        await drawDashboard({
          initial: current,
          once: Boolean(flags.once),
          fetchSparkUi,
          onState: (s) => (current = s),
          poll: (emit, signal) => feed.poll(source, emit, { intervalMs: interval.ms, signal }),
        });
      } finally {
        release();
      }
    });
}
