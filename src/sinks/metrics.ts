/**
 * The metric model shared by the CloudWatch (PutMetricData) and EMF sinks: what a window cell
 * becomes as CloudWatch metrics. Serializing is separate from sending, so payloads are testable
 * as values.
 *
 * Latencies are the cell's DDSketch itself: each bucket's representative value (ms) with its count,
 * the zero bucket as 0, min and max exactly. CloudWatch pools the values of every data point of a
 * period (invocations, shards, windows), so any percentile over any period is within the stated
 * relative error of the exact one (see `sketchDistribution`). Rates are one value weighted by their
 * denominator (`Values: [rate]`, `Counts: [requests]`): with PutMetricData their `Average` is the
 * true ratio; EMF has no weights (see emf.ts), so a true ratio over a period is metric math on the
 * counts, `100 * SUM(Requests5xx) / SUM(Requests)`, for both sinks.
 */
import * as z from 'zod/mini';
import { Cell, summarize, type WindowCell } from '../aggregate/cell.js';
import type { DDSketch } from '../aggregate/ddsketch.js';
import { type ConfigIssue, sentenceIssues } from '../model/errors.js';
import { checkOptions } from '../model/options.js';
import {
  CLOUDWATCH_MAX_DIMENSION_NAME_LENGTH as MAX_DIMENSION_NAME_LENGTH,
  CLOUDWATCH_MAX_DIMENSION_VALUE_LENGTH as MAX_DIMENSION_VALUE_LENGTH,
  CLOUDWATCH_MAX_DIMENSIONS as MAX_DIMENSIONS,
} from './aws-limits.js';
import { SinkConfigError } from './errors.js';
import { METRIC_SINK_OPTIONS } from './options.js';
import type { Sink } from './types.js';

/** CloudWatch units used here. */
export type MetricUnit = 'Count' | 'Bytes' | 'Percent' | 'Milliseconds';

/** Every metric this library publishes. */
export type MetricName =
  | 'Requests'
  | 'BytesDownloaded'
  | 'BytesUploaded'
  | 'Requests4xx'
  | 'Requests5xx'
  | 'RequestsAborted'
  | '4xxErrorRate'
  | '5xxErrorRate'
  | 'TotalErrorRate'
  | 'AbortedRequestRate'
  | 'CacheHits'
  | 'CacheMisses'
  | 'CacheHitRate'
  | 'BotRequestRate'
  | 'BotRequests'
  | 'UniqueClients'
  | 'TimeTaken'
  | 'TimeToFirstByte'
  | 'OriginFirstByteLatency'
  | 'OriginLastByteLatency'
  | 'MalformedLines'
  | 'LateRecords';

/** Every metric name, in publishing order. */
export const METRIC_NAMES: readonly MetricName[] = [
  'Requests',
  'BytesDownloaded',
  'BytesUploaded',
  'Requests4xx',
  'Requests5xx',
  'RequestsAborted',
  '4xxErrorRate',
  '5xxErrorRate',
  'TotalErrorRate',
  'AbortedRequestRate',
  'CacheHits',
  'CacheMisses',
  'CacheHitRate',
  'BotRequestRate',
  'BotRequests',
  'UniqueClients',
  'TimeTaken',
  'TimeToFirstByte',
  'OriginFirstByteLatency',
  'OriginLastByteLatency',
  'MalformedLines',
  'LateRecords',
];

export { MAX_DIMENSION_NAME_LENGTH, MAX_DIMENSION_VALUE_LENGTH, MAX_DIMENSIONS };

/** One metric of one window: `values[i]` observed `counts[i]` times. */
export interface MetricPoint {
  readonly name: MetricName;
  readonly unit: MetricUnit;
  readonly values: readonly number[];
  readonly counts: readonly number[];
  /**
   * Latencies only: the worst-case relative error of any percentile CloudWatch computes from these
   * values, alone or pooled with other data points (see `sketchDistribution`).
   */
  readonly relativeError?: number;
}

/** The metrics of one window x dimension-values cell. */
export interface MetricSet {
  /** Window start, epoch ms: every point is stamped with event time, not processing time. */
  readonly timestamp: number;
  /** Window end (exclusive), epoch ms. */
  readonly end: number;
  /** Name -> value, sanitized for CloudWatch (non-empty, <= 1,024 characters): fixed ones, then the cell's. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly metrics: readonly MetricPoint[];
  /** True when counts were scaled from a sampling rate below 100. */
  readonly estimated: boolean;
}

/** Options shared by the metric sinks. */
export interface MetricOptions {
  /** Which metrics to publish (each distinct name x dimension values is a billed custom metric); default all. */
  readonly metrics?: readonly MetricName[];
  /** Dimensions added to every metric, e.g. `{ DistributionId: 'E2EXAMPLE' }`. */
  readonly dimensions?: Readonly<Record<string, string>>;
  /**
   * The sampling rate (1-100) the cells were aggregated with: one record weighs 100 / rate. Exact
   * min and max are published with one record's weight, and EMF (which has no counts) repeats each
   * latency value once per record. Default 100.
   */
  readonly samplingRate?: number;
}

/**
 * A metric sink: window cells in, CloudWatch metrics out. `dimensions` are the fixed dimensions it
 * adds to every cell's own, so whoever composes it with dimension sets (the handler) can check the
 * 30-dimension limit at construction.
 */
export interface MetricSink extends Sink<WindowCell> {
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * At most this many values per latency distribution: 4 PutMetricData datums of 150 values (a
 * PutMetricData call holds 1,000 datums; the EMF sink pages its values anyway). Room for 597
 * buckets besides zero, min and max: at alpha 1% that is every bucket (error 1%) of latencies whose
 * max / min is up to 1.5e5 (1 ms to 150 s), pairs of buckets (2.0%) up to 2.4e10 (1 us to 6.6 h),
 * and at worst, the sketch's whole 1e18 range, groups of 4 (4.0%).
 */
export const MAX_DISTRIBUTION_VALUES = 600;
/** Bucket values are sent with this many significant digits (relative rounding error <= 5e-6). */
const VALUE_DIGITS = 6;
const VALUE_ROUNDING = 5e-6;

/** A weighted distribution in milliseconds, with the bound on any percentile computed from it. */
export interface LatencyDistribution {
  readonly values: number[];
  readonly counts: number[];
  /** Worst-case relative error of any percentile, alone or pooled (see `sketchDistribution`). */
  readonly relativeError: number;
}

function toMs(seconds: number, digits: number): number {
  // `+ 0` turns -0 into 0, so equal values merge and compare equal.
  return Number((seconds * 1_000).toPrecision(digits)) + 0;
}

/**
 * Contiguous groups of the non-empty bucket indexes `idx`, each spanning at most `span` indexes,
 * packed left to right (the fewest groups for that span); null when more than `limit` are needed.
 */
function pack(idx: readonly number[], span: number, limit: number): number[] | null {
  const starts: number[] = [];
  let from = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < idx.length; k++) {
    if (idx[k]! - from + 1 > span) {
      if (starts.length === limit) return null;
      starts.push(k);
      from = idx[k]!;
    }
  }
  return starts;
}

/**
 * A DDSketch (values in seconds) as a weighted distribution in milliseconds for CloudWatch: the zero
 * bucket as 0, the exact min and max each with one record's weight (`recordWeight`), and each
 * bucket's representative with its count, at most `maxValues` values in all.
 *
 * The bound. A bucket i holds values in (g^(i-1), g^i], g = (1 + alpha) / (1 - alpha). A group of
 * adjacent buckets spanning s indexes is sent as one value r = 2LU / (L + U), L and U its range
 * clamped to [min, max]: every value x in it satisfies |r - x| <= e x with
 * e = (U - L) / (U + L) <= (g^s - 1) / (g^s + 1) (alpha itself for s = 1). Min and max stand for
 * one of their own records (error 0), zero-bucket values (< 1 ns) for 0. Moving every unit of mass
 * by at most a relative e moves every quantile of the pooled distribution (weighted nearest rank,
 * whatever the rank) by at most a relative e: CloudWatch's percentile of any period, pooled over any
 * number of these distributions, is within `relativeError` (the largest e of all of them, plus
 * rounding to 6 significant digits) of the exact percentile of the raw values, or within 1e-6 ms
 * for a value under 1 ns. More buckets than `maxValues` merge into groups of the smallest span s
 * that fits (fewest groups per span, packed left to right), so s <= ceil(R / (maxValues - 3)) for
 * buckets spanning R indexes. Assumes every record weighs at least `recordWeight` (the aggregator's
 * 100 / samplingRate).
 *
 * @example
 * sketchDistribution(cell.latency[0], 150);
 * // { values: [12, 18.3211, ..., 1840], counts: [1, 3, ..., 1], relativeError: 0.0100 }
 */
export function sketchDistribution(
  sketch: DDSketch,
  maxValues = MAX_DISTRIBUTION_VALUES,
  recordWeight = 1,
): LatencyDistribution | null {
  const total = sketch.count;
  if (!(total > 0)) return null;
  const { min, max } = sketch;
  if (min === max) return { values: [toMs(min, 15)], counts: [total], relativeError: 0 };
  const { offset, counts } = sketch.buckets();
  const idx: number[] = [];
  for (let k = 0; k < counts.length; k++) if (counts[k]! > 0) idx.push(offset + k);
  const values: number[] = [];
  const out: number[] = [];
  const push = (v: number, c: number) => {
    if (!(c > 0)) return;
    const at = values.length - 1;
    if (at >= 0 && values[at] === v) out[at]! += c;
    else {
      values.push(v);
      out.push(c);
    }
  };
  const zero = sketch.zeroCount;
  if (zero > 0) push(0, zero);
  if (idx.length === 0) return { values, counts: out, relativeError: 0 };
  // Room for the zero bucket, min and max beside the groups.
  const limit = Math.max(1, maxValues - 3);
  let span = 1;
  let starts = pack(idx, 1, limit);
  if (starts === null) {
    let lo = 2;
    let hi = idx[idx.length - 1]! - idx[0]! + 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pack(idx, mid, limit) === null) lo = mid + 1;
      else hi = mid;
    }
    span = lo;
    starts = pack(idx, span, limit)!;
  }
  const gamma = (1 + sketch.alpha) / (1 - sketch.alpha);
  let worst = 0;
  for (let g = 0; g < starts.length; g++) {
    const first = starts[g]!;
    const last = (g + 1 < starts.length ? starts[g + 1]! : idx.length) - 1;
    let c = 0;
    for (let k = first; k <= last; k++) c += counts[idx[k]! - offset]!;
    // Values of the lowest group are >= min (min is among them unless it is in the zero bucket),
    // values of the highest <= max.
    let low = g === 0 && zero === 0 ? min : Math.max(gamma ** (idx[first]! - 1), min);
    const high = Math.min(gamma ** idx[last]!, max);
    if (g === 0 && zero === 0) {
      // One record's weight stands for the min record itself; a lone record is the min.
      if (c <= recordWeight) {
        push(toMs(min, 15), c);
        continue;
      }
      push(toMs(min, 15), recordWeight);
      c -= recordWeight;
    }
    const top = g === starts.length - 1;
    let maxPart = 0;
    if (top) {
      if (c <= recordWeight) {
        push(toMs(max, 15), c);
        continue;
      }
      maxPart = recordWeight;
      c -= recordWeight;
    }
    if (low > high) low = high;
    const r = low === high ? low : (2 * low * high) / (low + high);
    const e = low === high ? 0 : (high - low) / (high + low);
    if (e > worst) worst = e;
    push(toMs(r, VALUE_DIGITS), c);
    if (maxPart > 0) push(toMs(max, 15), maxPart);
  }
  return { values, counts: out, relativeError: worst === 0 ? 0 : worst + VALUE_ROUNDING * (1 + worst) };
}

/** The relative error of merging buckets `span` at a time at accuracy `alpha`: (g^s - 1) / (g^s + 1). */
export function mergedBucketError(alpha: number, span: number): number {
  const gs = ((1 + alpha) / (1 - alpha)) ** span;
  return (gs - 1) / (gs + 1);
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

function one(name: MetricName, unit: MetricUnit, value: number): MetricPoint {
  return { name, unit, values: [value], counts: [1] };
}

function rate(name: MetricName, ratio: number | null, weight: number): MetricPoint | null {
  if (ratio === null || !(weight > 0) || !Number.isFinite(ratio)) return null;
  return { name, unit: 'Percent', values: [round(ratio * 100)], counts: [weight] };
}

/** CloudWatch: dimension names and values are ASCII without control characters. */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * A dimension value CloudWatch accepts: non-empty, at most 1,024 characters. Cell dimension values
 * are printable ASCII already (the aggregator normalizes them); fixed ones are checked at construction.
 */
export function dimensionValue(value: string): string {
  if (value === '') return '-';
  return value.length > MAX_DIMENSION_VALUE_LENGTH ? value.slice(0, MAX_DIMENSION_VALUE_LENGTH) : value;
}

/** The fixed dimensions of `options`, sanitized. */
export function fixedDimensions(options: MetricOptions): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.dimensions ?? {})) out[k] = dimensionValue(v);
  return out;
}

function asCell(cell: WindowCell): Cell {
  if (!(cell instanceof Cell)) {
    throw new SinkConfigError(
      'A metric sink was given a cell this library did not make (use createAggregator().cells(), mergeCells() or deserializeCell()).',
    );
  }
  return cell;
}

/**
 * The metrics of one window cell: counts and weighted rates from its summary, latencies from its
 * sketches (`sketchDistribution`, at most `maxValues` values each).
 *
 * @example
 * const set = cellMetrics(cell, { metrics: ['Requests', 'TimeTaken'] });
 * set.metrics[0]; // { name: 'Requests', unit: 'Count', values: [1234], counts: [1] }
 * set.metrics[1].relativeError; // 0.01: any CloudWatch percentile of TimeTaken is within 1%
 */
export function cellMetrics(
  cell: WindowCell,
  options: MetricOptions = {},
  maxValues = MAX_DISTRIBUTION_VALUES,
): MetricSet {
  const c = asCell(cell);
  const wanted = options.metrics === undefined ? undefined : new Set(options.metrics);
  const want = (name: MetricName) => wanted === undefined || wanted.has(name);
  const s = summarize(c, { top: 1 });
  const requests = s.requests;
  const hits = s.cache.hit;
  const misses = s.cache.miss;
  const weight = 100 / (options.samplingRate ?? 100);
  const latency = (name: MetricName, i: number): MetricPoint | null => {
    const sketch = c.latency[i];
    if (sketch == null || !want(name)) return null;
    const d = sketchDistribution(sketch, maxValues, weight);
    return d === null
      ? null
      : { name, unit: 'Milliseconds', values: d.values, counts: d.counts, relativeError: d.relativeError };
  };
  const candidates: (MetricPoint | null)[] = [
    one('Requests', 'Count', requests),
    one('BytesDownloaded', 'Bytes', s.bytesOut),
    one('BytesUploaded', 'Bytes', s.bytesIn),
    one('Requests4xx', 'Count', s.status['4xx']),
    one('Requests5xx', 'Count', s.status['5xx']),
    one('RequestsAborted', 'Count', s.status['000']),
    rate('4xxErrorRate', s.errorRates['4xx'], requests),
    rate('5xxErrorRate', s.errorRates['5xx'], requests),
    rate('TotalErrorRate', requests > 0 ? (s.status['4xx'] + s.status['5xx']) / requests : null, requests),
    rate('AbortedRequestRate', s.errorRates['000'], requests),
    one('CacheHits', 'Count', hits),
    one('CacheMisses', 'Count', misses),
    rate('CacheHitRate', s.cacheHitRatio, hits + misses),
    rate('BotRequestRate', s.botShare, c.uaKnown),
    c.uaKnown > 0 ? one('BotRequests', 'Count', c.bots) : null,
    one('UniqueClients', 'Count', s.uniqueClients),
    latency('TimeTaken', 0),
    latency('TimeToFirstByte', 1),
    latency('OriginFirstByteLatency', 2),
    latency('OriginLastByteLatency', 3),
    one('MalformedLines', 'Count', s.malformed),
    one('LateRecords', 'Count', s.late),
  ];
  const metrics: MetricPoint[] = [];
  for (const m of candidates) if (m !== null && want(m.name)) metrics.push(m);
  const dimensions: Record<string, string> = { ...fixedDimensions(options) };
  for (const [k, v] of Object.entries(s.dimensions)) dimensions[k] = dimensionValue(v);
  return { timestamp: s.start, end: s.end, dimensions, metrics, estimated: s.estimated };
}

/** Why CloudWatch would reject every datum of `set` for its dimensions (over 30), or null. */
export function dimensionProblem(set: MetricSet): string | null {
  const n = Object.keys(set.dimensions).length;
  return n > MAX_DIMENSIONS
    ? `${n} dimensions (fixed and the cell's); CloudWatch accepts at most ${MAX_DIMENSIONS} per metric`
    : null;
}

/**
 * Checks metric options once, at construction: known metric names, dimension names, the sampling
 * rate, and (given the dimension sets the cells will have) the 30-dimension limit: the fixed
 * dimensions plus the largest set's names. Returns the problems (empty when fine).
 *
 * @example
 * metricOptionProblems({ dimensions: { Stream: 'cf' } }, [[], ['country', 'statusClass']]); // []
 */
export function metricOptionProblems(
  options: MetricOptions,
  dimensionSets: readonly (readonly string[])[] = [],
): string[] {
  const problems: string[] = [];
  for (const m of options.metrics ?? []) {
    if (!METRIC_NAMES.includes(m)) problems.push(`unknown metric "${m}"; known: ${METRIC_NAMES.join(', ')}`);
  }
  const extra = Object.keys(options.dimensions ?? {});
  for (const k of extra) {
    if (k === '' || k.length > MAX_DIMENSION_NAME_LENGTH || k.startsWith(':') || !PRINTABLE_ASCII.test(k)) {
      problems.push(
        `dimension name ${JSON.stringify(k)} must be 1-${MAX_DIMENSION_NAME_LENGTH} printable ASCII characters, not starting with ":"`,
      );
    }
    const v = options.dimensions![k]!;
    if (
      typeof v !== 'string' ||
      v.trim() === '' ||
      v.length > MAX_DIMENSION_VALUE_LENGTH ||
      !PRINTABLE_ASCII.test(v)
    ) {
      problems.push(
        `dimension ${JSON.stringify(k)} must have a value of 1-${MAX_DIMENSION_VALUE_LENGTH} printable ASCII characters, not blank (CloudWatch refuses others)`,
      );
    }
  }
  const rate = options.samplingRate;
  if (rate !== undefined && !(typeof rate === 'number' && rate >= 1 && rate <= 100)) {
    problems.push(`samplingRate must be from 1 to 100; got ${String(rate)}`);
  }
  problems.push(...dimensionLimitProblems(extra, dimensionSets));
  return problems;
}

const declaredMetricOptions = z.object(METRIC_SINK_OPTIONS);

/**
 * Checks a metric sink's options once, at construction: its namespace and storage resolution
 * against their declarations (`METRIC_SINK_OPTIONS`), and `metricOptionProblems`. Throws
 * `SinkConfigError` with every issue; returns the namespace and resolution with defaults.
 */
export function checkMetricSinkOptions(
  sink: string,
  options: MetricOptions & { readonly namespace?: string; readonly storageResolution?: 1 | 60 },
  more: readonly ConfigIssue[] = [],
): { readonly namespace: string; readonly storageResolution: 1 | 60 } {
  const checked = checkOptions(declaredMetricOptions, options);
  const issues = [...checked.issues, ...sentenceIssues(metricOptionProblems(options)), ...more];
  if (!checked.ok || issues.length > 0) throw new SinkConfigError({ sink, issues });
  return checked.value;
}

/**
 * The 30-dimension limit for fixed dimension names `extra` and the cells' dimension sets: every
 * datum carries the union of the fixed names and its cell's names. Returns the problems.
 *
 * @example
 * dimensionLimitProblems(Array.from({ length: 28 }, (_, i) => `D${i}`), [['country', 'host', 'device']]);
 * // ['28 fixed dimensions plus the dimension set country,host,device make 31 per metric; CloudWatch accepts at most 30']
 */
export function dimensionLimitProblems(
  extra: readonly string[],
  dimensionSets: readonly (readonly string[])[] = [],
): string[] {
  let worst: readonly string[] = [];
  let most = extra.length;
  for (const set of dimensionSets) {
    const n = new Set([...extra, ...set]).size;
    if (n > most) {
      most = n;
      worst = set;
    }
  }
  if (most <= MAX_DIMENSIONS) return [];
  return [
    worst.length === 0
      ? `${extra.length} fixed dimensions; CloudWatch accepts at most ${MAX_DIMENSIONS} per metric`
      : `${extra.length} fixed dimensions plus the dimension set ${worst.join(',')} make ${most} per metric; CloudWatch accepts at most ${MAX_DIMENSIONS}`,
  ];
}

// Which log fields each metric is computed from: a metric whose fields are not configured would
// publish a constant 0 (and be billed) while meaning "unknown".
const METRIC_SOURCES: Readonly<Record<MetricName, readonly string[]>> = {
  Requests: [],
  BytesDownloaded: ['sc-bytes'],
  BytesUploaded: ['cs-bytes'],
  Requests4xx: ['sc-status'],
  Requests5xx: ['sc-status'],
  RequestsAborted: ['sc-status'],
  '4xxErrorRate': ['sc-status'],
  '5xxErrorRate': ['sc-status'],
  TotalErrorRate: ['sc-status'],
  AbortedRequestRate: ['sc-status'],
  CacheHits: ['x-edge-result-type', 'x-edge-response-result-type'],
  CacheMisses: ['x-edge-result-type', 'x-edge-response-result-type'],
  CacheHitRate: ['x-edge-result-type', 'x-edge-response-result-type'],
  BotRequestRate: ['cs-user-agent'],
  BotRequests: ['cs-user-agent'],
  UniqueClients: ['c-ip'],
  TimeTaken: ['time-taken'],
  TimeToFirstByte: ['time-to-first-byte'],
  OriginFirstByteLatency: ['origin-fbl'],
  OriginLastByteLatency: ['origin-lbl'],
  MalformedLines: [],
  LateRecords: ['timestamp'],
};

/**
 * The metrics a field list can feed: each metric whose source fields (any one of them) are
 * configured, or that needs none.
 *
 * @example
 * metricsForFields(['timestamp', 'sc-status']); // ['Requests', 'Requests4xx', ..., 'MalformedLines', 'LateRecords']
 */
export function metricsForFields(fields: readonly string[]): MetricName[] {
  const have = new Set(fields);
  return METRIC_NAMES.filter((m) => {
    const sources = METRIC_SOURCES[m];
    return sources.length === 0 || sources.some((f) => have.has(f));
  });
}
