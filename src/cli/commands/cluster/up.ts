import type { Command } from 'commander';
import { line, printJson } from '../../output.js';
import { stopAtNextCall } from '../../../aws/abort-boundary.js';
import { interruptedClusterUp, interruptSignal } from '../../signals.js';
import { clusterSubcommand, withStudentSession, type ClusterFlags } from './options.js';

export function registerClusterUp(cluster: Command): void {
  clusterSubcommand(cluster, 'up', 'find or create your cluster (tagged, auto-terminating) and wait until it is ready').action(async (flags: ClusterFlags, cmd: Command) => {
    const clusters = await import('../../../app/emr/clusters.js');
    await withStudentSession(cmd, flags, async ({ ctx, config }) => {
      const say = (m: string) => process.stderr.write(`${m}\n`);
      const { signal, dispose } = interruptSignal(() => say('\nstopping at the next AWS call (Ctrl-C again to force)'));
      stopAtNextCall(ctx.clients, signal);
      try {
        const up = await clusters.clusterUp(ctx, config, { fleets: Boolean(flags.fleets), now: new Date(), wait: { maxWaitTime: 45 * 60, minDelay: 30, maxDelay: 60, abortSignal: signal }, onMessage: say });
        if (flags.json) printJson(up);
        else line(`${up.cluster.id} ${up.cluster.state}${up.created ? ' (new)' : ''}`);
      } catch (e) {
        throw interruptedClusterUp(e, ctx.layout.student);
      } finally {
        dispose();
      }
    });
  });
}
