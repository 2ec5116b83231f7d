import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { printJson } from '../output.js';

export function registerIamPolicy(program: Command): void {
  program
    .command('iam-policy')
    .description('print the least-privilege IAM policy (JSON) the tool needs: exactly the actions it calls, scoped by tags and S3 prefix')
    .option('--role <role>', 'student, instructor, or runtime (the permissions of a student\'s EMR runtime role)', 'student')
    .option('--student <id>', 'role student: whose clusters and prefix; default from config')
    .action(async (flags: { role: string; student?: string }) => {
      if (!['student', 'instructor', 'runtime'].includes(flags.role)) throw new InputError(`--role must be student, instructor or runtime, not "${flags.role}"`);
      const [{ loadConfig }, { iamPolicy }, { runtimeRolePolicy }] = await Promise.all([import('../../app/config-store.js'), import('../../core/emr/iam-policy.js'), import('../../core/emr/runtime-role.js')]);
      const config = loadConfig({ student: flags.student });
      if (flags.role === 'runtime') return printJson(runtimeRolePolicy({ bucket: config.emr.bucket ?? 'emr-spark-labs-*', student: config.student }));
      printJson(
        iamPolicy({
          role: flags.role as 'student' | 'instructor',
          course: config.course,
          student: config.student,
          // Without a course bucket, the default names are per account and region: emr-spark-labs-<account>-<region>.
          bucket: config.emr.bucket ?? 'emr-spark-labs-*',
          serviceRole: config.emr.serviceRole,
          instanceProfile: config.emr.instanceProfile,
          runtimeRole: config.emr.runtimeRole,
        }),
      );
    });
}
