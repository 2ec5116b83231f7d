import { Box, Text } from 'ink';
import type { StepRow, StudentPanel } from '../core/dashboard/views.js';
import { fit } from '../core/dashboard/format.js';
import { sparkline } from '../core/dashboard/sparkline.js';
import { stateColor, stateMark } from './dashboard-colors.js';

function Facts({ facts }: { facts: StudentPanel['facts'] }) {
  const w = Math.max(0, ...facts.map(([k]) => k.length));
  return (
    <Box flexDirection="column">
      {facts.map(([k, v]) => (
        <Text key={k} wrap="truncate">
          <Text dimColor>{k.padEnd(w)}</Text> {v}
        </Text>
      ))}
    </Box>
  );
}

function StepLine({ step, selected, width }: { step: StepRow; selected: boolean; width: number }) {
  const nameWidth = Math.max(12, Math.min(32, width - 40));
  return (
    <Text wrap="truncate" inverse={selected}>
      {selected ? '›' : ' '} <Text color={stateColor(step.state)}>{stateMark(step.state)}</Text> {fit(step.name, nameWidth)} <Text color={stateColor(step.state)}>{fit(step.state, 10)}</Text>{' '}
      {fit(step.duration, 7)} {step.failure ? <Text color="red">{step.failure}</Text> : null}
    </Text>
  );
}

/** The details of one step: why it failed and what to do, and what it ran. */
export function StepDetails({ step }: { step: StepRow }) {
  return (
    <Box flexDirection="column" borderStyle="single" paddingX={1}>
      <Text bold>
        {step.name} <Text color={stateColor(step.state)}>{step.state}</Text> <Text dimColor>{step.duration}</Text>
      </Text>
      {step.failure ? <Text color="red">cause: {step.failure}</Text> : null}
      {step.hint ? <Text>hint: {step.hint}</Text> : null}
      {step.command ? <Text dimColor>ran: {step.command}</Text> : null}
      <Text dimColor>esc: back</Text>
    </Box>
  );
}

/**
 * The student view (and the cohort's details pane): the cluster or local run, its steps, live metrics as sparklines
 * with their current values, and where the Spark UI is.
 */
export function DashboardPanel({ panel, selectedStep, openStep, width }: { panel: StudentPanel; selectedStep?: string | undefined; openStep?: StepRow | undefined; width: number }) {
  const sparkWidth = Math.max(8, Math.min(40, width - 36));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {panel.title}
      </Text>
      {panel.note ? <Text>{panel.note}</Text> : null}
      <Facts facts={panel.facts} />
      {panel.steps.length ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>Steps</Text>
          {panel.steps.map((st) => (
            <StepLine key={st.key} step={st} selected={st.key === selectedStep} width={width} />
          ))}
        </Box>
      ) : null}
      {openStep ? <StepDetails step={openStep} /> : null}
      {panel.metrics.length ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold>Metrics</Text>
          {panel.metrics.map((m) => (
            <Text key={m.key} wrap="truncate">
              {'  '}
              {fit(m.label, 20)} <Text color="cyan">{sparkline(m.values, sparkWidth, m.range).padEnd(sparkWidth)}</Text> {m.current}
            </Text>
          ))}
        </Box>
      ) : null}
      {panel.uiLink ? <Text>Spark UI: {panel.uiLink}</Text> : panel.canFetchUi ? <Text dimColor>Spark UI: press u for a link</Text> : null}
    </Box>
  );
}
