/** The aggregator: folds records into window x dimension cells. */
import type { WindowCell } from './cell.js';
import {
  type AggregatorOptions,
  type ResolvedAggregatorOptions,
  resolveAggregatorOptions,
} from './options.js';
import type { AggregatableRecord } from './record.js';

/**
 * What `add` did with a record:
 * - `added`: counted in its window's cells;
 * - `late`: its window had closed (window end + allowed lateness <= watermark): counted only in the
 *   `late` figure of its own window's cells;
 * - `untimed`: no usable `timestamp`, so no window: counted in `stats().untimed`.
 */
export type AddOutcome = 'added' | 'late' | 'untimed';

/** Aggregator-wide counters: what could not be attributed to any window. */
export interface AggregatorStats {
  /** Records added to a window (including late ones). */
  readonly records: number;
  /** Records counted as late. */
  readonly late: number;
  /** Records without a usable timestamp (not in any window). */
  readonly untimed: number;
  /** Malformed lines without a readable timestamp (not in any window). */
  readonly malformedUntimed: number;
}

/** Folds records into cells. Build once per stream (or per invocation); not thread-shared. */
export interface Aggregator {
  /** The options in force, defaults applied. */
  readonly options: ResolvedAggregatorOptions;
  /** Counts a parsed or derived record. */
  add(record: AggregatableRecord): AddOutcome;
  /** Counts a malformed line, in its window when its timestamp (epoch ms) was readable. */
  addMalformed(timestampMs: number | null): void;
  /** The current cells (not removed), ordered by start then key. */
  cells(): WindowCell[];
  /** The largest event time seen or advanced to (epoch ms), or null. */
  watermark(): number | null;
  /** Moves the watermark forward (e.g. to a watermark stored by an earlier invocation); never back. */
  advanceWatermark(timestampMs: number): void;
  /** Removes and returns the cells of closed windows (end + allowed lateness <= watermark). */
  drainClosed(): WindowCell[];
  /** Removes and returns every cell. */
  drain(): WindowCell[];
  /** Aggregator-wide counters. */
  stats(): AggregatorStats;
}

/**
 * Builds an aggregator. Options are validated here, once (`AggregatorOptionsError`).
 *
 * @example
 * const agg = createAggregator({ windowSeconds: 60, dimensions: [[], ['country']] });
 * for (const r of records) agg.add(enricher.derive(r));
 * const summaries = agg.cells().map((c) => summarize(c));
 */
export function createAggregator(options: AggregatorOptions = {}): Aggregator {
  const resolved = resolveAggregatorOptions(options);
  throw new Error(`not implemented ${resolved.windowSeconds}`);
}
