import { initialDashboardState, reduceDashboard, type ClusterInfo, type DashboardEvent, type DashboardState, type StepInfo } from '../../../src/core/dashboard-state.js';

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
