/** Colours by state word; ink drops them all when colour is off (NO_COLOR: see cli/no-color.ts). */
export function stateColor(state: string): string | undefined {
  if (state === 'RUNNING') return 'cyan';
  if (state === 'WAITING' || state === 'COMPLETED') return 'green';
  if (state === 'FAILED' || state === 'TERMINATED_WITH_ERRORS') return 'red';
  if (state === 'CANCELLED' || state === 'INTERRUPTED' || state === 'STARTING' || state === 'BOOTSTRAPPING') return 'yellow';
  return undefined;
}

/** A mark that carries the state without colour. */
export function stateMark(state: string): string {
  if (state === 'COMPLETED') return '✓';
  if (state === 'FAILED') return '✗';
  if (state === 'RUNNING') return '▶';
  if (state === 'CANCELLED' || state === 'INTERRUPTED') return '■';
  return '·';
}
