/**
 * Aggregate records into tumbling event-time windows of mergeable aggregates: exact counts,
 * DDSketch latency quantiles, HyperLogLog distinct clients and Space-Saving top-N lists, per
 * window x dimension values ("cell"). Pure: time comes only from the records' `timestamp`.
 */

// The line pipeline (parse -> derive -> aggregate) lives above this room, in src/pipeline; this
// subpath has always exported it, so it still does.
export {
  createLineAggregator,
  type LineAdded,
  type LineAggregator,
  type LineAggregatorParts,
} from '../pipeline/line-aggregator.js';
export {
  type AddOutcome,
  type Aggregator,
  type AggregatorStats,
  createAggregator,
  MAX_KEY_LENGTH,
  OTHER_VALUE,
  UNKNOWN_VALUE,
} from './aggregator.js';
export {
  mergeCells,
  type RollUpOptions,
  rollUp,
  type SummarizeOptions,
  summarize,
  TOP_LISTS,
  type TopListName,
  type WindowCell,
} from './cell.js';
export { type ClientKey, LEGACY_CLIENT_KEY_ID, MIN_CLIENT_KEY_BYTES } from './client-key.js';
export { nearestRank } from './ddsketch.js';
export { AggregatorOptionsError, CellFormatError, CellMergeError } from './errors.js';
export {
  type AggregatorOptions,
  DIMENSION_NAMES,
  type DimensionName,
  MAX_STORABLE_TOP_K,
  MAX_TOP_K,
  parseDimensionSets,
  type ResolvedAggregatorOptions,
  resolveAggregatorOptions,
} from './options.js';
export { AGGREGATED_FIELDS, type AggregatableRecord } from './record.js';
export { CELL_FORMAT_VERSION, deserializeCell, serializeCell } from './serialize.js';
export {
  EARLIEST_PLAUSIBLE_MS,
  implausibleTime,
  MAX_CLOCK_SKEW_MS,
  plausibleTimeRange,
  type TimeRange,
} from './time-range.js';
export type { LatencySummary, TopEntry, WindowSummary } from './types.js';
