import { render } from 'ink';
import type { DashboardEvent, DashboardState } from '../core/dashboard/state.js';
import { reduceDashboard } from '../core/dashboard/state.js';
import { Dashboard } from './Dashboard.js';
import { createStore } from './store.js';

export interface DrawOptions {
  initial: DashboardState;
  /** draw the initial state once and return */
  once: boolean;
  fetchSparkUi?: ((clusterId: string) => Promise<string>) | undefined;
  /** sees every new state (the poller reads the open cluster from it) */
  onState?: (s: DashboardState) => void;
  /** the poller: emits events until the signal aborts */
  poll: (emit: (e: DashboardEvent) => void, signal: AbortSignal) => Promise<void>;
}

/** The terminal's alternate screen, as full-screen tools (less, htop, k9s) use it. */
const ALT_SCREEN_ON = '\u001b[?1049h\u001b[H';
const ALT_SCREEN_OFF = '\u001b[?1049l';
const CLEAR_SCREEN = '\u001b[2J\u001b[H';

/**
 * Draw the dashboard on the terminal until `q` (or Ctrl-C); with `once`, one frame of the state given, left on screen.
 * The live view runs on the alternate screen, so the user's scrollback comes back untouched on exit. On a resize the
 * screen is wiped and the next frame drawn whole: ink erases its previous frame by line count, and a terminal that has
 * just re-wrapped those lines would keep pieces of the wider frame.
 */
export async function drawDashboard(o: DrawOptions): Promise<void> {
  const store = createStore(reduceDashboard, o.initial);
  if (o.onState) store.subscribe(() => o.onState!(store.get()));
  const controller = new AbortController();
  if (!o.once) process.stdout.write(ALT_SCREEN_ON);
  const app = render(<Dashboard store={store} interactive={!o.once} fetchSparkUi={o.fetchSparkUi} onQuit={() => app.unmount()} />, { patchConsole: false });
  if (o.once) {
    app.unmount();
    await app.waitUntilExit();
    return;
  }
  const onResize = () => {
    process.stdout.write(CLEAR_SCREEN);
    app.clear();
  };
  process.stdout.on('resize', onResize);
  const polling = o.poll((e) => store.dispatch(e), controller.signal);
  try {
    await app.waitUntilExit();
  } finally {
    process.stdout.off('resize', onResize);
    controller.abort();
    process.stdout.write(ALT_SCREEN_OFF);
    await polling;
  }
}
