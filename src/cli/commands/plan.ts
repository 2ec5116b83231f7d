import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { awsFlags } from '../aws-flags.js';
import { c, line, printJson } from '../output.js';

interface PlanFlags {
  target?: string;
  fleets?: boolean;
  json?: boolean;
  student?: string;
}

export function registerPlan(program: Command): void {
  program
    .command('plan <lab>')
    .description('print the exact AWS requests `labs start --target emr` would send, without sending anything')
    .option('--target <target>', 'emr (the only target with AWS requests)', 'emr')
    .option('--fleets', 'an instance-fleet cluster instead of instance groups')
    .option('--student <id>', 'student id (tags, S3 prefix); default from config')
    .option('--json', 'print one JSON document')
    .action(async (id: string, flags: PlanFlags, cmd: Command) => {
      if (flags.target !== 'emr') throw new InputError(`--target ${flags.target}: only the emr target sends AWS requests`, 'labs plan <lab> --target emr');
      const [{ loadLab }, { loadConfig }, { buildEmrPlan }, { projectRoot }, { regionForNames }] = await Promise.all([
        import('../../app/lab-catalog.js'),
        import('../../app/config-store.js'),
        import('../../app/emr/plan.js'),
        import('../../app/paths.js'),
        import('../../app/aws-session.js'),
      ]);
      const lab = loadLab(id);
      const config = loadConfig({ target: 'emr', student: flags.student });
      const plan = buildEmrPlan(lab, config, { projectRoot, fleets: Boolean(flags.fleets), now: new Date(), region: regionForNames(config, awsFlags(cmd)) });
      if (flags.json) return printJson(plan);
      line(c.bold(`RunJobFlow (${flags.fleets ? 'instance fleets' : 'instance groups'})`));
      line(JSON.stringify(plan.runJobFlow, null, 2));
      line(c.bold(`\nPutObject (${plan.putObject.length} files, each skipped when unchanged)`));
      for (const u of plan.putObject) line(`  ${u.file} -> s3://${u.bucket}/${u.key}`);
      line(c.bold(`\nAddJobFlowSteps (one call, ${plan.addJobFlowSteps[0]?.Steps?.length ?? 0} steps, run in this order)`));
      line(JSON.stringify(plan.addJobFlowSteps, null, 2));
      line('');
      for (const n of plan.notes) line(c.dim(`note: ${n}`));
    });
}
