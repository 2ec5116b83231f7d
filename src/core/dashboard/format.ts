/** Short, fixed-width-friendly renderings of the dashboard's numbers; shared by the ink view and the plain text one. */

/** 42s, 5m10s, 2h05m, 3d04h */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

/** "~$1.23": the tilde says it is an estimate (see dashboard-cost.ts). */
export function formatUsd(usd: number | undefined): string {
  return usd === undefined ? '-' : `~$${usd.toFixed(2)}`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}

export type MetricUnit = 'count' | 'percent' | 'bytes' | 'flag';

export function formatMetric(value: number | undefined, unit: MetricUnit): string {
  if (value === undefined) return '-';
  switch (unit) {
    case 'percent':
      return `${value.toFixed(1)}%`;
    case 'bytes':
      return formatBytes(value);
    case 'flag':
      return value >= 0.5 ? 'yes' : 'no';
    case 'count':
      return Number.isInteger(value) ? String(value) : value.toFixed(1);
  }
}

/** Cut a cell to a width, marking the cut. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text.padEnd(width) : `${text.slice(0, Math.max(0, width - 1))}…`;
}
