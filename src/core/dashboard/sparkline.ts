/** Eight block heights, lowest first: a sparkline is one of these per value. */
const BARS = '▁▂▃▄▅▆▇█';

export interface SparkRange {
  min?: number;
  max?: number;
}

/**
 * A sparkline of the last `width` values. Hand-written on purpose: it is ten lines, and the sparkline packages on
 * npm are either unmaintained or draw with their own renderer instead of returning a string ink can lay out.
 * The scale starts at 0 (or range.min) so a flat line of 5 running apps reads as "busy", not as "nothing"; metrics with
 * a fixed scale (percentages, IsIdle) pass it in range.
 */
export function sparkline(values: readonly number[], width = values.length, range: SparkRange = {}): string {
  const shown = width > 0 ? values.slice(-width) : [];
  if (!shown.length) return '';
  const min = range.min ?? Math.min(0, ...shown);
  const max = range.max ?? Math.max(...shown);
  const span = max - min;
  return shown
    .map((v) => {
      if (!Number.isFinite(v) || span <= 0) return BARS[0];
      const level = Math.round(((Math.min(Math.max(v, min), max) - min) / span) * (BARS.length - 1));
      return BARS[level];
    })
    .join('');
}
