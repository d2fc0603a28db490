/**
 * The CloudWatch sink: window cells as custom metrics through `PutMetricData`, stamped with the
 * window start (event time), in calls within the API limits. Latency distributions of more than
 * 150 values go out as several datums of the same metric and timestamp, which CloudWatch pools. A call that fails is retried as a
 * whole (PutMetricData has no partial success) with backoff and full jitter.
 */
import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { WindowCell } from '../aggregate/cell.js';
import { DEFAULT_NAMESPACE } from './cloudwatch-constants.js';
import { SinkConfigError } from './errors.js';
import { lazyModule } from './lazy-module.js';
import {
  cellMetrics,
  dimensionProblem,
  fixedDimensions,
  type MetricOptions,
  type MetricSet,
  type MetricSink,
  metricOptionProblems,
} from './metrics.js';
import { errorText, isRetryableError, type RetryPolicy, type RoundFailure, retryPending } from './retry.js';
import type { SinkFailure, SinkResult, WriteOptions } from './types.js';

// The SDK is loaded on first write, so importing this module (or bundling it) costs nothing until used.
const sdk = lazyModule(() => import('@aws-sdk/client-cloudwatch'));

/** PutMetricData: at most 1,000 MetricDatum per call. */
export const MAX_DATUMS_PER_CALL = 1_000;
/** PutMetricData: at most 1 MB per request; kept under by the uncompressed JSON size. */
export const MAX_CALL_BYTES = 1_000_000;
/** Room for the request envelope (`Namespace`, brackets) within `MAX_CALL_BYTES`. */
const ENVELOPE_BYTES = 1_024;
/** MetricDatum `Values`/`Counts`: at most 150 entries. */
export const MAX_VALUES_PER_DATUM = 150;
/** CloudWatch rejects data points older than two weeks. */
export const MAX_AGE_MS = 14 * 86_400_000;

export { DEFAULT_NAMESPACE };

/** Options of `createCloudWatchSink`. */
export interface CloudWatchSinkOptions extends MetricOptions {
  /** An SDK v3 client (injected). */
  readonly client: Pick<CloudWatchClient, 'send'>;
  /** Default `CloudFront/RealtimeLogs`. */
  readonly namespace?: string;
  /** 60 (standard, default) or 1 (high resolution: sub-minute windows, higher cost). */
  readonly storageResolution?: 1 | 60;
  readonly retry?: RetryPolicy;
  /** Name in results and logs; default `cloudwatch`. */
  readonly name?: string;
  /** Epoch ms now, for the two-week age limit; `Date.now` by default. */
  readonly now?: () => number;
}

/** One PutMetricData call's data, with the cells it carries (by index in the batch). */
export interface MetricDataCall {
  readonly datums: MetricDatum[];
  readonly cells: readonly number[];
}

/**
 * MetricDatum for one metric set (the JSON protocol sends `Timestamp` as a Date). A point of more
 * than 150 values becomes several datums of 150: CloudWatch pools every datum of a metric, so
 * percentiles are those of all the values.
 *
 * @example
 * toMetricData(cellMetrics(cell), 60)[0]; // { MetricName: 'Requests', Value: ..., ... }
 */
export function toMetricData(set: MetricSet, storageResolution: 1 | 60 = 60): MetricDatum[] {
  const Dimensions = Object.entries(set.dimensions).map(([Name, Value]) => ({ Name, Value }));
  const Timestamp = new Date(set.timestamp);
  const out: MetricDatum[] = [];
  for (const m of set.metrics) {
    const base = {
      MetricName: m.name,
      Timestamp,
      Unit: m.unit,
      StorageResolution: storageResolution,
      ...(Dimensions.length > 0 ? { Dimensions } : {}),
    };
    if (m.values.length === 1 && m.counts[0] === 1) {
      out.push({ ...base, Value: m.values[0]! });
      continue;
    }
    for (let from = 0; from < m.values.length; from += MAX_VALUES_PER_DATUM) {
      out.push({
        ...base,
        Values: m.values.slice(from, from + MAX_VALUES_PER_DATUM),
        Counts: m.counts.slice(from, from + MAX_VALUES_PER_DATUM),
      });
    }
  }
  return out;
}

function datumBytes(d: MetricDatum): number {
  // The JSON the client sends: Timestamp as epoch seconds (~14 bytes) instead of the Date.
  return JSON.stringify({ ...d, Timestamp: 1_700_000_000.123 }).length + 1;
}

/**
 * Packs the data of several cells into PutMetricData calls of <= 1,000 datums and <= 1 MB.
 *
 * @example
 * planMetricCalls(cells.map((c) => toMetricData(cellMetrics(c)))).length; // calls needed
 */
export function planMetricCalls(perCell: readonly MetricDatum[][]): MetricDataCall[] {
  const calls: MetricDataCall[] = [];
  let datums: MetricDatum[] = [];
  let cells: number[] = [];
  let bytes = ENVELOPE_BYTES;
  perCell.forEach((data, index) => {
    for (const d of data) {
      const size = datumBytes(d);
      if (datums.length > 0 && (datums.length === MAX_DATUMS_PER_CALL || bytes + size > MAX_CALL_BYTES)) {
        calls.push({ datums, cells });
        datums = [];
        cells = [];
        bytes = ENVELOPE_BYTES;
      }
      datums.push(d);
      bytes += size;
      if (cells[cells.length - 1] !== index) cells.push(index);
    }
  });
  if (datums.length > 0) calls.push({ datums, cells });
  return calls;
}

/**
 * Creates a sink publishing window cells as CloudWatch custom metrics. Dimensions are the cell's
 * dimension values (plus `options.dimensions`); metrics are those of `cellMetrics`. Cells older
 * than two weeks, or whose dimensions with the fixed ones exceed 30, fail without a call
 * (CloudWatch would reject them on every retry): permanent, not retryable.
 *
 * @example
 * import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
 * const sink = createCloudWatchSink({ client: new CloudWatchClient({}), namespace: 'CDN/Edge' });
 * await sink.write(aggregator.cells());
 */
export function createCloudWatchSink(options: CloudWatchSinkOptions): MetricSink {
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  const storageResolution = options.storageResolution ?? 60;
  const problems = metricOptionProblems(options);
  if (namespace === '' || namespace.length > 255 || namespace.startsWith('AWS/')) {
    problems.push(`namespace must be 1-255 characters and not start with "AWS/"; got "${namespace}"`);
  }
  if (storageResolution !== 1 && storageResolution !== 60) {
    problems.push(`storageResolution must be 1 or 60; got ${String(storageResolution)}`);
  }
  if (problems.length > 0) throw new SinkConfigError(`CloudWatch sink: ${problems.join('; ')}.`);
  const name = options.name ?? 'cloudwatch';
  const now = options.now ?? Date.now;
  const { client } = options;

  return {
    name,
    dimensions: fixedDimensions(options),
    async write(batch: readonly WindowCell[], writeOptions: WriteOptions = {}): Promise<SinkResult> {
      const failed: SinkFailure[] = [];
      const oldest = now() - MAX_AGE_MS;
      const perCell = batch.map((cell, index) => {
        if (cell.start < oldest) {
          failed.push({
            index,
            reason: `window ${new Date(cell.start).toISOString()} is older than the two weeks CloudWatch accepts`,
            retryable: false,
            permanent: true,
          });
          return [];
        }
        const set = cellMetrics(cell, options);
        const problem = dimensionProblem(set);
        if (problem !== null) {
          failed.push({ index, reason: problem, retryable: false, permanent: true });
          return [];
        }
        return toMetricData(set, storageResolution);
      });
      const calls = planMetricCalls(perCell);
      const outcome = await retryPending(
        calls,
        async (pending) => {
          const failures: RoundFailure[] = [];
          const { PutMetricDataCommand } = await sdk();
          for (let position = 0; position < pending.length; position++) {
            try {
              await client.send(
                new PutMetricDataCommand({ Namespace: namespace, MetricData: pending[position]!.datums }),
                { abortSignal: writeOptions.signal },
              );
            } catch (error) {
              failures.push({ position, reason: errorText(error), retryable: isRetryableError(error) });
            }
          }
          return failures;
        },
        options.retry,
        writeOptions,
      );
      const seen = new Set(failed.map((f) => f.index));
      for (const f of outcome.failed) {
        for (const index of calls[f.index]!.cells) {
          if (seen.has(index)) continue;
          seen.add(index);
          failed.push({ index, reason: f.reason, retryable: f.retryable });
        }
      }
      failed.sort((a, b) => a.index - b.index);
      return { sink: name, written: batch.length - failed.length, failed };
    },
  };
}
