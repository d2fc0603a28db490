/**
 * The CloudWatch sink: window cells as custom metrics through `PutMetricData`, stamped with the
 * window start (event time), in calls within the API limits. Latency distributions of more than
 * 150 values go out as several datums of the same metric and timestamp, which CloudWatch pools. A call that fails is retried as a
 * whole (PutMetricData has no partial success) with backoff and full jitter.
 */
import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { WindowCell } from '../aggregate/cell.js';
import {
  CLOUDWATCH_MAX_AGE_MS,
  CLOUDWATCH_MAX_CALL_BYTES,
  CLOUDWATCH_MAX_DATUMS_PER_CALL,
  CLOUDWATCH_MAX_VALUES_PER_DATUM,
} from './aws-limits.js';
import { type CallLimits, chunkBySize, createBatchedWriter, Refusal } from './batched-writer.js';
import { DEFAULT_NAMESPACE } from './cloudwatch-constants.js';
import { lazyModule } from './lazy-module.js';
import {
  cellMetrics,
  checkMetricSinkOptions,
  dimensionProblem,
  fixedDimensions,
  type MetricOptions,
  type MetricSet,
  type MetricSink,
} from './metrics.js';
import type { RetryPolicy } from './retry.js';
import type { SinkResult, WriteOptions } from './types.js';

// The SDK is loaded on first write, so importing this module (or bundling it) costs nothing until used.
const sdk = lazyModule(() => import('@aws-sdk/client-cloudwatch'));

export {
  CLOUDWATCH_MAX_AGE_MS as MAX_AGE_MS,
  CLOUDWATCH_MAX_CALL_BYTES as MAX_CALL_BYTES,
  CLOUDWATCH_MAX_DATUMS_PER_CALL as MAX_DATUMS_PER_CALL,
  CLOUDWATCH_MAX_VALUES_PER_DATUM as MAX_VALUES_PER_DATUM,
};

/**
 * What one PutMetricData call may carry. A datum counts its JSON size; the envelope is room for
 * `Namespace` and brackets.
 */
const PUT_METRIC_DATA_LIMITS: CallLimits = {
  maxEntries: CLOUDWATCH_MAX_DATUMS_PER_CALL,
  maxBytes: CLOUDWATCH_MAX_CALL_BYTES,
  envelopeBytes: 1_024,
};

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
    for (let from = 0; from < m.values.length; from += CLOUDWATCH_MAX_VALUES_PER_DATUM) {
      out.push({
        ...base,
        Values: m.values.slice(from, from + CLOUDWATCH_MAX_VALUES_PER_DATUM),
        Counts: m.counts.slice(from, from + CLOUDWATCH_MAX_VALUES_PER_DATUM),
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
  const owned = perCell.flatMap((data, cell) =>
    data.map((datum) => ({ datum, cell, size: datumBytes(datum) })),
  );
  return chunkBySize(owned, (d) => d.size, PUT_METRIC_DATA_LIMITS).map((chunk) => {
    const cells: number[] = [];
    for (const d of chunk) if (cells[cells.length - 1] !== d.cell) cells.push(d.cell);
    return { datums: chunk.map((d) => d.datum), cells };
  });
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
  const { namespace, storageResolution } = checkMetricSinkOptions('CloudWatch', options);
  const name = options.name ?? 'cloudwatch';
  const now = options.now ?? Date.now;
  const { client } = options;

  /** The writer of one write: windows before `oldest` are refused. */
  const writerFor = (oldest: number) =>
    createBatchedWriter<WindowCell, MetricDatum>({
      limits: PUT_METRIC_DATA_LIMITS,
      // What CloudWatch would reject on every retry is caught here, never sent.
      prepare(cell) {
        if (cell.start < oldest) {
          return new Refusal(
            `window ${new Date(cell.start).toISOString()} is older than the two weeks CloudWatch accepts`,
          );
        }
        const set = cellMetrics(cell, options);
        const problem = dimensionProblem(set);
        return problem !== null ? new Refusal(problem) : toMetricData(set, storageResolution);
      },
      size: datumBytes,
      // PutMetricData has no partial success: a call lands or throws, failing each of its datums.
      async send(datums, signal) {
        const { PutMetricDataCommand } = await sdk();
        await client.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [...datums] }), {
          abortSignal: signal,
        });
        return [];
      },
      // One call at a time, in window order: a batch's metrics rarely fill more than a few calls.
      concurrency: 1,
      retry: options.retry,
    });

  return {
    name,
    dimensions: fixedDimensions(options),
    async write(batch: readonly WindowCell[], writeOptions: WriteOptions = {}): Promise<SinkResult> {
      const { written, failed } = await writerFor(now() - CLOUDWATCH_MAX_AGE_MS)(batch, writeOptions);
      return { sink: name, written, failed };
    },
  };
}
