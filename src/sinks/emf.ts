/**
 * The EMF sink: window summaries as CloudWatch Embedded Metric Format lines on stdout. In Lambda,
 * CloudWatch Logs extracts the metrics asynchronously: no API call, no added latency, and cheaper
 * than PutMetricData at volume. Rendering is a pure function (`renderEmf`), writing is one call.
 */
import type { WindowSummary } from '../aggregate/types.js';
import { DEFAULT_NAMESPACE } from './cloudwatch-constants.js';
import { SinkConfigError } from './errors.js';
import { MAX_DIMENSIONS, type MetricOptions, metricOptionProblems, summaryMetrics } from './metrics.js';
import type { Sink, SinkResult, WriteOptions } from './types.js';

/** EMF: at most 100 metrics per MetricDirective. */
export const MAX_METRICS_PER_DIRECTIVE = 100;
/** EMF: at most 100 values in one metric's array. */
export const MAX_VALUES_PER_METRIC = 100;

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

/**
 * Expands a weighted distribution into at most `max` plain values with the same shape (EMF has
 * no `Counts`): each value repeated in proportion to its weight, at least once.
 *
 * @example
 * expandDistribution([10, 20], [1, 3], 100); // [10, 20, 20, 20]
 */
export function expandDistribution(
  values: readonly number[],
  counts: readonly number[],
  max = MAX_VALUES_PER_METRIC,
): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  const exact = total <= max && counts.every((c) => Number.isInteger(c));
  const scale = exact ? 1 : max / total;
  const reps = counts.map((c) => Math.max(1, Math.round(c * scale)));
  // Rounding up the small weights can overshoot `max`: take the excess from the largest weight.
  let excess = reps.reduce((a, b) => a + b, 0) - max;
  while (excess > 0) {
    let big = 0;
    for (let i = 1; i < reps.length; i++) if (reps[i]! > reps[big]!) big = i;
    const take = Math.min(excess, reps[big]! - 1);
    if (take <= 0) break;
    reps[big]! -= take;
    excess -= take;
  }
  const out: number[] = [];
  values.forEach((v, i) => {
    for (let r = 0; r < reps[i]!; r++) out.push(v);
  });
  return out.slice(0, max);
}

/**
 * The EMF document(s) for one window summary, as JSON lines: `_aws.Timestamp` is the window start,
 * the dimension set is the cell's dimension names, each metric a root member. Counts and sums are
 * single values; latencies are arrays (<= 100) shaped like the window's distribution.
 *
 * @example
 * const [line] = renderEmf(summary, { namespace: 'CDN/Edge' });
 * JSON.parse(line)._aws.CloudWatchMetrics[0].Metrics[0]; // { Name: 'Requests', Unit: 'Count' }
 */
export function renderEmf(summary: WindowSummary, options: EmfOptions = {}): string[] {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const set = summaryMetrics(summary, options);
  const dimensionKeys = Object.keys(set.dimensions);
  const lines: string[] = [];
  for (let from = 0; from < set.metrics.length; from += MAX_METRICS_PER_DIRECTIVE) {
    const metrics = set.metrics.slice(from, from + MAX_METRICS_PER_DIRECTIVE);
    const doc: Record<string, unknown> = {
      _aws: {
        Timestamp: set.timestamp,
        CloudWatchMetrics: [
          {
            Namespace: namespace,
            Dimensions: [dimensionKeys],
            Metrics: metrics.map((m) =>
              options.storageResolution === 1
                ? { Name: m.name, Unit: m.unit, StorageResolution: 1 }
                : { Name: m.name, Unit: m.unit },
            ),
          },
        ],
      },
      ...set.dimensions,
    };
    for (const m of metrics) {
      doc[m.name] =
        m.values.length === 1 && m.counts[0] === 1 ? m.values[0] : expandDistribution(m.values, m.counts);
    }
    // Not metrics, but searchable in Logs Insights next to them.
    doc.windowEnd = summary.end;
    if (summary.estimated) doc.estimated = true;
    lines.push(JSON.stringify(doc));
  }
  return lines;
}

/**
 * Creates a sink printing window summaries as EMF lines (stdout by default). Writing to stdout
 * cannot fail in a way a retry would fix, so every summary lands.
 *
 * @example
 * const sink = createEmfSink({ namespace: 'CDN/Edge', dimensions: { Stream: 'cf-logs' } });
 * await sink.write(summaries);
 */
export function createEmfSink(options: EmfSinkOptions = {}): Sink<WindowSummary> {
  const problems = metricOptionProblems(options);
  const extra = Object.keys(options.dimensions ?? {});
  if (extra.length > MAX_DIMENSIONS) problems.push(`at most ${MAX_DIMENSIONS} dimension keys per set`);
  if (
    options.storageResolution !== undefined &&
    options.storageResolution !== 1 &&
    options.storageResolution !== 60
  ) {
    problems.push(`storageResolution must be 1 or 60; got ${String(options.storageResolution)}`);
  }
  if (problems.length > 0) throw new SinkConfigError(`EMF sink: ${problems.join('; ')}.`);
  const output = options.output ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const name = options.name ?? 'emf';
  return {
    name,
    async write(batch: readonly WindowSummary[], _options?: WriteOptions): Promise<SinkResult> {
      for (const summary of batch) for (const line of renderEmf(summary, options)) output(line);
      return { sink: name, written: batch.length, failed: [] };
    },
  };
}
