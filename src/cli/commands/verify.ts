import path from 'node:path';
import type { Command } from 'commander';
import { InputError, InterruptedError, LabFailedError } from '../../core/errors.js';
import { c, formatSeconds, line, printJson } from '../output.js';
import { interruptSignal } from '../signals.js';

interface VerifyFlags {
  all?: boolean;
  local?: boolean;
  sandbox?: boolean;
  json?: boolean;
}

export function registerVerify(program: Command): void {
  program
    .command('verify [labs...]')
    .description("check labs as a course's CI would: EMR requests against the AWS service models, the EMR flow against moto, a run on local Spark (and with --sandbox on the EMR sandbox)")
    .option('--all', 'every lab')
    .option('--no-local', 'skip the local Spark run (the EMR layers take seconds; Spark takes minutes per lab)')
    .option('--sandbox', 'also run the EMR flow for real on the EMR sandbox (YARN, S3, checks); started and stopped again if it is not up')
    .option('--json', 'print one JSON document')
    .action(async (ids: string[], flags: VerifyFlags) => {
      if (!flags.all && !ids.length) throw new InputError('name the labs to verify, or --all', 'e.g. labs verify day2-joins, or labs verify --all');
      if (flags.all && ids.length) throw new InputError('give lab ids or --all, not both');
      const [{ labIds, loadLab }, { loadConfig }, paths, { createEngine }, { verifyLab }, { requirementsFile }, { venvFor }] = await Promise.all([
        import('../../app/lab-catalog.js'),
        import('../../app/config-store.js'),
        import('../../app/paths.js'),
        import('../../app/engines.js'),
        import('../../app/verify.js'),
        import('../../engines/local/local-engine.js'),
        import('../../engines/local/python-env.js'),
      ]);
      // Every lab is loaded first: a broken lab.yaml or an unknown id fails here, before anything runs.
      const labs = (flags.all ? labIds() : ids).map((id) => loadLab(id));
      const config = loadConfig({ target: 'local' });
      const say = flags.json ? () => {} : (m: string) => process.stderr.write(`${c.dim(m)}\n`);
      const { signal, dispose } = interruptSignal(() => process.stderr.write('\nstopping: ending the Spark process cleanly (Ctrl-C again to force)\n'));
      const results = [];
      // a sandbox this command started is stopped again at the end; one that was up stays up
      let startedSandbox = false;
      let moto: Promise<{ endpoint: string; bucket: string; stop(): Promise<void> }> | undefined;
      try {
        // The venv (botocore's models, moto) and the Scala jar (its checksum is in the EMR requests) come first.
        const setup = createEngine(config);
        await setup.prepare((e) => (e.type === 'setup' ? say(e.message) : undefined), signal);
        await setup.dispose?.();
        const venvBin = path.join(venvFor(paths.cacheDir(), requirementsFile(paths.projectRoot), config.local.python).dir, 'bin');
        if (flags.sandbox) {
          const { probeSandbox } = await import('../../engines/sandbox/sandbox-home.js');
          startedSandbox = (await probeSandbox(paths.labsHome())).state !== 'up';
        }
        for (const lab of labs) {
          if (signal.aborted) break;
          say(`verifying ${lab.id}`);
          const r = await verifyLab(lab, {
            config,
            projectRoot: paths.projectRoot,
            cacheDir: paths.cacheDir(),
            venvBin,
            moto: () =>
              (moto ??= import('../../engines/local/s3-emulator.js').then(async ({ startS3Emulator }) => {
                const server = await startS3Emulator(path.join(venvBin, 'moto_server'), ['labs-verify']);
                return { endpoint: server.endpoint, bucket: 'labs-verify', stop: server.stop };
              })),
            local: flags.local !== false,
            onEvent: (e) => (e.type === 'step-end' ? say(`  ${e.step.name}: ${e.step.state} in ${formatSeconds(e.step.seconds)}`) : undefined),
            signal,
            localEngine: () => createEngine(config),
            sandboxEngine: flags.sandbox ? () => createEngine({ ...config, target: 'sandbox' }) : undefined,
          });
          results.push(r);
          if (!flags.json) {
            line(`${r.ok ? c.green('✓') : c.red('✗')} ${c.bold(r.lab)}`);
            for (const l of r.layers) line(`  ${l.ok ? c.green('✓') : c.red('✗')} ${l.layer.padEnd(14)} ${l.detail} ${c.dim(`(${formatSeconds(l.seconds)})`)}`);
          }
        }
      } finally {
        dispose();
        await (await moto)?.stop();
        if (startedSandbox) await (await import('../../engines/sandbox/sandbox-launch.js')).stopSandbox(paths.labsHome());
      }
      if (signal.aborted) throw new InterruptedError(`verify stopped after ${results.length} of ${labs.length} labs`, 'run it again to verify the rest');
      if (flags.json) printJson({ ok: results.every((r) => r.ok), labs: results });
      const failed = results.filter((r) => !r.ok);
      if (failed.length) {
        const error = new LabFailedError(`${failed.length} of ${results.length} labs failed verification: ${failed.map((r) => r.lab).join(', ')}`, 'the ✗ lines above say which layer and why');
        error.documentPrinted = Boolean(flags.json);
        throw error;
      }
      if (!flags.json) line(`${results.length} lab${results.length === 1 ? '' : 's'} verified`);
    });
}
