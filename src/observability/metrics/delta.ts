// Counts as they travel: what an isolate counted since its last flush, what a relay folds over
// its isolates, and what the metrics object holds in total are all one shape, added up the same
// way. Counters by series key; histograms by series key as per-bucket counts (the last bucket is
// +Inf) followed by the sum of the observed values.

export interface MetricsDelta {
  /** Counter increments by series key. */
  c: Record<string, number>;
  /** Histograms by series key: [count in bucket 0, …, count above the last bound, sum]. */
  h: Record<string, number[]>;
}

export const emptyDelta = (): MetricsDelta => ({ c: {}, h: {} });

export function isEmptyDelta(d: MetricsDelta): boolean {
  for (const _ in d.c) return false;
  for (const _ in d.h) return false;
  return true;
}

/** The number of series in a delta. */
export function seriesCount(d: MetricsDelta): number {
  return Object.keys(d.c).length + Object.keys(d.h).length;
}

/**
 * Adds `from` into `into`. With `maxSeries`, a series `into` does not have yet is dropped once
 * `into` holds that many, and what it counted is added to `dropped` (a counter key), so a label
 * with too many values shows itself instead of growing the table without end.
 */
export function addDelta(into: MetricsDelta, from: MetricsDelta, maxSeries?: number, dropped?: string): void {
  let size = maxSeries === undefined ? 0 : seriesCount(into);
  let lost = 0;
  for (const key in from.c) {
    if (!Object.hasOwn(from.c, key)) continue;
    const value = from.c[key] as number;
    const known = Object.hasOwn(into.c, key);
    if (!known && maxSeries !== undefined && key !== dropped) {
      if (size >= maxSeries) {
        lost += value;
        continue;
      }
      size += 1;
    }
    into.c[key] = (known ? (into.c[key] as number) : 0) + value;
  }
  for (const key in from.h) {
    if (!Object.hasOwn(from.h, key)) continue;
    const values = from.h[key] as number[];
    const held = Object.hasOwn(into.h, key) ? into.h[key] : undefined;
    if (!held) {
      if (maxSeries !== undefined) {
        if (size >= maxSeries) {
          lost += values.length > 1 ? countOf(values) : 0;
          continue;
        }
        size += 1;
      }
      into.h[key] = values.slice();
    } else if (held.length === values.length) {
      for (let i = 0; i < values.length; i++) held[i] = (held[i] as number) + (values[i] as number);
    } else {
      // The buckets changed with a deploy: the new layout starts over.
      into.h[key] = values.slice();
    }
  }
  if (lost > 0 && dropped) into.c[dropped] = (into.c[dropped] ?? 0) + lost;
}

/** Observations in a histogram's array (every bucket; the sum excluded). */
export function countOf(values: readonly number[]): number {
  let n = 0;
  for (let i = 0; i < values.length - 1; i++) n += values[i] as number;
  return n;
}
