/**
 * The CloudWatch sink: window summaries as custom metrics through `PutMetricData`, stamped with the
 * window start (event time), in calls within the API limits. A call that fails is retried as a
 * whole (PutMetricData has no partial success) with backoff and full jitter.
 */
import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { WindowSummary } from '../aggregate/types.js';
import { DEFAULT_NAMESPACE } from './cloudwatch-constants.js';
import { SinkConfigError } from './errors.js';
import { lazyModule } from './lazy-module.js';
import { type MetricOptions, type MetricSet, metricOptionProblems, summaryMetrics } from './metrics.js';
import { errorText, isRetryableError, type RetryPolicy, type RoundFailure, retryPending } from './retry.js';
import type { Sink, SinkFailure, SinkResult, WriteOptions } from './types.js';

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

/** One PutMetricData call's data, with the summaries it carries (by index in the batch). */
export interface MetricDataCall {
  readonly datums: MetricDatum[];
  readonly summaries: readonly number[];
}

/**
 * MetricDatum for one metric set (the JSON protocol sends `Timestamp` as a Date).
 *
 * @example
 * toMetricData(summaryMetrics(summary), 60)[0]; // { MetricName: 'Requests', Value: ..., ... }
 */
export function toMetricData(set: MetricSet, storageResolution: 1 | 60 = 60): MetricDatum[] {
  const Dimensions = Object.entries(set.dimensions).map(([Name, Value]) => ({ Name, Value }));
  const Timestamp = new Date(set.timestamp);
  return set.metrics.map((m) => {
    const base = {
      MetricName: m.name,
      Timestamp,
      Unit: m.unit,
      StorageResolution: storageResolution,
      ...(Dimensions.length > 0 ? { Dimensions } : {}),
    };
    if (m.values.length === 1 && m.counts[0] === 1) return { ...base, Value: m.values[0]! };
    return {
      ...base,
      Values: m.values.slice(0, MAX_VALUES_PER_DATUM),
      Counts: m.counts.slice(0, MAX_VALUES_PER_DATUM),
    };
  });
}

function datumBytes(d: MetricDatum): number {
  // The JSON the client sends: Timestamp as epoch seconds (~14 bytes) instead of the Date.
  return JSON.stringify({ ...d, Timestamp: 1_700_000_000.123 }).length + 1;
}

/**
 * Packs the data of several summaries into PutMetricData calls of <= 1,000 datums and <= 1 MB.
 *
 * @example
 * planMetricCalls(summaries.map((s) => toMetricData(summaryMetrics(s)))).length; // calls needed
 */
export function planMetricCalls(perSummary: readonly MetricDatum[][]): MetricDataCall[] {
  const calls: MetricDataCall[] = [];
  let datums: MetricDatum[] = [];
  let summaries: number[] = [];
  let bytes = ENVELOPE_BYTES;
  perSummary.forEach((data, index) => {
    for (const d of data) {
      const size = datumBytes(d);
      if (datums.length > 0 && (datums.length === MAX_DATUMS_PER_CALL || bytes + size > MAX_CALL_BYTES)) {
        calls.push({ datums, summaries });
        datums = [];
        summaries = [];
        bytes = ENVELOPE_BYTES;
      }
      datums.push(d);
      bytes += size;
      if (summaries[summaries.length - 1] !== index) summaries.push(index);
    }
  });
  if (datums.length > 0) calls.push({ datums, summaries });
  return calls;
}

/**
 * Creates a sink publishing window summaries as CloudWatch custom metrics. Dimensions are the
 * cell's dimension values (plus `options.dimensions`); metrics are those of `summaryMetrics`.
 * Summaries older than two weeks (which CloudWatch rejects) fail without a call, not retryable.
 *
 * @example
 * import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
 * const sink = createCloudWatchSink({ client: new CloudWatchClient({}), namespace: 'CDN/Edge' });
 * await sink.write(cells.map((c) => summarize(c)));
 */
export function createCloudWatchSink(options: CloudWatchSinkOptions): Sink<WindowSummary> {
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
    async write(batch: readonly WindowSummary[], writeOptions: WriteOptions = {}): Promise<SinkResult> {
      const failed: SinkFailure[] = [];
      const oldest = now() - MAX_AGE_MS;
      const perSummary = batch.map((s, index) => {
        if (s.start < oldest) {
          failed.push({
            index,
            reason: `window ${new Date(s.start).toISOString()} is older than the two weeks CloudWatch accepts`,
            retryable: false,
            permanent: true,
          });
          return [];
        }
        return toMetricData(summaryMetrics(s, options), storageResolution);
      });
      const calls = planMetricCalls(perSummary);
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
        for (const index of calls[f.index]!.summaries) {
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
