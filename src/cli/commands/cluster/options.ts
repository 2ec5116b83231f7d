import type { Command } from 'commander';
import type { ClusterView } from '../../../app/emr/clusters.js';
import { c, line, table } from '../../output.js';

export interface ClusterFlags {
  fleets?: boolean;
  yes?: boolean;
  json?: boolean;
  student?: string;
}

/** A cluster sub-command with the flags they all accept (each uses the ones it needs). */
export function clusterSubcommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option('--fleets', 'up: an instance-fleet cluster (Spot core/task, on-demand fallback)')
    .option('--yes', 'down: do not ask for confirmation')
    .option('--student <id>', 'student id; default from config')
    .option('--json', 'print one JSON document');
}

export function printClusters(clusters: ClusterView[]): void {
  if (!clusters.length) return line('no live cluster');
  line(
    table([
      [c.bold('CLUSTER'), c.bold('STATE'), c.bold('KIND'), c.bold('LAB'), c.bold('IDLE'), c.bold('EXPIRES')],
      ...clusters.map((v) => [v.id, v.state, v.fleets ? 'fleets' : 'groups', v.lab ?? '-', v.idle === undefined ? '-' : v.idle ? 'yes' : 'no', v.expiresAt ?? '-']),
    ]),
  );
}

/** The student's AWS session for one cluster command, closed when `body` is done. */
export async function withStudentSession<T>(cmd: Command, flags: ClusterFlags, body: (s: import('../../../app/aws-session.js').AwsSession) => Promise<T>): Promise<T> {
  const [{ openAwsSession }, { awsFlags }] = await Promise.all([import('../../../app/aws-session.js'), import('../../aws-flags.js')]);
  const session = await openAwsSession({ ...awsFlags(cmd), student: flags.student });
  try {
    return await body(session);
  } finally {
    session.close();
  }
}
