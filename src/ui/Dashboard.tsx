import { Box, Text, useInput } from 'ink';
import { useEffect, useState } from 'react';
import type { DashboardEvent, DashboardState } from '../core/dashboard/state.js';
import { movesClusters } from '../core/dashboard/state.js';
import { targetLabel } from '../core/run/run-view.js';
import { cohortRows, openStep, panelInView, selectableKeys, selectedKey } from '../core/dashboard/views.js';
import { DashboardCohort } from './DashboardCohort.js';
import { DashboardPanel } from './DashboardPanel.js';
import { useStore, type Store } from './store.js';
import { useTerminalSize, type TerminalSize } from './use-terminal-size.js';

export interface DashboardProps {
  store: Store<DashboardState, DashboardEvent>;
  /** a presigned Spark UI link for a cluster, fetched when `u` is pressed */
  fetchSparkUi?: ((clusterId: string) => Promise<string>) | undefined;
  onQuit?: () => void;
  /** false for a single frame (`--once`): no keyboard, no clock */
  interactive?: boolean;
  /** how often durations move on between refreshes */
  tickMs?: number;
  /** fixed size (tests); else the terminal's, following resizes */
  size?: TerminalSize;
}

type UiLink = { clusterId: string; url?: string; error?: string };

function Header({ s }: { s: DashboardState }) {
  const where = targetLabel(s.target);
  const what = s.mode === 'cohort' ? `cohort ${s.label}` : `student ${s.label}`;
  const at = s.refresh.at ? new Date(s.refresh.at).toISOString().slice(11, 19) : undefined;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        <Text bold>labs dashboard</Text> · {what} on {where} ·{' '}
        <Text dimColor>{at ? `refreshed ${at} UTC (${s.refresh.calls ?? 0} calls)` : 'loading…'}</Text>
      </Text>
      {s.refresh.note ? (
        <Text color="yellow" wrap="truncate">
          {s.refresh.note}
        </Text>
      ) : null}
      {s.refresh.error ? (
        <Text color="red" wrap="truncate">
          last refresh failed: {s.refresh.error.message}
          {s.refresh.error.hint ? ` (${s.refresh.error.hint})` : ''}
        </Text>
      ) : null}
    </Box>
  );
}

function Footer({ s }: { s: DashboardState }) {
  if (s.ui.filtering) return <Text>filter: {s.ui.filter}█ <Text dimColor>(enter: keep, esc: clear)</Text></Text>;
  const keys = ['↑↓/jk move', 'enter details', ...(s.ui.openCluster || s.ui.stepOpen ? ['esc back'] : []), 'u Spark UI'];
  if (movesClusters(s)) keys.push(`s sort (${s.ui.sortKey})`, '/ filter');
  keys.push('q quit');
  return <Text dimColor wrap="truncate">{keys.join(' · ')}</Text>;
}

/**
 * The live dashboard: the store's state drawn by presentational components, and the keyboard turned into events.
 * A presigned Spark UI link lives only in this component's state while it is on screen: it grants access, so it is
 * never put in the store, printed to a log or written anywhere.
 */
export function Dashboard({ store, fetchSparkUi, onQuit, interactive = true, tickMs = 1000, size }: DashboardProps) {
  const s = useStore(store);
  const terminal = useTerminalSize();
  const { columns, rows } = size ?? terminal;
  const [link, setLink] = useState<UiLink | undefined>();

  useEffect(() => {
    if (!interactive || tickMs <= 0) return;
    const t = setInterval(() => store.dispatch({ type: 'tick', now: Date.now() }), tickMs);
    return () => clearInterval(t);
  }, [interactive, tickMs, store]);

  const panel = panelInView(s);
  const selected = selectedKey(s);
  const uiTarget = movesClusters(s) ? selected : panel?.clusterId;
  useEffect(() => {
    if (link && link.clusterId !== uiTarget) setLink(undefined);
  }, [uiTarget, link]);

  const showSparkUi = () => {
    if (!uiTarget || !fetchSparkUi) return;
    setLink({ clusterId: uiTarget });
    fetchSparkUi(uiTarget).then(
      (url) => setLink((l) => (l?.clusterId === uiTarget ? { clusterId: uiTarget, url } : l)),
      (e: Error) => setLink((l) => (l?.clusterId === uiTarget ? { clusterId: uiTarget, error: e.message } : l)),
    );
  };

  useInput(
    (input, key) => {
      const st = store.get();
      if (st.ui.filtering) {
        if (key.return) store.dispatch({ type: 'filtering', on: false });
        else if (key.escape) {
          store.dispatch({ type: 'filter', text: '' });
          store.dispatch({ type: 'filtering', on: false });
        } else if (key.backspace || key.delete) store.dispatch({ type: 'filter', text: st.ui.filter.slice(0, -1) });
        else if (input && !key.ctrl && !key.meta) store.dispatch({ type: 'filter', text: st.ui.filter + input });
        return;
      }
      if (input === 'q' || (key.ctrl && input === 'c')) return onQuit?.();
      const by = key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : key.pageDown ? 10 : key.pageUp ? -10 : 0;
      if (by) return store.dispatch({ type: 'move', by, keys: selectableKeys(st) });
      if (key.return) return store.dispatch({ type: 'open', key: selectedKey(st) });
      if (key.escape || key.backspace || key.delete || key.leftArrow) return store.dispatch({ type: 'close' });
      if (input === 'u') return showSparkUi();
      if (movesClusters(st) && input === 's') return store.dispatch({ type: 'sort' });
      if (movesClusters(st) && input === '/') return store.dispatch({ type: 'filtering', on: true });
    },
    { isActive: interactive },
  );

  // Lines the header, totals, footer and link take; the rest is for table rows.
  const tableHeight = Math.max(3, rows - 8);
  const step = openStep(s);
  return (
    <Box flexDirection="column" width={columns}>
      <Header s={s} />
      {s.mode === 'cohort' && !s.ui.openCluster ? (
        <DashboardCohort {...cohortRows(s)} selected={selected} sortKey={s.ui.sortKey} filter={s.ui.filter} width={columns} height={tableHeight} />
      ) : panel ? (
        <DashboardPanel panel={panel} selectedStep={selected} openStep={step} width={columns} />
      ) : null}
      {link ? (
        <Text wrap="wrap">
          Spark UI for {link.clusterId}:{' '}
          {link.url ? <Text color="cyan">{link.url}</Text> : link.error ? <Text color="red">{link.error}</Text> : <Text dimColor>fetching a presigned link…</Text>}
        </Text>
      ) : null}
      {interactive ? <Footer s={s} /> : null}
    </Box>
  );
}
