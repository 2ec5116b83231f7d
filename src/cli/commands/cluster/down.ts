import type { Command } from 'commander';
import { assertCanConfirm, confirm } from '../../confirm.js';
import { line, printJson } from '../../output.js';
import { clusterSubcommand, withStudentSession, type ClusterFlags } from './options.js';

export function registerClusterDown(cluster: Command): void {
  clusterSubcommand(cluster, 'down', 'terminate your clusters').action(async (flags: ClusterFlags, cmd: Command) => {
    assertCanConfirm({ yes: flags.yes, what: 'terminate your cluster' });
    const clusters = await import('../../../app/emr/clusters.js');
    await withStudentSession(cmd, flags, async ({ ctx, config }) => {
      const live = await clusters.studentClusters(ctx, config);
      if (!live.length) return flags.json ? printJson({ terminated: [] }) : line('no live cluster to terminate');
      const ids = live.map((v) => v.id);
      if (!(await confirm(`terminate ${ids.join(', ')}?`, { yes: flags.yes, what: `terminate ${ids.join(', ')}` }))) return line('nothing terminated');
      await clusters.terminate(ctx, ids);
      return flags.json ? printJson({ terminated: ids }) : line(`terminating ${ids.join(', ')}`);
    });
  });
}
