import type { RunRecord } from '../../../src/core/run/run-record.js';
import { initialDashboardState, reduceDashboard, type ClusterInfo, type DashboardEvent, type DashboardState, type StepInfo } from '../../../src/core/dashboard/state.js';

export const T0 = Date.parse('2026-11-25T10:00:00Z');
export const min = (n: number) => n * 60_000;

export function cluster(id: string, student: string, o: Partial<ClusterInfo> = {}): ClusterInfo {
  return { id, student, state: 'WAITING', lab: 'day2-joins', createdAt: T0, readyAt: T0 + min(8), ...o };
}

export function step(id: string, o: Partial<StepInfo> = {}): StepInfo {
  return { id, name: `day2-joins:${id} 20261125-101500-abcd`, lab: 'day2-joins', step: id, state: 'COMPLETED', createdAt: T0 + min(10), startedAt: T0 + min(10), endedAt: T0 + min(12), ...o };
}

export const SMALL = [
  { role: 'primary', type: 'm5.xlarge', count: 1 },
  { role: 'core', type: 'm5.xlarge', count: 2 },
];

export function stateAfter(events: DashboardEvent[], mode: 'student' | 'cohort' = 'cohort', target: 'emr' | 'local' = 'emr'): DashboardState {
  return events.reduce(reduceDashboard, initialDashboardState({ mode, target, label: mode === 'cohort' ? 'fall-27' : 'ana', now: T0 }));
}

/** A local run of day2-joins: generate done, joins running with its Spark UI. */
export function localRun(o: Partial<RunRecord> = {}): RunRecord {
  return {
    lab: 'day2-joins',
    runId: 'r1',
    target: 'local',
    student: 'ana',
    state: 'RUNNING',
    startedAt: new Date(T0).toISOString(),
    dir: '/tmp/r1',
    steps: [
      { name: 'generate', state: 'COMPLETED', argv: ['spark-submit', 'gen.py'], out: '', seconds: 12 },
      { name: 'joins', state: 'RUNNING', argv: [], out: '', startedAt: new Date(T0 + 12_000).toISOString(), uiUrl: 'http://127.0.0.1:4040' },
    ],
    ...o,
  };
}
