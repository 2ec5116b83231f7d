import type { DashboardState } from './state.js';
import { clusterAgeSeconds, clusterCost, cohortRows, idleSecondsLeft, studentPanel, type StudentPanel } from './views.js';
import { sparkline } from './sparkline.js';

/**
 * `labs dashboard --json`: one document with what the screen shows, numbers unformatted. Presigned Spark UI links are
 * never in it (they are only fetched on demand, on a terminal).
 */
export function dashboardDocument(s: DashboardState): Record<string, unknown> {
  const base = { target: s.target, mode: s.mode, label: s.label, at: new Date(s.now).toISOString(), calls: s.refresh.calls ?? null, error: s.refresh.error ?? null, ...(s.refresh.note ? { note: s.refresh.note } : {}) };
  if (s.target === 'local') {
    const p = studentPanel(s);
    return { ...base, runs: s.local.runs.map((r) => ({ lab: r.lab, runId: r.runId, state: r.state, steps: r.steps.map((st) => ({ name: st.name, state: st.state, seconds: st.seconds ?? null, failure: st.failure?.summary ?? null })) })), spark: s.local.spark ?? null, sparkUi: p.uiLink ?? null };
  }
  const { rows, totals } = cohortRows(s);
  const clusters = s.order.map((id) => {
    const c = s.clusters[id]!;
    const row = rows.find((r) => r.key === id);
    return {
      id,
      student: c.student ?? null,
      state: c.state,
      lab: row?.lab ?? c.lab ?? null,
      step: row?.step ?? null,
      instances: c.details.instances ?? null,
      ageSeconds: clusterAgeSeconds(c, s.now) ?? null,
      idleTimeoutSeconds: c.details.idleTimeoutSeconds ?? null,
      idleSecondsLeft: idleSecondsLeft(c, s.now) ?? null,
      estimatedCostUsd: clusterCost(c, s.now) ?? null,
      metrics: c.latest,
      steps: (c.steps ?? []).map((st) => ({ id: st.id, name: st.name, state: st.state, startedAt: st.startedAt ? new Date(st.startedAt).toISOString() : null, endedAt: st.endedAt ? new Date(st.endedAt).toISOString() : null, failure: st.failure ?? null })),
      lastCheck: c.student ? (s.checks[c.student] ?? null) : null,
    };
  });
  return { ...base, clusters, ...(s.mode === 'cohort' ? { totals } : {}) };
}

/** The panel as plain lines (no TTY): facts, steps, metrics with a sparkline and the current value. */
export function panelLines(p: StudentPanel): string[] {
  const out = [p.title];
  if (p.note) out.push(p.note);
  const w = Math.max(0, ...p.facts.map(([k]) => k.length));
  for (const [k, v] of p.facts) out.push(`  ${k.padEnd(w)}  ${v}`);
  if (p.steps.length) out.push('steps:');
  for (const st of p.steps) out.push(`  ${st.name}  ${st.state}  ${st.duration}${st.failure ? `  ${st.failure}` : ''}`);
  if (p.metrics.length) out.push('metrics:');
  for (const m of p.metrics) out.push(`  ${m.label.padEnd(20)} ${m.current.padStart(8)}  ${sparkline(m.values, 20, m.range)}`);
  if (p.uiLink) out.push(`Spark UI: ${p.uiLink}`);
  return out;
}
