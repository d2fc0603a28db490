/**
 * The metric model shared by the CloudWatch (PutMetricData) and EMF sinks: what a window summary
 * becomes as CloudWatch metrics. Serializing is separate from sending, so payloads are testable
 * as values.
 *
 * Rates are sent as one value weighted by its denominator (`Values: [rate]`, `Counts: [requests]`):
 * CloudWatch's `Average` over any period, across invocations and shards, is then the true rate
 * (sum of errors / sum of requests), not an average of per-batch percentages. Latencies are sent as
 * a weighted distribution (`Values`/`Counts`) whose p50/p90/p95/p99/min/max are the window's, so
 * CloudWatch percentiles work and aggregate across windows.
 */
import type { LatencySummary, WindowSummary } from '../aggregate/types.js';

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
  'UniqueClients',
  'TimeTaken',
  'TimeToFirstByte',
  'OriginFirstByteLatency',
  'OriginLastByteLatency',
  'MalformedLines',
  'LateRecords',
];

/** CloudWatch: at most 30 dimensions per metric (EMF: 30 keys per dimension set). */
export const MAX_DIMENSIONS = 30;
/** CloudWatch: dimension values are 1 to 1,024 characters. */
export const MAX_DIMENSION_VALUE_LENGTH = 1_024;
/** CloudWatch: dimension names are 1 to 255 characters. */
export const MAX_DIMENSION_NAME_LENGTH = 255;

/** One metric of one window: `values[i]` observed `counts[i]` times. */
export interface MetricPoint {
  readonly name: MetricName;
  readonly unit: MetricUnit;
  readonly values: readonly number[];
  readonly counts: readonly number[];
}

/** The metrics of one window x dimension-values cell. */
export interface MetricSet {
  /** Window start, epoch ms: every point is stamped with event time, not processing time. */
  readonly timestamp: number;
  /** Name -> value, sanitized for CloudWatch (non-empty, <= 1,024 characters). */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly metrics: readonly MetricPoint[];
}

/** Options shared by the metric sinks. */
export interface MetricOptions {
  /** Which metrics to publish (each distinct name x dimension values is a billed custom metric); default all. */
  readonly metrics?: readonly MetricName[];
  /** Dimensions added to every metric, e.g. `{ DistributionId: 'E2EXAMPLE' }`. */
  readonly dimensions?: Readonly<Record<string, string>>;
}

// The quantiles a summary keeps and the share of requests each one stands for: p50 stands for the
// lowest 50%, p90 for the next 40%, ... so the distribution's own quantiles are the window's.
const LATENCY_MASS: readonly (readonly [keyof LatencySummary, number])[] = [
  ['p50', 0.5],
  ['p90', 0.4],
  ['p95', 0.05],
  ['p99', 0.04],
  ['max', 0.01],
];

/**
 * A latency summary (seconds) as a weighted distribution in milliseconds: `min` once, then each
 * quantile weighted by the share of requests below it. Equal values are merged; zero weights dropped.
 *
 * @example
 * latencyDistribution({ count: 100, min: 0.01, p50: 0.02, p90: 0.1, p95: 0.2, p99: 0.5, max: 1 });
 * // { values: [10, 20, 100, 200, 500, 1000], counts: [1, 49, 40, 5, 4, 1] }
 */
export function latencyDistribution(s: LatencySummary): { values: number[]; counts: number[] } | null {
  if (s.count <= 0 || s.min === null || s.max === null) return null;
  const pairs: [number, number][] = [];
  const minCount = s.count >= 2 ? 1 : s.count;
  pairs.push([s.min, minCount]);
  let rest = s.count - minCount;
  for (const [key, share] of LATENCY_MASS) {
    const v = s[key];
    if (typeof v !== 'number' || rest <= 0) continue;
    let c = s.count * share;
    if (key === 'p50') c -= minCount;
    pairs.push([v, c]);
    rest -= c;
  }
  const values: number[] = [];
  const counts: number[] = [];
  for (const [v, c] of pairs) {
    if (!(c > 0) || !Number.isFinite(v)) continue;
    // `+ 0` turns -0 into 0, so equal values merge and compare equal.
    const ms = Math.round(v * 1_000_000) / 1_000 + 0;
    const at = values.length - 1;
    if (at >= 0 && values[at] === ms) counts[at]! += c;
    else {
      values.push(ms);
      counts.push(c);
    }
  }
  return values.length === 0 ? null : { values, counts };
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

/** A dimension value CloudWatch accepts: non-empty, at most 1,024 characters. */
export function dimensionValue(value: string): string {
  if (value === '') return '-';
  return value.length > MAX_DIMENSION_VALUE_LENGTH ? value.slice(0, MAX_DIMENSION_VALUE_LENGTH) : value;
}

/**
 * The metrics of one window summary.
 *
 * @example
 * const set = summaryMetrics(summary, { metrics: ['Requests', '5xxErrorRate'] });
 * set.metrics[0]; // { name: 'Requests', unit: 'Count', values: [1234], counts: [1] }
 */
export function summaryMetrics(summary: WindowSummary, options: MetricOptions = {}): MetricSet {
  const wanted = options.metrics === undefined ? undefined : new Set(options.metrics);
  const s = summary;
  const requests = s.requests;
  const hits = s.cache.hit;
  const misses = s.cache.miss;
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
    rate('BotRequestRate', s.botShare, requests),
    one('UniqueClients', 'Count', s.uniqueClients),
    latency('TimeTaken', s.timeTaken),
    latency('TimeToFirstByte', s.timeToFirstByte),
    latency('OriginFirstByteLatency', s.originFbl),
    latency('OriginLastByteLatency', s.originLbl),
    one('MalformedLines', 'Count', s.malformed),
    one('LateRecords', 'Count', s.late),
  ];
  const metrics: MetricPoint[] = [];
  for (const m of candidates) {
    if (m !== null && (wanted === undefined || wanted.has(m.name))) metrics.push(m);
  }
  const dimensions: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.dimensions ?? {})) dimensions[k] = dimensionValue(v);
  for (const [k, v] of Object.entries(s.dimensions)) dimensions[k] = dimensionValue(v);
  return { timestamp: s.start, dimensions, metrics };
}

function latency(name: MetricName, s: LatencySummary): MetricPoint | null {
  const d = latencyDistribution(s);
  return d === null ? null : { name, unit: 'Milliseconds', values: d.values, counts: d.counts };
}

/**
 * Checks metric options once, at construction: known metric names, dimension names and count.
 * Returns the problems (empty when fine).
 */
export function metricOptionProblems(options: MetricOptions, dimensionKeys = 0): string[] {
  const problems: string[] = [];
  for (const m of options.metrics ?? []) {
    if (!METRIC_NAMES.includes(m)) problems.push(`unknown metric "${m}"; known: ${METRIC_NAMES.join(', ')}`);
  }
  const extra = Object.keys(options.dimensions ?? {});
  for (const k of extra) {
    if (k === '' || k.length > MAX_DIMENSION_NAME_LENGTH || k.startsWith(':')) {
      problems.push(
        `dimension name "${k}" must be 1-${MAX_DIMENSION_NAME_LENGTH} characters, not starting with ":"`,
      );
    }
  }
  if (extra.length + dimensionKeys > MAX_DIMENSIONS) {
    problems.push(`at most ${MAX_DIMENSIONS} dimensions per metric; got ${extra.length + dimensionKeys}`);
  }
  return problems;
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
