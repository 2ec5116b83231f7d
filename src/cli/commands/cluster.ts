import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import type { ClusterView } from '../../app/emr/clusters.js';
import { awsFlags } from '../aws-flags.js';
import { assertCanConfirm, confirm } from '../confirm.js';
import { c, line, printJson, table } from '../output.js';
import { interruptSignal } from '../signals.js';

interface ClusterFlags {
  fleets?: boolean;
  yes?: boolean;
  json?: boolean;
  student?: string;
}

function printClusters(clusters: ClusterView[]): void {
  if (!clusters.length) return line('no live cluster');
  line(
    table([
      [c.bold('CLUSTER'), c.bold('STATE'), c.bold('KIND'), c.bold('LAB'), c.bold('IDLE'), c.bold('EXPIRES')],
      ...clusters.map((v) => [v.id, v.state, v.fleets ? 'fleets' : 'groups', v.lab ?? '-', v.idle === undefined ? '-' : v.idle ? 'yes' : 'no', v.expiresAt ?? '-']),
    ]),
  );
}

export function registerCluster(program: Command): void {
  program
    .command('cluster <action>')
    .description("your EMR cluster: up (find or create it, tagged, auto-terminating), down (terminate it), status")
    .option('--fleets', 'up: an instance-fleet cluster (Spot core/task, on-demand fallback)')
    .option('--yes', 'down: do not ask for confirmation')
    .option('--student <id>', 'student id; default from config')
    .option('--json', 'print one JSON document')
    .action(async (action: string, flags: ClusterFlags, cmd: Command) => {
      if (!['up', 'down', 'status'].includes(action)) throw new InputError(`unknown cluster action "${action}"`, 'use labs cluster up, down or status');
      if (action === 'down') assertCanConfirm({ yes: flags.yes, what: 'terminate your cluster' });
      const [{ openAwsSession }, clusters] = await Promise.all([import('../../app/aws-session.js'), import('../../app/emr/clusters.js')]);
      const session = await openAwsSession({ ...awsFlags(cmd), student: flags.student });
      const { ctx, config } = session;
      try {
        if (action === 'status') {
          const views = await clusters.clusterStatus(ctx, config, new Date());
          return flags.json ? printJson({ clusters: views }) : printClusters(views);
        }
        if (action === 'down') {
          const live = await clusters.studentClusters(ctx, config);
          if (!live.length) return flags.json ? printJson({ terminated: [] }) : line('no live cluster to terminate');
          const ids = live.map((v) => v.id);
          if (!(await confirm(`terminate ${ids.join(', ')}?`, { yes: flags.yes, what: `terminate ${ids.join(', ')}` }))) return line('nothing terminated');
          await clusters.terminate(ctx, ids);
          return flags.json ? printJson({ terminated: ids }) : line(`terminating ${ids.join(', ')}`);
        }
        const say = (m: string) => process.stderr.write(`${m}\n`);
        const { signal, dispose } = interruptSignal(() => say('\nstopped waiting; the cluster keeps starting (`labs cluster down` ends it)'));
        try {
          const up = await clusters.clusterUp(ctx, config, { fleets: Boolean(flags.fleets), now: new Date(), wait: { maxWaitTime: 45 * 60, minDelay: 30, maxDelay: 60, abortSignal: signal }, onMessage: say });
          if (flags.json) printJson(up);
          else line(`${up.cluster.id} ${up.cluster.state}${up.created ? ' (new)' : ''}`);
        } finally {
          dispose();
        }
      } finally {
        session.close();
      }
    });
}
