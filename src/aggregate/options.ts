/**
 * Aggregator configuration: dimension names, options, their defaults and limits, validated once
 * when the aggregator is built.
 */
import { type ClientKey, clientKeyProblems } from './client-key.js';
import { AggregatorOptionsError } from './errors.js';
import type { TimeRange } from './time-range.js';

/**
 * A dimension a window can be split by.
 * - `host`: `cs-host` (the viewer's Host header).
 * - `distribution`: `x-host-header` (the distribution's domain name).
 * - `edgeLocation`: `x-edge-location` (`IAD89-C1`).
 * - `airport`: `edge.airport`, else the leading letters of `x-edge-location` (`IAD`).
 * - `country`: `geo.country`, else `c-country`.
 * - `behavior`: `cache-behavior-path-pattern`.
 * - `statusClass`, `cacheClass`: the derived classes (computed from `sc-status` / result type when absent).
 * - `device`: `ua.device` (needs the user-agent enricher).
 */
export type DimensionName =
  | 'host'
  | 'distribution'
  | 'edgeLocation'
  | 'airport'
  | 'country'
  | 'behavior'
  | 'statusClass'
  | 'device'
  | 'cacheClass';

/** Every dimension name, in documentation order. */
export const DIMENSION_NAMES: readonly DimensionName[] = [
  'host',
  'distribution',
  'edgeLocation',
  'airport',
  'country',
  'behavior',
  'statusClass',
  'device',
  'cacheClass',
];

/** Options of `createAggregator`; every one has a default. */
export interface AggregatorOptions {
  /** Tumbling window size in seconds, windows aligned to the epoch. Default 60; 1 to 86,400. */
  readonly windowSeconds?: number;
  /**
   * Dimension sets: each set makes one cell per window per combination of its values. `[]` is the
   * stream-wide cell. Default `[[]]` (stream-wide only). `[[], ['country'], ['host', 'statusClass']]`
   * keeps three views of the same traffic.
   */
  readonly dimensions?: readonly (readonly DimensionName[])[];
  /**
   * Distinct values kept per dimension per window (per dimension set); later values fold into
   * `other`. A number for every dimension or a per-dimension map. Default 100 (`statusClass` and
   * `cacheClass` are small closed sets and never fold).
   */
  readonly cardinalityLimit?: number | Readonly<Partial<Record<DimensionName, number>>>;
  /** How long after a window ends (in event time) it still accepts records. Default 300. */
  readonly allowedLatenessSeconds?: number;
  /** The real-time log config's sampling rate, 1-100; below 100 counts are scaled by 100/rate. Default 100. */
  readonly samplingRate?: number;
  /** Space-Saving counters per top-N list, 100 to 1,000 (at most `MAX_STORABLE_TOP_K` = 200 when cells are stored in DynamoDB). Default 100. */
  readonly topK?: number;
  /** DDSketch relative accuracy, 0.001 to 0.01. Default 0.01 (1%). */
  readonly quantileAlpha?: number;
  /** HyperLogLog precision (2^p registers), 12 to 16. Default 14 (0.81% standard error). */
  readonly hllPrecision?: number;
  /**
   * Event times a record may have (epoch ms, inclusive). A record outside is `implausible`: in no
   * window, never moving the watermark, counted in `stats().implausible`. The adapter computes it
   * from its clock (`plausibleTimeRange(Date.now())`); the aggregator reads none. Default: any.
   */
  readonly timeRange?: TimeRange | undefined;
  /**
   * Windows open at once, at most: a record whose window would be one more is `overflow` (in no
   * window; the handler quarantines it). Default `DEFAULT_MAX_WINDOWS`; `Infinity` for a reader
   * that drains windows as they close (`cfrt analyze`).
   */
  readonly maxWindows?: number;
  /**
   * Dimension cells open at once, at most: past it a record still counts in its window's
   * stream-wide cell, but in no dimension cell that does not exist yet (`stats().cellOverflow`).
   * Default `DEFAULT_MAX_CELLS`; `Infinity` to lift it.
   */
  readonly maxCells?: number;
  /**
   * The secret that keys the hash of client addresses for distinct clients (at least 16 bytes; 32
   * random ones are best): without it, a stored sketch tests no address. Keep it secret and stable
   * wherever state is stored or merged across processes (the same key gives the same hashes).
   * Default: a random key made once per process, so counts merge within the process, and a cell
   * stored with it is refused (never merged) by any other process: pass a key to store state.
   */
  readonly clientKey?: ClientKey | undefined;
}

/** The options after defaults, as the aggregator uses them. */
export interface ResolvedAggregatorOptions {
  readonly windowSeconds: number;
  /** Each set sorted by name, duplicates removed. */
  readonly dimensions: readonly (readonly DimensionName[])[];
  readonly cardinalityLimit: Readonly<Record<DimensionName, number>>;
  readonly allowedLatenessSeconds: number;
  readonly samplingRate: number;
  readonly topK: number;
  readonly quantileAlpha: number;
  readonly hllPrecision: number;
  /** Inclusive event-time bounds (infinite where not given). */
  readonly timeRange: Readonly<Required<TimeRange>>;
  readonly maxWindows: number;
  readonly maxCells: number;
  // Not `clientKey`: resolved options are shown (logs, errors); the secret is never kept here.
}

export const DEFAULT_WINDOW_SECONDS = 60;
/** One day: a longer window no longer tells anything real-time. */
export const MAX_WINDOW_SECONDS = 86_400;
export const DEFAULT_ALLOWED_LATENESS_SECONDS = 300;
/** Kinesis keeps records for at most 365 days; accepting more lateness than that has no meaning. */
export const MAX_ALLOWED_LATENESS_SECONDS = 365 * 86_400;
export const DEFAULT_CARDINALITY_LIMIT = 100;
/** A dimension with more values than this per window is a key, not a dimension. */
export const MAX_CARDINALITY_LIMIT = 10_000;
/** At least 100 Space-Saving counters: fewer leave a busy cell's top 10 within n/k of noise. */
export const MIN_TOP_K = 100;
export const DEFAULT_TOP_K = 100;
/**
 * A cell's size grows with 8 lists x topK keys of up to 128 characters: measured worst case (every
 * key distinct and 128 characters long) 125 KB serialized at 100, 227 KB at 200, 1 MB at 1,000.
 * In memory a list holds up to 4 x topK keys between folds (see space-saving.ts): about 604 KiB of
 * top-N state per cell at 100. `cfrt analyze` (in memory only) may use up to this; state stored in
 * DynamoDB should stay at or below `MAX_STORABLE_TOP_K`.
 */
export const MAX_TOP_K = 1_000;
/**
 * Windows one aggregator holds open by default: a day of one-minute windows. A Kinesis batch spans
 * seconds to minutes of event time; one spread over 10,000 windows (hostile or broken input) made
 * 160,000 cells and 1.8 GB with 16 dimension sets, past the SAM function's 1,024 MB.
 */
export const DEFAULT_MAX_WINDOWS = 1_440;
/**
 * Dimension cells one aggregator holds open by default. A dimension cell takes about 11 KB in
 * memory on average (measured: 160,000 cells, 1.8 GB), so 20,000 stay near 220 MB, with the
 * stream-wide cells of at most `DEFAULT_MAX_WINDOWS` windows beside them.
 */
export const DEFAULT_MAX_CELLS = 20_000;
/** The largest topK whose worst-case serialized cell (227 KB) fits a 400 KB DynamoDB item. */
export const MAX_STORABLE_TOP_K = 200;
export const DEFAULT_QUANTILE_ALPHA = 0.01;
/** Latency quantiles within 1% of the exact value, or tighter. */
export const MAX_QUANTILE_ALPHA = 0.01;
/** Below this the bucket count (and a cell's size) grows past what a DynamoDB item should carry. */
export const MIN_QUANTILE_ALPHA = 0.001;
export const DEFAULT_HLL_PRECISION = 14;
/** p = 12 is 1.6% standard error, within the 2% distinct counts may be off; p = 11 is 2.3%, p = 10 3.25%. */
export const MIN_HLL_PRECISION = 12;
/** 2^16 registers = 48 KiB packed: the largest that keeps a cell small. */
export const MAX_HLL_PRECISION = 16;
/** At most this many dimension sets: each multiplies the cells per window. */
export const MAX_DIMENSION_SETS = 16;

/** Dimensions whose values are a small closed set: never folded into `other`. */
const CLOSED_DIMENSIONS: ReadonlySet<DimensionName> = new Set(['statusClass', 'cacheClass', 'device']);

function isInt(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n);
}

/**
 * Applies defaults and validates every option, listing every problem at once.
 *
 * @example
 * resolveAggregatorOptions({ dimensions: [['country']] }).windowSeconds; // 60
 */
export function resolveAggregatorOptions(options: AggregatorOptions = {}): ResolvedAggregatorOptions {
  const problems: string[] = [];
  const windowSeconds = options.windowSeconds ?? DEFAULT_WINDOW_SECONDS;
  if (!isInt(windowSeconds) || windowSeconds < 1 || windowSeconds > MAX_WINDOW_SECONDS) {
    problems.push(`windowSeconds must be an integer from 1 to ${MAX_WINDOW_SECONDS}; got ${windowSeconds}.`);
  }
  const allowedLatenessSeconds = options.allowedLatenessSeconds ?? DEFAULT_ALLOWED_LATENESS_SECONDS;
  if (
    !isInt(allowedLatenessSeconds) ||
    allowedLatenessSeconds < 0 ||
    allowedLatenessSeconds > MAX_ALLOWED_LATENESS_SECONDS
  ) {
    problems.push(
      `allowedLatenessSeconds must be an integer from 0 to ${MAX_ALLOWED_LATENESS_SECONDS}; got ${allowedLatenessSeconds}.`,
    );
  }
  const samplingRate = options.samplingRate ?? 100;
  if (typeof samplingRate !== 'number' || !(samplingRate >= 1 && samplingRate <= 100)) {
    problems.push(
      `samplingRate must be from 1 to 100 (the real-time log config's sampling rate); got ${samplingRate}.`,
    );
  }
  const topK = options.topK ?? DEFAULT_TOP_K;
  if (!isInt(topK) || topK < MIN_TOP_K || topK > MAX_TOP_K) {
    problems.push(`topK must be an integer from ${MIN_TOP_K} to ${MAX_TOP_K}; got ${topK}.`);
  }
  const quantileAlpha = options.quantileAlpha ?? DEFAULT_QUANTILE_ALPHA;
  if (
    typeof quantileAlpha !== 'number' ||
    !(quantileAlpha >= MIN_QUANTILE_ALPHA && quantileAlpha <= MAX_QUANTILE_ALPHA)
  ) {
    problems.push(
      `quantileAlpha must be from ${MIN_QUANTILE_ALPHA} to ${MAX_QUANTILE_ALPHA}; got ${quantileAlpha}.`,
    );
  }
  const hllPrecision = options.hllPrecision ?? DEFAULT_HLL_PRECISION;
  if (!isInt(hllPrecision) || hllPrecision < MIN_HLL_PRECISION || hllPrecision > MAX_HLL_PRECISION) {
    problems.push(
      `hllPrecision must be an integer from ${MIN_HLL_PRECISION} to ${MAX_HLL_PRECISION}; got ${hllPrecision}.`,
    );
  }

  problems.push(...clientKeyProblems(options.clientKey));

  const maxWindows = options.maxWindows ?? DEFAULT_MAX_WINDOWS;
  const maxCells = options.maxCells ?? DEFAULT_MAX_CELLS;
  for (const [name, value] of [
    ['maxWindows', maxWindows],
    ['maxCells', maxCells],
  ] as const) {
    if (!(value === Number.POSITIVE_INFINITY || (isInt(value) && value >= 1))) {
      problems.push(`${name} must be a whole number of at least 1, or Infinity; got ${value}.`);
    }
  }

  const notBefore = options.timeRange?.notBefore ?? Number.NEGATIVE_INFINITY;
  const notAfter = options.timeRange?.notAfter ?? Number.POSITIVE_INFINITY;
  if (Number.isNaN(notBefore) || Number.isNaN(notAfter) || notBefore > notAfter) {
    problems.push(`timeRange must have notBefore <= notAfter (epoch ms); got ${notBefore} and ${notAfter}.`);
  }

  const known = new Set<string>(DIMENSION_NAMES);
  const sets: readonly (readonly DimensionName[])[] = options.dimensions ?? [[]];
  if (!Array.isArray(sets) || sets.length === 0 || sets.length > MAX_DIMENSION_SETS) {
    problems.push(
      `dimensions must be a list of 1 to ${MAX_DIMENSION_SETS} dimension sets (use [[]] for stream-wide only).`,
    );
  }
  const dimensions: DimensionName[][] = [];
  const seenSets = new Set<string>();
  for (const set of Array.isArray(sets) ? sets : []) {
    if (!Array.isArray(set)) {
      problems.push('Each dimension set must be a list of dimension names.');
      continue;
    }
    const names = [...new Set(set)].sort();
    for (const name of names) {
      if (!known.has(name)) {
        problems.push(`Unknown dimension ${JSON.stringify(name)}; known: ${DIMENSION_NAMES.join(', ')}.`);
      }
    }
    const id = names.join(',');
    if (seenSets.has(id)) continue;
    seenSets.add(id);
    dimensions.push(names);
  }

  const limitOption = options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
  const cardinalityLimit = {} as Record<DimensionName, number>;
  for (const name of DIMENSION_NAMES) {
    const given = typeof limitOption === 'number' ? limitOption : limitOption[name];
    const limit = given ?? DEFAULT_CARDINALITY_LIMIT;
    if (!isInt(limit) || limit < 1 || limit > MAX_CARDINALITY_LIMIT) {
      problems.push(
        `cardinalityLimit for ${name} must be an integer from 1 to ${MAX_CARDINALITY_LIMIT}; got ${limit}.`,
      );
    }
    cardinalityLimit[name] = CLOSED_DIMENSIONS.has(name) ? MAX_CARDINALITY_LIMIT : limit;
  }
  if (typeof limitOption === 'object') {
    for (const name of Object.keys(limitOption)) {
      if (!known.has(name))
        problems.push(`cardinalityLimit names an unknown dimension ${JSON.stringify(name)}.`);
    }
  }

  if (problems.length > 0) throw new AggregatorOptionsError(problems);
  return {
    windowSeconds,
    dimensions,
    cardinalityLimit,
    allowedLatenessSeconds,
    samplingRate,
    topK,
    quantileAlpha,
    hllPrecision,
    timeRange: { notBefore, notAfter },
    maxWindows,
    maxCells,
  };
}

/**
 * Parses dimension sets written as text (`CFRT_DIMENSIONS`): sets separated by `;`, names in a set
 * by `,`; `none` (or an empty set) is the stream-wide cell. Names are checked by `createAggregator`.
 *
 * @example
 * parseDimensionSets('none;country;host,statusClass'); // [[], ['country'], ['host', 'statusClass']]
 */
export function parseDimensionSets(text: string): DimensionName[][] {
  return text.split(';').map((set) => {
    const trimmed = set.trim();
    if (trimmed === '' || trimmed === 'none') return [];
    return trimmed
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '') as DimensionName[];
  });
}
