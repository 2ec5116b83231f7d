import { formatActual, notApplicableNote, tallyChecks, type CheckResult } from '../../core/lab/checks.js';
import { describeProgress, targetLabel } from '../../core/run/run-view.js';
import type { RunEvent, RunRecord, StepRecord } from '../../core/run/run-record.js';
import { c, formatSeconds } from '../output.js';

const write = (s: string) => process.stderr.write(`${s}\n`);

/** How often a non-TTY run prints a progress line: enough to show life in CI logs, not a flood. */
const PROGRESS_EVERY_MS = 15_000;

export function stepEndLines(step: StepRecord): string[] {
  if (step.state === 'COMPLETED') return [`${c.green('✓')} ${step.name} completed in ${formatSeconds(step.seconds)}`];
  if (step.state === 'CANCELLED') return [`${c.yellow('■')} ${step.name} stopped after ${formatSeconds(step.seconds)}`];
  const out = [`${c.red('✗')} ${step.name} failed after ${formatSeconds(step.seconds)}: ${step.failure?.summary ?? `exit code ${step.exitCode}`}`];
  for (const f of step.failure?.frames ?? []) out.push(c.dim(`    at ${f}`));
  if (step.failure?.hint) out.push(`  hint: ${step.failure.hint}`);
  if (step.logs) out.push(c.dim(`  log: ${step.logs.stderr}`));
  return out;
}

export function checkLine(r: CheckResult): string {
  if (r.notApplicable) return `${c.dim('-')} ${r.name}: n/a ${c.dim(`(${r.reason ?? 'not applicable on this target'})`)}`;
  if (r.pending) return `${c.yellow('?')} ${r.name}: ${c.dim(String(r.actual))}`;
  const mark = r.passed ? c.green('✓') : c.red('✗');
  return `${mark} ${r.name}: ${formatActual(r.actual)} ${c.dim(`(expected ${r.expected})`)}${!r.passed && r.explain ? `\n    ${r.explain}` : ''}${!r.passed && r.hint ? `\n    ${c.yellow('hint:')} ${r.hint}` : ''}`;
}

export function summaryLine(run: RunRecord): string {
  const tally = tallyChecks(run.checks ?? []);
  const { pending, passed } = tally;
  const label = run.state === 'COMPLETED' ? c.green('PASSED') : run.state === 'CANCELLED' ? c.yellow('STOPPED') : c.red('FAILED');
  return `${label} ${run.lab}: ${run.steps.filter((s) => s.state === 'COMPLETED').length}/${run.steps.length} steps, ${passed}/${tally.applicable - pending} checks passed${pending ? `, ${pending} pending (answer with labs check ${run.lab} --answer)` : ''}${notApplicableNote(tally)}`;
}

/** After `--no-wait`: where the steps wait and how to follow them. */
export function queuedLine(run: RunRecord): string {
  const cluster = run.steps.find((s) => s.emr)?.emr?.clusterId ?? 'the cluster';
  const ids = run.steps.map((s) => s.emr?.stepId ?? '?').join(', ');
  const n = run.steps.length;
  return `${c.cyan('QUEUED')} ${run.lab}: ${n} step${n === 1 ? '' : 's'} on ${cluster} (${ids}); \`labs status ${run.lab}\` follows them and runs the checks once they complete`;
}

/** Plain lines on stderr (stdout stays free for --json): for pipes, CI logs and dumb terminals. */
export function plainReporter(): (e: RunEvent) => void {
  let lastProgress = 0;
  return (e) => {
    switch (e.type) {
      case 'setup':
        write(c.dim(`setup: ${e.message}`));
        break;
      case 'run-start':
        write(`${c.bold(e.run.lab)}: run ${e.run.runId} on ${targetLabel(e.run.target)}`);
        break;
      case 'step-start':
        lastProgress = Date.now();
        write(`→ ${e.step.name} running${e.step.uiUrl ? ` — Spark UI ${e.step.uiUrl}` : ''}`);
        break;
      case 'step-progress':
        if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
          lastProgress = Date.now();
          write(c.dim(`  ${e.step}: ${describeProgress(e.progress)}`));
        }
        break;
      case 'step-end':
        stepEndLines(e.step).forEach((l) => write(l));
        break;
      case 'checks':
        e.results.forEach((r) => write(checkLine(r)));
        break;
      case 'run-end':
        write(summaryLine(e.run));
        if (e.run.eventLogDir) write(c.dim(`event logs: ${e.run.eventLogDir} (a Spark History Server shows finished runs)`));
        if (e.run.target === 'sandbox') write(c.dim(`Spark UI and YARN: \`labs ui ${e.run.lab}\` (the sandbox's History Server and ResourceManager)`));
        break;
    }
  };
}
