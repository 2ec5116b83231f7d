import type { Config } from '../core/config.js';
import type { Lab } from '../core/lab/lab-schema.js';
import type { ExerciseRun } from './exercise-run.js';
import { registeredWorkspace } from './exercise-workspace.js';
import { cacheDir } from './paths.js';

/**
 * What `labs start` runs: the student's exercise when they registered a workspace for the lab (`labs exercise`),
 * unless they ask for the reference; else the bundled job. Undefined: the bundled job.
 */
export async function chooseExerciseRun(
  lab: Lab,
  o: { reference?: boolean | undefined; config: Config; signal: AbortSignal; onProgress: (message: string) => void; env?: NodeJS.ProcessEnv },
): Promise<ExerciseRun | undefined> {
  if (o.reference || !lab.exercise) return undefined;
  const env = o.env ?? process.env;
  const reg = registeredWorkspace(lab, env);
  if (!reg) return undefined;
  // loaded only for a student with a workspace: it brings the Python checker and the Scala build
  const { prepareExerciseRun } = await import('./exercise-run.js');
  return prepareExerciseRun(lab, { workspace: reg.dir, config: o.config, cacheDir: cacheDir(env), signal: o.signal, onProgress: o.onProgress, env });
}
