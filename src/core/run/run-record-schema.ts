import { z } from 'zod';
import type { RunRecord } from './run-record.js';

/**
 * What a run.json on disk must hold before any command reads it: the fields the commands use, with their types.
 * Loose objects: fields this version does not know (a newer labs, a diagnosis) are kept, not stripped, because a
 * record is rewritten after every refresh.
 */
const StepState = z.enum(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']);
const StepRecordSchema = z.looseObject({
  name: z.string().min(1),
  state: StepState,
  argv: z.array(z.string()),
  out: z.string(),
  emr: z.looseObject({ clusterId: z.string(), stepId: z.string(), logUri: z.string() }).optional(),
});
// A check not applicable on the run's target (lab.yaml's targets) is stored with passed: false and notApplicable: true.
// targets stays any text: a record written by a labs that knows more targets must not read as damaged.
const CheckResultSchema = z.looseObject({
  name: z.string(),
  step: z.string(),
  path: z.string(),
  passed: z.boolean(),
  expected: z.string(),
  pending: z.boolean().optional(),
  notApplicable: z.boolean().optional(),
  reason: z.string().optional(),
  targets: z.array(z.string()).optional(),
});

export const RunRecordSchema = z.looseObject({
  lab: z.string().min(1),
  runId: z.string().min(1),
  target: z.enum(['local', 'sandbox', 'emr']),
  student: z.string(),
  state: z.enum(['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']),
  startedAt: z.string(),
  dir: z.string(),
  steps: z.array(StepRecordSchema),
  checks: z.array(CheckResultSchema).optional(),
});

/** A run.json's text -> the record, or why it is not one (a short phrase for the error line). */
export function parseRunRecord(text: string): { ok: true; run: RunRecord } | { ok: false; why: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, why: text.trim() ? 'not valid JSON (truncated or overwritten)' : 'empty' };
  }
  const parsed = RunRecordSchema.safeParse(doc);
  if (parsed.success) return { ok: true, run: parsed.data as unknown as RunRecord };
  const issue = parsed.error.issues[0]!;
  const at = issue.path.length ? issue.path.join('.') : 'the record';
  return { ok: false, why: `${at}: ${issue.message}` };
}
