/**
 * The EMF sink: window cells as CloudWatch Embedded Metric Format lines on stdout. In Lambda,
 * CloudWatch Logs extracts the metrics asynchronously: no API call, no added latency, and cheaper
 * than PutMetricData at volume. Rendering is a pure function (`renderEmf`), writing is one call.
 *
 * EMF has no `Counts`: a value counts once per occurrence in an array. So a latency distribution
 * is carried with one copy of each value per record it stands for (its count divided by one
 * record's weight, 100 / samplingRate), paged over as many documents of the window as needed (at
 * most 100 values per array). Every invocation uses the same unit (one record), so CloudWatch's
 * pool of a period weighs each value as PutMetricData's `Counts` would: the same percentile bound
 * (see `sketchDistribution`). The cost is one value per record and latency field in the log
 * (about 8 bytes each). Rates are single values per window (EMF cannot weight them): their
 * `Average` over several data points is a mean of per-window rates, not the true ratio; use metric
 * math on the counts, `100 * SUM(Requests5xx) / SUM(Requests)`.
 */
import type { WindowCell } from '../aggregate/cell.js';
import {
  EMF_MAX_DIMENSION_KEYS,
  EMF_MAX_METRICS_PER_DIRECTIVE as MAX_METRICS_PER_DIRECTIVE,
  EMF_MAX_VALUES_PER_METRIC as MAX_VALUES_PER_METRIC,
} from './aws-limits.js';
import { DEFAULT_NAMESPACE } from './cloudwatch-constants.js';
import {
  cellMetrics,
  checkMetricSinkOptions,
  dimensionProblem,
  fixedDimensions,
  type MetricOptions,
  type MetricPoint,
  type MetricSet,
  type MetricSink,
} from './metrics.js';
import type { SinkFailure, SinkResult, WriteOptions } from './types.js';

// This library has 21 metric names, under EMF's 100 per directive.
export { MAX_METRICS_PER_DIRECTIVE, MAX_VALUES_PER_METRIC };

/** Options of `createEmfSink` and `renderEmf`. */
export interface EmfOptions extends MetricOptions {
  /** Default `CloudFront/RealtimeLogs`. */
  readonly namespace?: string;
  /** 60 (default) or 1. */
  readonly storageResolution?: 1 | 60;
}

/** Options of `createEmfSink`. */
export interface EmfSinkOptions extends EmfOptions {
  /** Where lines go; default `process.stdout` (one JSON document per line, as EMF requires). */
  readonly output?: (line: string) => void;
  /** Name in results and logs; default `emf`. */
  readonly name?: string;
}

/** A distribution as plain values: each value once per record it stands for (at least once). */
function perRecord(m: MetricPoint, recordWeight: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m.values.length; i++) {
    const copies = Math.max(1, Math.round(m.counts[i]! / recordWeight));
    const v = m.values[i]!;
    for (let r = 0; r < copies; r++) out.push(v);
  }
  return out;
}

/**
 * The EMF documents of one metric set, as JSON lines: `_aws.Timestamp` is the window start, the
 * dimension set is the cell's dimension names, each metric a root member. The first document has
 * the counts and rates (single values) and the first 100 values of each latency; the next ones
 * carry the rest of the latency values, 100 per array.
 *
 * @example
 * emfDocuments(cellMetrics(cell), { namespace: 'CDN/Edge' }).length; // 1 + (records - 1) / 100
 */
export function emfDocuments(set: MetricSet, options: EmfOptions = {}): string[] {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const recordWeight = 100 / (options.samplingRate ?? 100);
  const dimensionKeys = Object.keys(set.dimensions);
  const scalars: MetricPoint[] = [];
  const arrays: { m: MetricPoint; values: number[] }[] = [];
  for (const m of set.metrics) {
    if (m.unit === 'Milliseconds') arrays.push({ m, values: perRecord(m, recordWeight) });
    else scalars.push(m);
  }
  let pages = 1;
  for (const a of arrays) pages = Math.max(pages, Math.ceil(a.values.length / MAX_VALUES_PER_METRIC));
  const lines: string[] = [];
  for (let page = 0; page < pages; page++) {
    const from = page * MAX_VALUES_PER_METRIC;
    const members: Record<string, unknown> = {};
    const declared: MetricPoint[] = [];
    if (page === 0) {
      for (const m of scalars) {
        members[m.name] = m.values[0];
        declared.push(m);
      }
    }
    for (const a of arrays) {
      if (from >= a.values.length) continue;
      members[a.m.name] = a.values.slice(from, from + MAX_VALUES_PER_METRIC);
      declared.push(a.m);
    }
    if (declared.length === 0) continue;
    const doc: Record<string, unknown> = {
      _aws: {
        Timestamp: set.timestamp,
        CloudWatchMetrics: [
          {
            Namespace: namespace,
            Dimensions: [dimensionKeys],
            Metrics: declared.map((m) =>
              options.storageResolution === 1
                ? { Name: m.name, Unit: m.unit, StorageResolution: 1 }
                : { Name: m.name, Unit: m.unit },
            ),
          },
        ],
      },
      ...set.dimensions,
      ...members,
      // Not metrics, but searchable in Logs Insights next to them.
      windowEnd: set.end,
      ...(set.estimated ? { estimated: true } : {}),
    };
    lines.push(JSON.stringify(doc));
  }
  return lines;
}

/**
 * The EMF document(s) of one window cell (`cellMetrics`, then `emfDocuments`).
 *
 * @example
 * const [line] = renderEmf(cell, { namespace: 'CDN/Edge' });
 * JSON.parse(line)._aws.CloudWatchMetrics[0].Metrics[0]; // { Name: 'Requests', Unit: 'Count' }
 */
export function renderEmf(cell: WindowCell, options: EmfOptions = {}): string[] {
  return emfDocuments(cellMetrics(cell, options), options);
}

/**
 * Creates a sink printing window cells as EMF lines (stdout by default). Writing to stdout cannot
 * fail in a way a retry would fix, so every cell lands, except one whose dimensions (with the
 * fixed ones) exceed 30, which CloudWatch would drop: it fails as permanent, and is not printed.
 *
 * @example
 * const sink = createEmfSink({ namespace: 'CDN/Edge', dimensions: { Stream: 'cf-logs' } });
 * await sink.write(aggregator.cells());
 */
export function createEmfSink(options: EmfSinkOptions = {}): MetricSink {
  const extra = Object.keys(options.dimensions ?? {});
  checkMetricSinkOptions(
    'EMF',
    options,
    extra.length > EMF_MAX_DIMENSION_KEYS
      ? [{ path: ['dimensions'], message: `must have at most ${EMF_MAX_DIMENSION_KEYS} keys` }]
      : [],
  );
  const output = options.output ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const name = options.name ?? 'emf';
  return {
    name,
    dimensions: fixedDimensions(options),
    async write(batch: readonly WindowCell[], _options?: WriteOptions): Promise<SinkResult> {
      const failed: SinkFailure[] = [];
      batch.forEach((cell, index) => {
        const set = cellMetrics(cell, options);
        const problem = dimensionProblem(set);
        if (problem !== null) failed.push({ index, reason: problem, retryable: false, permanent: true });
        else for (const line of emfDocuments(set, options)) output(line);
      });
      return { sink: name, written: batch.length - failed.length, failed };
    },
  };
}
