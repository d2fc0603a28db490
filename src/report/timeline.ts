/**
 * The per-window timeline as plain series, shared by the table's sparklines and the HTML charts:
 * windows with no traffic between the first and the last become explicit gaps (zero requests,
 * no ratio), so time reads evenly left to right.
 */
import type { WindowSummary } from '../aggregate/types.js';
import { partialStarts } from './report.js';

/** Beyond this many slots, empty windows are not filled in (inputs days or years apart). */
export const MAX_TIMELINE_SLOTS = 100_000;

/** One slot of the timeline: a window's start and its summary, or `null` when it saw nothing. */
export interface TimelineSlot {
  start: number;
  summary: WindowSummary | null;
  /** A window at an edge the data covers only in part (`partialStarts`): left out of chart scales. */
  partial: boolean;
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
  const partial = partialStarts(windows);
  if (slots > MAX_TIMELINE_SLOTS || slots < windows.length) {
    return windows.map((w) => ({ start: w.start, summary: w, partial: partial.has(w.start) }));
  }
  const out: TimelineSlot[] = [];
  let i = 0;
  for (let start = first.start; start <= last.start; start += step) {
    const w = windows[i];
    if (w !== undefined && w.start === start) {
      out.push({ start, summary: w, partial: partial.has(start) });
      i++;
    } else out.push({ start, summary: null, partial: false });
  }
  return out;
}

/**
 * The values a chart's scale should span: those of whole windows (partial ones would flatten the
 * rest or draw a false ramp), or every value when no window is whole.
 *
 * @example
 * scaleValues(seriesOf(slots, 'requests'), slots); // [812, 790, 0, 845] without the partial edges
 */
export function scaleValues(values: Series, slots: readonly TimelineSlot[]): number[] {
  const all = values.filter((v): v is number => v !== null);
  const whole = values.filter((v, i): v is number => v !== null && slots[i]?.partial !== true);
  return whole.length > 0 ? whole : all;
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
