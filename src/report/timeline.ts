/**
 * The per-window timeline as plain series, shared by the table's sparklines and the HTML charts:
 * windows with no traffic between the first and the last become explicit gaps (zero requests,
 * no ratio), so time reads evenly left to right.
 */
import type { WindowSummary } from '../aggregate/types.js';

/** Beyond this many slots, empty windows are not filled in (inputs days or years apart). */
export const MAX_TIMELINE_SLOTS = 100_000;

/** One slot of the timeline: a window's start and its summary, or `null` when it saw nothing. */
export interface TimelineSlot {
  start: number;
  summary: WindowSummary | null;
}

/**
 * The windows laid out on an even time axis.
 *
 * @example
 * timeline(windows, 60).map((s) => s.summary?.requests ?? 0);
 */
export function timeline(windows: readonly WindowSummary[], windowSeconds: number): TimelineSlot[] {
  const first = windows[0];
  const last = windows.at(-1);
  if (first === undefined || last === undefined) return [];
  const step = windowSeconds * 1000;
  const slots = Math.floor((last.start - first.start) / step) + 1;
  if (slots > MAX_TIMELINE_SLOTS || slots < windows.length) {
    return windows.map((w) => ({ start: w.start, summary: w }));
  }
  const out: TimelineSlot[] = [];
  let i = 0;
  for (let start = first.start; start <= last.start; start += step) {
    const w = windows[i];
    if (w !== undefined && w.start === start) {
      out.push({ start, summary: w });
      i++;
    } else out.push({ start, summary: null });
  }
  return out;
}

/** A numeric series over the timeline; `null` where the value is undefined (no traffic, no ratio). */
export type Series = (number | null)[];

/** Named accessors for the series every renderer shows. */
export const SERIES = {
  requests: (s: WindowSummary | null) => s?.requests ?? 0,
  bytesOut: (s: WindowSummary | null) => s?.bytesOut ?? 0,
  bytesIn: (s: WindowSummary | null) => s?.bytesIn ?? 0,
  errors: (s: WindowSummary | null) => (s === null ? 0 : s.status['4xx'] + s.status['5xx'] + s.status['000']),
  rate4xx: (s: WindowSummary | null) => s?.errorRates['4xx'] ?? null,
  rate5xx: (s: WindowSummary | null) => s?.errorRates['5xx'] ?? null,
  rate000: (s: WindowSummary | null) => s?.errorRates['000'] ?? null,
  hitRatio: (s: WindowSummary | null) => s?.cacheHitRatio ?? null,
  p50: (s: WindowSummary | null) => s?.timeTaken.p50 ?? null,
  p90: (s: WindowSummary | null) => s?.timeTaken.p90 ?? null,
  p99: (s: WindowSummary | null) => s?.timeTaken.p99 ?? null,
  ttfb50: (s: WindowSummary | null) => s?.timeToFirstByte.p50 ?? null,
  ttfb90: (s: WindowSummary | null) => s?.timeToFirstByte.p90 ?? null,
  ttfb99: (s: WindowSummary | null) => s?.timeToFirstByte.p99 ?? null,
  clients: (s: WindowSummary | null) => s?.uniqueClients ?? 0,
} as const satisfies Record<string, (s: WindowSummary | null) => number | null>;

/** The name of a series in `SERIES`. */
export type SeriesName = keyof typeof SERIES;

/**
 * One series over the timeline.
 *
 * @example
 * seriesOf(slots, 'requests'); // [812, 790, 0, 845]
 */
export function seriesOf(slots: readonly TimelineSlot[], name: SeriesName): Series {
  const f = SERIES[name];
  return slots.map((slot) => f(slot.summary));
}
