import type { Command } from 'commander';
import { awsFlags } from '../aws-flags.js';
import { assertCanConfirm, confirm } from '../confirm.js';
import { line, printJson } from '../output.js';

export function registerGc(program: Command): void {
  program
    .command('gc')
    .description("terminate this course's clusters that are past their expires-at tag")
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'print one JSON document')
    .action(async (flags: { yes?: boolean; json?: boolean }, cmd: Command) => {
      assertCanConfirm({ yes: flags.yes, what: 'terminate expired clusters' });
      const [{ openAwsSession }, clusters] = await Promise.all([import('../../app/aws-session.js'), import('../../app/emr/clusters.js')]);
      const session = await openAwsSession(awsFlags(cmd));
      try {
        const expired = await clusters.expiredClusters(session.ctx, session.config, new Date());
        const ids = expired.map((v) => v.id);
        if (!ids.length) return flags.json ? printJson({ terminated: [] }) : line('no expired cluster');
        for (const v of expired) if (!flags.json) line(`${v.id} ${v.state} student ${v.student ?? '?'} expired ${v.expiresAt}`);
        if (!(await confirm(`terminate ${ids.length} expired cluster${ids.length === 1 ? '' : 's'}?`, { yes: flags.yes, what: `terminate ${ids.length} expired clusters` }))) return line('nothing terminated');
        await clusters.terminate(session.ctx, ids);
        if (flags.json) printJson({ terminated: ids });
        else line(`terminating ${ids.join(', ')}`);
      } finally {
        session.close();
      }
    });
}
