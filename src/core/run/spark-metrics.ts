/**
 * What the dashboard reads from a live Spark application's monitoring REST API (/api/v1): jobs, stages (with their
 * tasks, shuffle and spill totals) and executors, summarised into one snapshot. Pure, so recorded responses test it.
 */
export interface RestJob {
  status: string;
}
export interface RestStage {
  stageId: number;
  name: string;
  status: string;
  numTasks: number;
  numActiveTasks?: number;
  numCompleteTasks: number;
  numFailedTasks?: number;
  shuffleReadBytes?: number;
  shuffleWriteBytes?: number;
  memoryBytesSpilled?: number;
  diskBytesSpilled?: number;
}
export interface RestExecutor {
  id: string;
  isActive?: boolean;
  activeTasks?: number;
  memoryUsed?: number;
  maxMemory?: number;
}

export interface SparkSnapshot {
  appId: string;
  jobsRunning: number;
  jobsCompleted: number;
  jobsFailed: number;
  stagesActive: number;
  stagesCompleted: number;
  tasksActive: number;
  tasksCompleted: number;
  tasksFailed: number;
  shuffleReadBytes: number;
  shuffleWriteBytes: number;
  spillMemoryBytes: number;
  spillDiskBytes: number;
  /** executors other than the driver (local mode has only the driver, which then counts as one) */
  executors: number;
  memoryUsedBytes: number;
  /** the active stage with the most work left */
  stage?: { id: number; name: string; tasksDone: number; tasksTotal: number } | undefined;
}

const sum = <T>(xs: readonly T[], f: (x: T) => number | undefined) => xs.reduce((a, x) => a + (f(x) ?? 0), 0);

export function summarizeSpark(appId: string, jobs: readonly RestJob[], stages: readonly RestStage[], executors: readonly RestExecutor[]): SparkSnapshot {
  const active = stages.filter((s) => s.status === 'ACTIVE');
  const busiest = [...active].sort((a, b) => b.numTasks - b.numCompleteTasks - (a.numTasks - a.numCompleteTasks))[0];
  const live = executors.filter((e) => e.isActive !== false);
  const workers = live.filter((e) => e.id !== 'driver');
  return {
    appId,
    jobsRunning: jobs.filter((j) => j.status === 'RUNNING').length,
    jobsCompleted: jobs.filter((j) => j.status === 'SUCCEEDED').length,
    jobsFailed: jobs.filter((j) => j.status === 'FAILED').length,
    stagesActive: active.length,
    stagesCompleted: stages.filter((s) => s.status === 'COMPLETE').length,
    tasksActive: sum(stages, (s) => s.numActiveTasks),
    tasksCompleted: sum(stages, (s) => s.numCompleteTasks),
    tasksFailed: sum(stages, (s) => s.numFailedTasks),
    shuffleReadBytes: sum(stages, (s) => s.shuffleReadBytes),
    shuffleWriteBytes: sum(stages, (s) => s.shuffleWriteBytes),
    spillMemoryBytes: sum(stages, (s) => s.memoryBytesSpilled),
    spillDiskBytes: sum(stages, (s) => s.diskBytesSpilled),
    executors: workers.length || live.length,
    memoryUsedBytes: sum(live, (e) => e.memoryUsed),
    stage: busiest ? { id: busiest.stageId, name: busiest.name, tasksDone: busiest.numCompleteTasks, tasksTotal: busiest.numTasks } : undefined,
  };
}
