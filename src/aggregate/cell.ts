/**
 * A window x dimension-values cell: the unit of state that is merged, stored and summarized.
 */
import type { WindowSummary } from './types.js';

/** One window x dimension-values cell: mergeable, serializable state. */
export interface WindowCell {
  /**
   * Identity: window start, window end and the dimension values, e.g.
   * `1740830400000/1740830460000/country=US&statusClass=2xx` (`.../` with no dimensions).
   * Cells with the same key merge; use it as a storage key.
   */
  readonly key: string;
  /** Window start, epoch ms (aligned to the window size). */
  readonly start: number;
  /** Window end (exclusive), epoch ms. */
  readonly end: number;
  /** Dimension name -> value; `{}` for the stream-wide cell. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Options of `summarize`. */
export interface SummarizeOptions {
  /** Entries per top-N list, 1 to the cell's `topK`. Default 10. */
  readonly top?: number;
}

/**
 * Merges two cells with the same key into a new cell (the inputs are not changed). Associative and
 * commutative; equals the cell of the union of both inputs' records: exactly for counts, within
 * the sketches' bounds for quantiles, distinct clients and top-N lists.
 *
 * @example
 * const merged = mergeCells(fromShardA, fromShardB);
 * summarize(merged).requests; // a.requests + b.requests
 */
export function mergeCells(a: WindowCell, b: WindowCell): WindowCell {
  void b;
  return a;
}

/**
 * The plain-object summary of a cell: counts, ratios, latency quantiles, distinct clients, top-N.
 *
 * @example
 * const s = summarize(cell, { top: 5 });
 * console.log(s.requests, s.timeTaken.p99, s.top.paths);
 */
export function summarize(cell: WindowCell, options: SummarizeOptions = {}): WindowSummary {
  void cell;
  void options;
  throw new Error('not implemented');
}
