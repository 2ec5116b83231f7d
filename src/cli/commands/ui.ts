import path from 'node:path';
import type { Command } from 'commander';
import { assertClusterId } from '../../core/aws-input.js';
import { awsFlags } from '../aws-flags.js';
import { line, printJson } from '../output.js';

export function registerUi(program: Command): void {
  program
    .command('ui [lab]')
    .description('a Spark UI link for your EMR cluster, no SSH needed (the link is a credential: it is printed, never saved)')
    .option('--cluster <id>', 'an ended cluster: opens a persistent Spark History Server for it')
    .option('--student <id>', 'student id; default from config')
    .option('--json', 'print one JSON document')
    .action(async (id: string | undefined, flags: { cluster?: string; student?: string; json?: boolean }, cmd: Command) => {
      const [{ loadLab }, { openAwsSession }, { sparkUi }, { persistentUiIdsFile }, { labsHome }] = await Promise.all([
        import('../../app/lab-catalog.js'),
        import('../../app/aws-session.js'),
        import('../../app/emr/clusters.js'),
        import('../../app/emr/persistent-ui-ids.js'),
        import('../../app/paths.js'),
      ]);
      if (id) loadLab(id);
      if (flags.cluster) assertClusterId(flags.cluster);
      const [{ latestRunTarget }, { loadConfig }] = await Promise.all([import('../../app/run-store.js'), import('../../app/config-store.js')]);
      // A lab whose latest run was on the sandbox (or, without a lab, target sandbox in the config) is shown there.
      if (!flags.cluster && (id ? latestRunTarget(id) : loadConfig().target) === 'sandbox') {
        // The sandbox's own History Server and ResourceManager on 127.0.0.1: plain links, nothing presigned.
        const { sandboxLinks } = await import('../../app/sandbox.js');
        const links = await sandboxLinks();
        if (flags.json) return printJson(links);
        line(`Spark History Server (sandbox): ${links.historyUrl}`);
        line(`YARN ResourceManager (sandbox): ${links.yarnUrl}`);
        return;
      }
      const session = await openAwsSession({ ...awsFlags(cmd), student: flags.student });
      try {
        const ui = await sparkUi(session.ctx, session.config, flags.cluster, persistentUiIdsFile(path.join(labsHome(), 'persistent-ui.json')));
        if (flags.json) return printJson(ui);
        line(`Spark ${ui.persistent ? 'History Server (persistent)' : 'History Server'} for ${ui.clusterId}:`);
        line(ui.url);
      } finally {
        session.close();
      }
    });
}
