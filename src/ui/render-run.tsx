import { render } from 'ink';
import { emptyRunView, reduceRunView, type RunView } from '../core/run/run-view.js';
import type { RunEvent } from '../core/run/run-record.js';
import { RunProgress } from './RunProgress.js';
import { createStore, useStore, type Store } from './store.js';

function Live({ store }: { store: Store<RunView, RunEvent> }) {
  return <RunProgress view={useStore(store)} />;
}

/** Draw a run live on the terminal; returns the event sink and a function that waits for the last frame. */
export function renderRun(): { onEvent: (e: RunEvent) => void; finish: () => Promise<void> } {
  const store = createStore(reduceRunView, emptyRunView);
  // Ctrl-C stays a signal for the command (it stops Spark cleanly), not ink's own exit.
  const app = render(<Live store={store} />, { exitOnCtrlC: false, stdout: process.stderr, patchConsole: false });
  return {
    onEvent: (e) => store.dispatch(e),
    finish: async () => {
      app.unmount();
      await app.waitUntilExit();
    },
  };
}
