import type { SparkProgress } from '../../core/run/run-record.js';

/** The bits of Spark's monitoring REST API (/api/v1) that progress needs. */
interface RestStage {
  stageId: number;
  name: string;
  status: string;
  numTasks: number;
  numCompleteTasks: number;
}
interface RestJob {
  status: string;
}

async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    return res.ok ? ((await res.json()) as T) : undefined;
  } catch {
    // The UI is not up yet, or already gone: progress is best-effort.
    return undefined;
  }
}

/** Summarise jobs and stages into one progress value; pure so it can be unit tested on recorded responses. */
export function summarize(jobs: readonly RestJob[], stages: readonly RestStage[]): SparkProgress {
  const active = stages
    .filter((s) => s.status === 'ACTIVE')
    .sort((a, b) => b.numTasks - b.numCompleteTasks - (a.numTasks - a.numCompleteTasks))[0];
  return {
    jobsRunning: jobs.filter((j) => j.status === 'RUNNING').length,
    jobsCompleted: jobs.filter((j) => j.status === 'SUCCEEDED').length,
    stagesCompleted: stages.filter((s) => s.status === 'COMPLETE').length,
    stage: active ? { id: active.stageId, name: active.name, tasksDone: active.numCompleteTasks, tasksTotal: active.numTasks } : undefined,
  };
}

/** Read progress from a live Spark UI (e.g. http://127.0.0.1:4040). Undefined while the UI is not answering. */
export async function readProgress(uiUrl: string): Promise<SparkProgress | undefined> {
  const apps = await getJson<Array<{ id: string }>>(`${uiUrl}/api/v1/applications`);
  const appId = apps?.[0]?.id;
  if (!appId) return undefined;
  const base = `${uiUrl}/api/v1/applications/${encodeURIComponent(appId)}`;
  const [jobs, stages] = await Promise.all([getJson<RestJob[]>(`${base}/jobs`), getJson<RestStage[]>(`${base}/stages`)]);
  return jobs && stages ? summarize(jobs, stages) : undefined;
}
