/**
 * The fan-out sink: one batch to several sinks at once. An item has landed only when it landed
 * everywhere, so a failure in any sink is a failure of the item (with that sink's reason).
 */
import type { Sink, SinkFailure, SinkResult, WriteOptions } from './types.js';

/** A fan-out sink; `results` of the last write keep each inner sink's own outcome. */
export interface FanOutSink<T> extends Sink<T> {
  readonly sinks: readonly Sink<T>[];
  /** The inner results of the last `write`, in the order of `sinks`. */
  readonly lastResults: readonly SinkResult[];
}

/**
 * Writes every batch to all `sinks` concurrently. A sink that throws (a bug, not a failed call)
 * fails every item of the batch with its message, so the other sinks' writes still count.
 *
 * @example
 * const sink = createFanOutSink([createEmfSink(), createCloudWatchSink({ client })]);
 * const result = await sink.write(summaries); // failed = union of both sinks' failures
 */
export function createFanOutSink<T>(sinks: readonly Sink<T>[], name = 'fan-out'): FanOutSink<T> {
  let lastResults: SinkResult[] = [];
  return {
    name,
    sinks,
    get lastResults() {
      return lastResults;
    },
    async write(batch: readonly T[], options?: WriteOptions): Promise<SinkResult> {
      lastResults = await Promise.all(
        sinks.map(async (sink): Promise<SinkResult> => {
          try {
            return await sink.write(batch, options);
          } catch (error) {
            const reason = `${sink.name} threw: ${error instanceof Error ? error.message : String(error)}`;
            return {
              sink: sink.name,
              written: 0,
              failed: batch.map((_, index) => ({ index, reason, retryable: false })),
            };
          }
        }),
      );
      const byIndex = new Map<number, SinkFailure>();
      for (const result of lastResults) {
        for (const f of result.failed) {
          const seen = byIndex.get(f.index);
          // Retryable only if every failing sink may succeed later.
          if (seen === undefined) byIndex.set(f.index, { ...f, reason: `${result.sink}: ${f.reason}` });
          else {
            byIndex.set(f.index, {
              ...seen,
              retryable: seen.retryable && f.retryable,
              // Dropped only if no sink could ever take it.
              permanent: seen.permanent === true && f.permanent === true,
            });
          }
        }
      }
      const failed = [...byIndex.values()].sort((a, b) => a.index - b.index);
      return { sink: name, written: batch.length - failed.length, failed };
    },
    async flush() {
      await Promise.all(sinks.map((s) => s.flush?.()));
    },
  };
}
