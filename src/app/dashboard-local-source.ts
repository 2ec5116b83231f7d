import type { DashboardEvent } from '../core/dashboard/state.js';
import { currentLocalRun } from '../core/dashboard/views.js';
import type { RunRecord } from '../core/run/run-record.js';
import { summarizeSpark, type RestExecutor, type RestJob, type RestStage, type SparkSnapshot } from '../core/run/spark-metrics.js';
import type { DashboardSource } from './dashboard-feed.js';

export type FetchJson = (url: string) => Promise<unknown>;

/** GET a Spark REST resource; undefined when the UI is not (or no longer) answering: live numbers are best-effort. */
export const fetchJson: FetchJson = async (url) => {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    return res.ok ? await res.json() : undefined;
  } catch {
    return undefined;
  }
};

/** One snapshot of the live application behind a Spark UI: 4 REST calls (applications, jobs, stages, executors). */
export async function readSparkSnapshot(uiUrl: string, get: FetchJson): Promise<{ snapshot: SparkSnapshot | undefined; calls: number }> {
  const apps = (await get(`${uiUrl}/api/v1/applications`)) as Array<{ id: string }> | undefined;
  const appId = apps?.[0]?.id;
  if (!appId) return { snapshot: undefined, calls: 1 };
  const base = `${uiUrl}/api/v1/applications/${encodeURIComponent(appId)}`;
  const [jobs, stages, executors] = (await Promise.all([get(`${base}/jobs`), get(`${base}/stages`), get(`${base}/executors`)])) as [
    RestJob[] | undefined,
    RestStage[] | undefined,
    RestExecutor[] | undefined,
  ];
  const snapshot = jobs && stages ? summarizeSpark(appId, jobs, stages, executors ?? []) : undefined;
  return { snapshot, calls: 4 };
}

export interface LocalSourceOptions {
  /** the newest run of each lab (app/run-store.ts) */
  runs: () => RunRecord[];
  fetchJson?: FetchJson;
  now?: () => Date;
}

/** The local engine's view: the run records on this machine, and Spark's REST API of the step that is running. */
export function localSource(o: LocalSourceOptions): DashboardSource {
  const now = o.now ?? (() => new Date());
  return {
    async refresh(emit: (e: DashboardEvent) => void): Promise<number> {
      const runs = o.runs();
      emit({ type: 'local-runs', at: now().getTime(), runs });
      const ui = currentLocalRun(runs)?.steps.find((s) => s.state === 'RUNNING' && s.uiUrl)?.uiUrl;
      if (!ui) {
        emit({ type: 'spark', at: now().getTime(), snapshot: undefined });
        return 0;
      }
      const { snapshot, calls } = await readSparkSnapshot(ui, o.fetchJson ?? fetchJson);
      emit({ type: 'spark', at: now().getTime(), snapshot });
      return calls;
    },
  };
}
