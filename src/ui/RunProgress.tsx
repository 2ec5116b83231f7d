import { Box, Static, Text } from 'ink';
import Spinner from 'ink-spinner';
import { useEffect, useState } from 'react';
import { formatActual, type CheckResult } from '../core/lab/checks.js';
import { describeProgress, targetLabel, type RunView } from '../core/run/run-view.js';
import type { StepRecord } from '../core/run/run-record.js';

function elapsed(step: StepRecord, now: number): string {
  if (!step.startedAt) return '';
  const s = ((step.endedAt ? Date.parse(step.endedAt) : now) - Date.parse(step.startedAt)) / 1000;
  return s < 60 ? `${s.toFixed(0)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

function StepLine({ step, view, now }: { step: StepRecord; view: RunView; now: number }) {
  switch (step.state) {
    case 'RUNNING':
      return (
        <Box flexDirection="column">
          <Text>
            <Text color="cyan">
              <Spinner type="dots" />
            </Text>{' '}
            <Text bold>{step.name}</Text> {elapsed(step, now)} <Text dimColor>{describeProgress(view.progress[step.name])}</Text>
          </Text>
          {step.uiUrl ? <Text dimColor>  Spark UI: {step.uiUrl}</Text> : null}
        </Box>
      );
    case 'COMPLETED':
      return (
        <Text>
          <Text color="green">✓</Text> {step.name} <Text dimColor>{elapsed(step, now)}</Text>
        </Text>
      );
    case 'FAILED':
      return (
        <Box flexDirection="column">
          <Text>
            <Text color="red">✗</Text> {step.name} failed after {elapsed(step, now)}: {step.failure?.summary ?? `exit ${step.exitCode}`}
          </Text>
          {(step.failure?.frames ?? []).map((f) => (
            <Text key={f} dimColor>
              {'    at '}
              {f}
            </Text>
          ))}
          {step.failure?.hint ? <Text>  hint: {step.failure.hint}</Text> : null}
        </Box>
      );
    case 'CANCELLED':
      return (
        <Text>
          <Text color="yellow">■</Text> {step.name} stopped
        </Text>
      );
    default:
      return <Text dimColor>· {step.name}</Text>;
  }
}

/** One check's result: ✓ / ✗ with the measured value, ? for an unanswered question, n/a for a check scoped elsewhere. */
function CheckLine({ r }: { r: CheckResult }) {
  if (r.notApplicable) {
    return (
      <Text>
        <Text dimColor>-</Text> {r.name}: n/a <Text dimColor>({r.reason ?? 'not applicable on this target'})</Text>
      </Text>
    );
  }
  if (r.pending) {
    return (
      <Text>
        <Text color="yellow">?</Text> {r.name}: <Text dimColor>{String(r.actual)}</Text>
      </Text>
    );
  }
  return (
    <Text>
      <Text color={r.passed ? 'green' : 'red'}>{r.passed ? '✓' : '✗'}</Text> {r.name}: {formatActual(r.actual)} <Text dimColor>(expected {r.expected})</Text>
      {!r.passed && r.hint ? (
        <Text>
          {'\n    '}
          <Text color="yellow">hint:</Text> {r.hint}
        </Text>
      ) : null}
    </Text>
  );
}

/** The live view of `labs start` on a terminal: one line per step, a spinner and Spark progress on the running one. */
export function RunProgress({ view }: { view: RunView }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (view.done) return;
    const t = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(t);
  }, [view.done]);
  const checks = view.checks ?? [];
  return (
    <Box flexDirection="column">
      {view.setup ? (
        <Text>
          <Text color="cyan">
            <Spinner type="dots" />
          </Text>{' '}
          setup: {view.setup}
        </Text>
      ) : null}
      {view.run ? (
        <Text bold>
          {view.run.lab} <Text dimColor>run {view.run.runId} on {targetLabel(view.run.target)}</Text>
        </Text>
      ) : null}
      {view.steps.map((s) => (
        <StepLine key={s.name} step={s} view={view} now={now} />
      ))}
      <Static items={checks}>{(r) => <CheckLine key={r.name} r={r} />}</Static>
    </Box>
  );
}
