import { useSyncExternalStore } from 'react';

/** A minimal external store: the app pushes events, components read state. Keeps components presentational. */
export interface Store<S, E> {
  get(): S;
  dispatch(event: E): void;
  subscribe(listener: () => void): () => void;
}

export function createStore<S, E>(reduce: (s: S, e: E) => S, initial: S): Store<S, E> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    dispatch(event) {
      state = reduce(state, event);
      for (const l of listeners) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

export function useStore<S, E>(store: Store<S, E>): S {
  return useSyncExternalStore(store.subscribe, store.get);
}
