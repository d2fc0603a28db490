/**
 * The in-memory sink: keeps what it is given. For tests, the bench, and `cfrt` runs that print
 * at the end.
 */
import type { Sink, SinkResult, WriteOptions } from './types.js';

/** A sink that appends every batch to `items`. */
export interface MemorySink<T> extends Sink<T> {
  /** Everything written, in order. */
  readonly items: T[];
  /** Number of `write` calls. */
  readonly writes: number;
  /** Empties `items`. */
  clear(): void;
}

/** Options of `createMemorySink`. */
export interface MemorySinkOptions<T> {
  /** Name in results and logs; default `memory`. */
  readonly name?: string;
  /**
   * Decides per item whether it fails (a reason) or lands (`undefined`); failed items are not
   * stored. For testing how the handler maps sink failures.
   */
  readonly reject?: (item: T, index: number) => string | undefined;
}

/**
 * Creates an in-memory sink.
 *
 * @example
 * const sink = createMemorySink<WindowSummary>();
 * await sink.write(summaries);
 * sink.items.length; // summaries.length
 */
export function createMemorySink<T>(options: MemorySinkOptions<T> = {}): MemorySink<T> {
  const items: T[] = [];
  let writes = 0;
  const name = options.name ?? 'memory';
  const reject = options.reject;
  return {
    name,
    items,
    get writes() {
      return writes;
    },
    clear() {
      items.length = 0;
    },
    async write(batch: readonly T[], _options?: WriteOptions): Promise<SinkResult> {
      writes++;
      if (reject === undefined) {
        for (const item of batch) items.push(item);
        return { sink: name, written: batch.length, failed: [] };
      }
      const failed: SinkResult['failed'] = [];
      for (let i = 0; i < batch.length; i++) {
        const reason = reject(batch[i]!, i);
        if (reason === undefined) items.push(batch[i]!);
        else failed.push({ index: i, reason, retryable: true });
      }
      return { sink: name, written: batch.length - failed.length, failed };
    },
  };
}
