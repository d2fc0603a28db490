/**
 * The sink contract: one method. `write(batch)` returns what landed and what did not; it throws
 * only for programming errors, never for a failed AWS call (that is a value the handler maps to
 * `batchItemFailures`).
 */

/** The result of one `write`. */
export interface SinkResult {
  /** Name of the sink, for logs. */
  sink: string;
  /** Items that landed. */
  written: number;
  /** Items that did not land after the sink's own retries; empty on success. */
  failed: SinkFailure[];
}

/** One item that did not land, with the last error's text. */
export interface SinkFailure {
  /** Index of the item in the batch given to `write`. */
  index: number;
  reason: string;
  /** Whether a later retry may succeed (throttling, 5xx) or not (validation). */
  retryable: boolean;
  /**
   * The item itself can never be written (a window older than CloudWatch accepts, a record over
   * the size limit): retrying the input batch cannot help, so the handler logs it as dropped
   * instead of failing the batch (which would block the shard until the records expire).
   */
  permanent?: boolean;
}

/** A destination for items of type `T` (window summaries, records, quarantined lines, ...). */
export interface Sink<T> {
  readonly name: string;
  write(batch: readonly T[], options?: WriteOptions): Promise<SinkResult>;
  /** Flushes anything buffered; optional. */
  flush?(): Promise<void>;
}

/** Per-call options the handler passes down. */
export interface WriteOptions {
  /** Epoch ms by which the sink must give up retrying (from the Lambda's remaining time). */
  deadline?: number;
  /** Aborts in-flight requests. */
  signal?: AbortSignal;
  /**
   * Where the batch came from, for sinks that key stored state by it: the same batch written
   * twice then overwrites the same items instead of adding to them.
   */
  batch?: BatchIdentity;
}

/** The identity of an input batch: its shard and first sequence number. */
export interface BatchIdentity {
  readonly shardId: string;
  readonly firstSequenceNumber: string;
}
