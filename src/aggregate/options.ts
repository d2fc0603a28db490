/**
 * Aggregator configuration: dimension names, options, their defaults and limits, validated once
 * when the aggregator is built.
 */
import * as z from 'zod/mini';
import type { ConfigIssue } from '../model/errors.js';
import {
  checkOptions,
  flag,
  numberFrom,
  type OptionShape,
  unknownOptionIssues,
  wholeNumber,
} from '../model/options.js';
import { TOP_LISTS, type TopListName } from './cell.js';
import { type ClientKey, clientKeyIssues } from './client-key.js';
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
   * Count distinct query strings (`cs-uri-query`) per cell, in every dimension cell (a cache
   * behavior's cell has it): `uniqueQueries` in summaries, for cache-busting floods that vary the
   * query. A HyperLogLog per cell (like distinct clients, up to 12 KiB at the default precision)
   * over query strings hashed under `clientKey`, never unkeyed (a query string can hold personal
   * data). Default `false`: nothing is read or kept.
   */
  readonly distinctQueries?: boolean;
  /**
   * The top-N lists dimension cells keep (the stream-wide cell keeps every one): `'all'` (the
   * default), or names from `TOP_LISTS` (`['paths']`, `[]` for none). Each list is a Space-Saving
   * update per record per cell, most of what a dimension set costs: keep those something reads.
   * The reports' per-dimension rows show top paths (`topUris`); the findings detector reads the
   * paths and error paths of `behavior` cells. A list a cell does not keep summarizes as `[]`.
   */
  readonly dimensionTopLists?: 'all' | readonly TopListName[];
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
  readonly distinctQueries: boolean;
  /** The lists dimension cells keep, in `TOP_LISTS` order (all of them unless asked otherwise). */
  readonly dimensionTopLists: readonly TopListName[];
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

const SAMPLING_RATE = "must be from 1 to 100 (the real-time log config's sampling rate)";
const AT_LEAST_ONE = 'must be a whole number of at least 1, or Infinity';

/** A count limit that may be lifted: a whole number of at least 1, or `Infinity`. */
const countLimit = () =>
  // z.number() refuses Infinity, which is how a limit is lifted.
  z.custom<number>(
    (n) => n === Number.POSITIVE_INFINITY || (typeof n === 'number' && Number.isInteger(n) && n >= 1),
    { error: AT_LEAST_ONE },
  );

/**
 * The aggregator's scalar options, declared once: range, default and message. The handler and the
 * CLI compose these (`CFRT_WINDOW_SECONDS`, `--window`) instead of restating them.
 */
export const AGGREGATOR_OPTIONS = {
  windowSeconds: z._default(
    wholeNumber(
      1,
      MAX_WINDOW_SECONDS,
      `must be a whole number of seconds from 1 to ${MAX_WINDOW_SECONDS} (one day)`,
    ),
    DEFAULT_WINDOW_SECONDS,
  ),
  allowedLatenessSeconds: z._default(
    wholeNumber(
      0,
      MAX_ALLOWED_LATENESS_SECONDS,
      `must be a whole number of seconds from 0 to ${MAX_ALLOWED_LATENESS_SECONDS} (365 days, Kinesis' longest retention)`,
    ),
    DEFAULT_ALLOWED_LATENESS_SECONDS,
  ),
  samplingRate: z._default(numberFrom(1, 100, SAMPLING_RATE), 100),
  topK: z._default(wholeNumber(MIN_TOP_K, MAX_TOP_K), DEFAULT_TOP_K),
  quantileAlpha: z._default(numberFrom(MIN_QUANTILE_ALPHA, MAX_QUANTILE_ALPHA), DEFAULT_QUANTILE_ALPHA),
  hllPrecision: z._default(wholeNumber(MIN_HLL_PRECISION, MAX_HLL_PRECISION), DEFAULT_HLL_PRECISION),
  maxWindows: z._default(countLimit(), DEFAULT_MAX_WINDOWS),
  maxCells: z._default(countLimit(), DEFAULT_MAX_CELLS),
  distinctQueries: z._default(flag(), false),
} as const satisfies OptionShape;

/**
 * Dimension sets, declared once: 1 to `MAX_DIMENSION_SETS` lists of known names (`[]` is the
 * stream-wide set). Text forms (`CFRT_DIMENSIONS`, `--dimension`) are read by `parseDimensionSets`
 * and checked by this.
 */
export const DIMENSION_SETS = z._default(
  z
    .array(
      z.array(
        z.enum(DIMENSION_NAMES as unknown as [DimensionName, ...DimensionName[]], {
          error: (issue) =>
            `names unknown dimension ${JSON.stringify(issue.input)}; use one of ${DIMENSION_NAMES.join(', ')}`,
        }),
        { error: 'must be a list of dimension names' },
      ),
      { error: `must be a list of dimension sets, e.g. [[], ['country']]` },
    )
    .check(
      z.minLength(1, `must be 1 to ${MAX_DIMENSION_SETS} dimension sets (use [[]] for stream-wide only)`),
      z.maxLength(
        MAX_DIMENSION_SETS,
        `must be 1 to ${MAX_DIMENSION_SETS} dimension sets: each multiplies the cells per window`,
      ),
    ),
  [[]],
);

const OPTION_NAMES = [
  ...Object.keys(AGGREGATOR_OPTIONS),
  'dimensions',
  'cardinalityLimit',
  'timeRange',
  'clientKey',
  'dimensionTopLists',
] as const;

/** The lists dimension cells keep, declared once (`CFRT_DIMENSION_TOP_LISTS`). */
export const DIMENSION_TOP_LISTS = z._default(
  z.custom<'all' | TopListName[]>(
    (v) =>
      v === 'all' ||
      (Array.isArray(v) && v.every((name) => (TOP_LISTS as readonly unknown[]).includes(name))),
    {
      error: (issue) => {
        const unknown = Array.isArray(issue.input)
          ? issue.input.find((name) => !(TOP_LISTS as readonly unknown[]).includes(name))
          : undefined;
        return unknown === undefined
          ? `must be "all" or a list of top-N lists: ${TOP_LISTS.join(', ')}`
          : `names unknown top-N list ${JSON.stringify(unknown)}; use ${TOP_LISTS.join(', ')}`;
      },
    },
  ),
  'all',
);

const declared = z.object({
  ...AGGREGATOR_OPTIONS,
  dimensions: DIMENSION_SETS,
  dimensionTopLists: DIMENSION_TOP_LISTS,
});

/**
 * Applies defaults and checks every option against its declaration, listing every problem at
 * once (`AggregatorOptionsError`, with structured `issues`).
 *
 * @example
 * resolveAggregatorOptions({ dimensions: [['country']] }).windowSeconds; // 60
 */
export function resolveAggregatorOptions(options: AggregatorOptions = {}): ResolvedAggregatorOptions {
  if (typeof options !== 'object' || options === null) {
    throw new AggregatorOptionsError([{ path: [], message: 'aggregator options must be an object' }]);
  }
  const issues: ConfigIssue[] = [...unknownOptionIssues(options, OPTION_NAMES)];
  const checked = checkOptions(declared, options);
  issues.push(...checked.issues);
  issues.push(...clientKeyIssues(options.clientKey, 'clientKey'));

  const notBefore = options.timeRange?.notBefore ?? Number.NEGATIVE_INFINITY;
  const notAfter = options.timeRange?.notAfter ?? Number.POSITIVE_INFINITY;
  if (Number.isNaN(notBefore) || Number.isNaN(notAfter) || notBefore > notAfter) {
    issues.push({
      path: ['timeRange'],
      message: `must have notBefore <= notAfter (epoch ms); got ${notBefore} and ${notAfter}`,
    });
  }

  const limitOption = options.cardinalityLimit ?? DEFAULT_CARDINALITY_LIMIT;
  const cardinalityLimit = {} as Record<DimensionName, number>;
  const limitMessage = `must be a whole number from 1 to ${MAX_CARDINALITY_LIMIT}`;
  const known = new Set<string>(DIMENSION_NAMES);
  for (const name of DIMENSION_NAMES) {
    const given = typeof limitOption === 'number' ? limitOption : limitOption[name];
    const limit = given ?? DEFAULT_CARDINALITY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CARDINALITY_LIMIT) {
      issues.push({
        path: typeof limitOption === 'number' ? ['cardinalityLimit'] : ['cardinalityLimit', name],
        message: `${limitMessage}; got ${String(limit)}`,
      });
      if (typeof limitOption === 'number') break;
    }
    cardinalityLimit[name] = CLOSED_DIMENSIONS.has(name) ? MAX_CARDINALITY_LIMIT : limit;
  }
  if (typeof limitOption === 'object' && limitOption !== null) {
    for (const name of Object.keys(limitOption)) {
      if (!known.has(name)) {
        issues.push({
          path: ['cardinalityLimit', name],
          message: `is not a dimension; use ${DIMENSION_NAMES.join(', ')}`,
        });
      }
    }
  }

  if (!checked.ok || issues.length > 0) throw new AggregatorOptionsError(issues);
  const c = checked.value;
  // Each set sorted by name with duplicates removed; a set given twice is kept once.
  const dimensions: DimensionName[][] = [];
  const seenSets = new Set<string>();
  for (const set of c.dimensions) {
    const names = [...new Set(set)].sort();
    const id = names.join(',');
    if (seenSets.has(id)) continue;
    seenSets.add(id);
    dimensions.push(names);
  }
  return {
    windowSeconds: c.windowSeconds,
    dimensions,
    cardinalityLimit,
    allowedLatenessSeconds: c.allowedLatenessSeconds,
    samplingRate: c.samplingRate,
    topK: c.topK,
    quantileAlpha: c.quantileAlpha,
    hllPrecision: c.hllPrecision,
    timeRange: { notBefore, notAfter },
    maxWindows: c.maxWindows,
    maxCells: c.maxCells,
    distinctQueries: c.distinctQueries,
    dimensionTopLists:
      c.dimensionTopLists === 'all'
        ? [...TOP_LISTS]
        : TOP_LISTS.filter((l) => c.dimensionTopLists.includes(l)),
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
