import type { Command } from 'commander';
import { printJson } from '../../output.js';
import { clusterSubcommand, printClusters, withStudentSession, type ClusterFlags } from './options.js';

export function registerClusterStatus(cluster: Command): void {
  clusterSubcommand(cluster, 'status', 'your live clusters, with their latest metrics').action(async (flags: ClusterFlags, cmd: Command) => {
    const clusters = await import('../../../app/emr/clusters.js');
    await withStudentSession(cmd, flags, async ({ ctx, config }) => {
      const views = await clusters.clusterStatus(ctx, config, new Date());
      return flags.json ? printJson({ clusters: views }) : printClusters(views);
    });
  });
}
