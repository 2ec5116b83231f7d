import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../core/config.js';
import { diagnose } from '../../core/run/diagnose.js';
import { EnvironmentError } from '../../core/errors.js';
import type { Lab, Step } from '../../core/lab/lab-schema.js';
import type { RunListener, StepRecord } from '../../core/run/run-record.js';
import { isScalaJob, usesS3 } from '../../core/run/step-plan.js';
import { initialRecords, localStepArgv, runPlan, type LabFiles, type LocalWhere, type RunPlan } from '../../core/run/run-plan.js';
import type { Engine, PlanOptions, RunContext, StepOutcome } from '../engine.js';
import { readLabFiles } from '../lab-files.js';
import { requireJava } from './java.js';
import { freePort, isPortFree } from './ports.js';
import { ensurePythonEnv, venvFor, type PythonEnv } from './python-env.js';
import { ensureScalaJar } from '../scala-build.js';
import { runProcess } from './spark-process.js';
import { LOCAL_BUCKET, LOCAL_MAGIC_COMMITTER_CONF, S3A_EXCLUDES, S3A_PACKAGES, s3aConf, startS3Emulator, type S3Emulator } from './s3-emulator.js';
import { readProgress } from './spark-rest.js';

export interface LocalEngineOptions {
  config: Config;
  projectRoot: string;
  cacheDir: string;
  runsDir: string;
  eventLogDir: string;
  env?: NodeJS.ProcessEnv;
}

export const requirementsFile = (projectRoot: string) => path.join(projectRoot, 'spark-jobs', 'python', 'requirements.txt');

/** Spark on this machine: a pinned pyspark in a cached venv, spark-submit --master local[*], files for s3://. */
export class LocalEngine implements Engine {
  readonly target = 'local' as const;
  readonly queues = false;
  private files: LabFiles | undefined;
  private pyenv: PythonEnv | undefined;
  private s3: S3Emulator | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly opts: LocalEngineOptions) {
    this.env = opts.env ?? process.env;
  }

  /**
   * Java 17 and the venv, installing it on first use (with progress); the Scala jobs' jar when the lab has a Scala
   * step, or always without a lab (`labs setup local`), rebuilt only when its sources changed. The venv comes first:
   * its spark-submit runs the jar too.
   */
  async prepare(onEvent: RunListener, signal: AbortSignal, lab?: Lab): Promise<void> {
    requireJava(this.env);
    const reqs = requirementsFile(this.opts.projectRoot);
    const env = venvFor(this.opts.cacheDir, reqs, this.opts.config.local.python);
    const onProgress = (message: string) => onEvent({ type: 'setup', message });
    this.pyenv = await ensurePythonEnv(env, reqs, this.opts.config.local.python, onProgress, signal);
    if (!lab || lab.steps.some(isScalaJob)) {
      await ensureScalaJar({ projectRoot: this.opts.projectRoot, cacheDir: this.opts.cacheDir, onProgress, signal, env: this.env });
    }
  }

  private where(lab: Lab, runId: string, uiPort: number): LocalWhere {
    const dir = path.join(this.opts.runsDir, lab.id, runId);
    return {
      target: 'local',
      master: this.opts.config.local.master,
      dir,
      dataDir: path.join(this.opts.projectRoot, 'labs', lab.id, 'data'),
      artifactsDir: path.join(this.opts.projectRoot, 'spark-jobs'),
      bucket: LOCAL_BUCKET,
      extras: (step) => {
        const s3 = this.s3Extras(lab, step);
        return { conf: { ...this.engineConf(dir, uiPort), ...s3.conf }, packages: s3.packages };
      },
    };
  }

  private engineConf(dir: string, uiPort: number): Record<string, string> {
    return {
      'spark.ui.port': String(uiPort),
      // A port the user asked for: fail instead of silently moving to 4041, so the printed link is this app's.
      // With uiPort 0 we picked a free port and released it; another process may take it before Spark binds, so
      // there Spark may move on (Spark's default retries) rather than fail the lab.
      'spark.port.maxRetries': this.opts.config.local.uiPort === 0 ? '16' : '0',
      'spark.eventLog.enabled': 'true',
      'spark.eventLog.dir': `file://${this.opts.eventLogDir}`,
      'spark.driver.host': '127.0.0.1',
      // --packages (S3A, spark-avro) resolve from Maven Central once, then come from the cache (also in CI).
      'spark.jars.ivy': path.join(this.opts.cacheDir, 'ivy'),
      'spark.sql.warehouse.dir': `file://${path.join(dir, 'spark-warehouse')}`,
    };
  }

  /** The S3 settings and packages of a step that uses S3, when the emulator runs (or a placeholder for plans). */
  private s3Extras(lab: Lab, step: Step): { conf: Record<string, string>; packages: readonly string[] } {
    if (!usesS3(step)) return { conf: {}, packages: [] };
    return {
      conf: {
        ...s3aConf(this.s3?.endpoint ?? 'http://127.0.0.1:<emulator-port>'),
        ...(lab.cluster.committer === 'magic' ? LOCAL_MAGIC_COMMITTER_CONF : {}),
        'spark.jars.excludes': S3A_EXCLUDES.join(','),
      },
      packages: S3A_PACKAGES,
    };
  }

  /** The run as planned with the configured UI port; each step's argv is made again with the port it gets. */
  plan(lab: Lab, runId: string, o: PlanOptions = {}): RunPlan {
    const files = readLabFiles(lab, this.opts.projectRoot, { jobFiles: o.jobFiles, hash: false });
    this.files = files;
    return runPlan({ lab, config: this.opts.config, runId, student: this.opts.config.student, files, where: this.where(lab, runId, this.opts.config.local.uiPort) });
  }

  /** Nothing to send: the steps run here, one by one, in awaitStep(). */
  async submit(plan: RunPlan): Promise<StepRecord[]> {
    return initialRecords(plan);
  }

  /** A step that never started has nothing running to stop. */
  async cancel(): Promise<void> {}

  /** Start the S3 emulator the first time a step needs it; it lives until dispose(). */
  private async ensureS3(onEvent: RunListener): Promise<void> {
    if (this.s3 || !this.pyenv) return;
    this.s3 = await startS3Emulator(path.join(path.dirname(this.pyenv.python), 'moto_server'));
    onEvent({ type: 'setup', message: `local S3 emulator on ${this.s3.endpoint} (bucket ${LOCAL_BUCKET})` });
  }

  async dispose(): Promise<void> {
    const s3 = this.s3;
    this.s3 = undefined;
    await s3?.stop();
  }

  private async uiPort(): Promise<number> {
    const wanted = this.opts.config.local.uiPort;
    if (wanted === 0) return freePort();
    if (!(await isPortFree(wanted))) {
      throw new EnvironmentError(
        `port ${wanted} for the Spark UI is already in use (another Spark application or labs run?)`,
        'stop the other application, or run `labs config set local.uiPort 0` to use any free port',
      );
    }
    return wanted;
  }

  async awaitStep(run: RunPlan, planned: StepRecord, onEvent: RunListener, signal: AbortSignal): Promise<StepOutcome> {
    if (!this.pyenv || !this.files) throw new Error('LocalEngine.prepare() and plan() must run before awaitStep()');
    const step = run.lab.steps.find((s) => s.name === planned.name)!;
    const port = await this.uiPort();
    if (usesS3(step)) await this.ensureS3(onEvent);
    const out = planned.out;
    mkdirSync(out, { recursive: true });
    mkdirSync(this.opts.eventLogDir, { recursive: true });
    const argv = localStepArgv({ lab: run.lab, student: run.student, files: this.files }, this.where(run.lab, run.runId, port), step);
    const uiUrl = `http://127.0.0.1:${port}`;
    const logs = { stdout: path.join(out, 'stdout.log'), stderr: path.join(out, 'stderr.log') };
    const started = new Date();
    const record: StepRecord = { name: step.name, state: 'RUNNING', argv, out, startedAt: started.toISOString(), uiUrl, logs };
    onEvent({ type: 'step-start', step: { ...record } });

    const poll = setInterval(() => {
      void readProgress(uiUrl).then((progress) => {
        if (progress && record.state === 'RUNNING') onEvent({ type: 'step-progress', step: step.name, progress });
      });
    }, this.opts.config.local.progressIntervalMs);
    let outcome;
    try {
      outcome = await runProcess({
        command: this.pyenv.sparkSubmit,
        args: argv.slice(1),
        // The run directory: a Hive metastore (metastore_db, derby.log) or other stray files a job makes land there,
        // shared by the lab's steps, never in the project.
        cwd: run.dir,
        env: {
          ...this.env,
          PYSPARK_PYTHON: this.pyenv.python,
          PYSPARK_DRIVER_PYTHON: this.pyenv.python,
          // Bind the driver, block manager and UI to loopback only.
          SPARK_LOCAL_IP: '127.0.0.1',
        },
        stdoutFile: logs.stdout,
        stderrFile: logs.stderr,
        timeoutMs: step.timeoutMinutes * 60_000,
        signal,
      });
    } catch (e) {
      throw new EnvironmentError(`could not start spark-submit: ${(e as Error).message}`, 'run `labs setup local` to rebuild the Python venv');
    } finally {
      clearInterval(poll);
    }
    const ended = new Date();
    record.endedAt = ended.toISOString();
    record.seconds = (ended.getTime() - started.getTime()) / 1000;
    record.exitCode = outcome.exitCode ?? undefined;
    if (outcome.stoppedBy === 'interrupt') {
      record.state = 'CANCELLED';
    } else if (outcome.exitCode === 0 && !outcome.stoppedBy) {
      record.state = 'COMPLETED';
    } else {
      record.state = 'FAILED';
      record.failure =
        outcome.stoppedBy === 'timeout'
          ? { cause: 'unknown', summary: `timed out after ${step.timeoutMinutes} min`, frames: [], hint: 'raise timeoutMinutes in lab.yaml or look for a stuck stage in the Spark UI' }
          : diagnose(`${outcome.stderrTail}\n${outcome.stdoutTail}`);
    }
    onEvent({ type: 'step-end', step: { ...record } });
    return { record, stillLive: false };
  }

  async readResult(run: RunContext, step: string): Promise<unknown> {
    const file = path.join(run.dir, step, 'result.json');
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      return undefined;
    }
  }
}
