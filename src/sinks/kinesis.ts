/**
 * The Kinesis sink: records (enriched, privacy-protected) as JSON lines to a processed stream, for
 * Firehose -> S3/OpenSearch. PutRecords in chunks within the API limits; only the entries that
 * failed (`FailedRecordCount`, per-entry `ErrorCode`) are retried, with backoff and full jitter.
 */
import { createHash } from 'node:crypto';
import type { KinesisClient, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { DEFAULT_CONCURRENCY, mapConcurrent } from './concurrency.js';
import { SinkConfigError } from './errors.js';
import { lazyModule } from './lazy-module.js';
import { errorText, isRetryableError, type RetryPolicy, type RoundFailure, retryPending } from './retry.js';
import type { Sink, SinkResult, WriteOptions } from './types.js';

// The SDK is loaded on first write, so importing this module (or bundling it) costs nothing until used.
const sdk = lazyModule(() => import('@aws-sdk/client-kinesis'));

/** PutRecords: at most 500 entries per call. */
export const MAX_RECORDS_PER_PUT = 500;
/** PutRecords: at most 5 MiB per call (data + partition keys). */
export const MAX_PUT_BYTES = 5 * 1024 * 1024;
/** One record: data + partition key at most 1 MiB. */
export const MAX_RECORD_BYTES = 1024 * 1024;
/** Partition keys are 1-256 Unicode characters. */
export const MAX_PARTITION_KEY_LENGTH = 256;

/** Options of `createKinesisSink`. */
export interface KinesisSinkOptions<T> {
  /** An SDK v3 client (injected: the Lambda runtime ships the SDK; tests point it at kinesalite). */
  readonly client: Pick<KinesisClient, 'send'>;
  /** The stream's name, or give `streamArn`. */
  readonly streamName?: string;
  readonly streamArn?: string;
  /**
   * The partition key: a field name of the record (default `x-edge-request-id`, spreading records
   * evenly over shards), or a function. A missing or empty key falls back to a per-batch counter;
   * one longer than 256 characters is replaced by its SHA-256.
   */
  readonly partitionKey?: string | ((item: T, index: number) => string | null | undefined);
  /** Bytes of one record; default: `JSON.stringify(item) + '\n'` (newline-delimited for Firehose). */
  readonly serialize?: (item: T) => string | Uint8Array;
  readonly retry?: RetryPolicy;
  /** PutRecords calls in flight; default 4. */
  readonly concurrency?: number;
  /** Name in results and logs; default `kinesis`. */
  readonly name?: string;
}

interface Entry {
  readonly index: number;
  readonly data: Uint8Array;
  readonly key: string;
  readonly size: number;
}

const encoder = new TextEncoder();

function defaultSerialize(item: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(item)}\n`);
}

function fieldKey(field: string): (item: unknown) => string | null | undefined {
  return (item) => {
    const value = (item as Record<string, unknown> | null)?.[field];
    return value === null || value === undefined ? undefined : String(value);
  };
}

/**
 * Splits entries into PutRecords calls of at most 500 entries and 5 MiB, in order.
 *
 * @example
 * chunkEntries([{ size: 10 }, { size: 20 }], 500, 25); // [[{size:10}], [{size:20}]]
 */
export function chunkEntries<E extends { readonly size: number }>(
  entries: readonly E[],
  maxCount = MAX_RECORDS_PER_PUT,
  maxBytes = MAX_PUT_BYTES,
): E[][] {
  const chunks: E[][] = [];
  let current: E[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (current.length > 0 && (current.length === maxCount || bytes + entry.size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += entry.size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Creates a sink writing items as records to a Kinesis data stream.
 *
 * @example
 * import { KinesisClient } from '@aws-sdk/client-kinesis';
 * const sink = createKinesisSink({ client: new KinesisClient({}), streamName: 'cf-processed' });
 * const { failed } = await sink.write(records, { deadline: Date.now() + 20_000 });
 */
export function createKinesisSink<T>(options: KinesisSinkOptions<T>): Sink<T> {
  const { client } = options;
  if (options.streamName === undefined && options.streamArn === undefined) {
    throw new SinkConfigError('The Kinesis sink needs `streamName` or `streamArn`.');
  }
  const name = options.name ?? 'kinesis';
  const keyOf =
    typeof options.partitionKey === 'function'
      ? options.partitionKey
      : fieldKey(options.partitionKey ?? 'x-edge-request-id');
  const serialize = options.serialize;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const target =
    options.streamArn !== undefined ? { StreamARN: options.streamArn } : { StreamName: options.streamName };

  function toEntry(item: T, index: number): Entry {
    let key = keyOf(item, index);
    if (key === undefined || key === null || key === '') key = `r${index}`;
    else if (key.length > MAX_PARTITION_KEY_LENGTH) key = createHash('sha256').update(key).digest('hex');
    const raw = serialize === undefined ? defaultSerialize(item) : serialize(item);
    const data = typeof raw === 'string' ? encoder.encode(raw) : raw;
    return { index, data, key, size: data.byteLength + Buffer.byteLength(key) };
  }

  async function sendChunk(
    chunk: readonly Entry[],
    base: number,
    signal?: AbortSignal,
  ): Promise<RoundFailure[]> {
    const failures: RoundFailure[] = [];
    const records: PutRecordsRequestEntry[] = chunk.map((e) => ({ Data: e.data, PartitionKey: e.key }));
    try {
      const { PutRecordsCommand } = await sdk();
      const out = await client.send(new PutRecordsCommand({ ...target, Records: records }), {
        abortSignal: signal,
      });
      if ((out.FailedRecordCount ?? 0) === 0) return failures;
      const results = out.Records ?? [];
      for (let i = 0; i < chunk.length; i++) {
        const r = results[i];
        if (r === undefined || r.ErrorCode !== undefined) {
          const code = r?.ErrorCode ?? 'MissingResult';
          failures.push({
            position: base + i,
            reason: `${code}${r?.ErrorMessage ? `: ${r.ErrorMessage}` : ''}`,
            // Both documented codes (ProvisionedThroughputExceededException, InternalFailure) are transient.
            retryable: true,
          });
        }
      }
    } catch (error) {
      const reason = errorText(error);
      const retryable = isRetryableError(error);
      for (let i = 0; i < chunk.length; i++) failures.push({ position: base + i, reason, retryable });
    }
    return failures;
  }

  async function sendRound(pending: readonly Entry[], signal?: AbortSignal): Promise<RoundFailure[]> {
    const chunks = chunkEntries(pending);
    const bases: number[] = [];
    let offset = 0;
    for (const c of chunks) {
      bases.push(offset);
      offset += c.length;
    }
    const results = await mapConcurrent(chunks, concurrency, (chunk, i) =>
      sendChunk(chunk, bases[i]!, signal),
    );
    return results.flat();
  }

  return {
    name,
    async write(batch: readonly T[], writeOptions: WriteOptions = {}): Promise<SinkResult> {
      const entries: Entry[] = [];
      const tooLarge: SinkResult['failed'] = [];
      for (let i = 0; i < batch.length; i++) {
        const entry = toEntry(batch[i]!, i);
        if (entry.size > MAX_RECORD_BYTES) {
          tooLarge.push({
            index: i,
            reason: `record of ${entry.size} bytes exceeds the Kinesis limit of ${MAX_RECORD_BYTES} bytes`,
            retryable: false,
            permanent: true,
          });
        } else entries.push(entry);
      }
      const { failed } = await retryPending(
        entries,
        (pending) => sendRound(pending, writeOptions.signal),
        options.retry,
        writeOptions,
      );
      const all = [...tooLarge, ...failed.map((f) => ({ ...f, index: entries[f.index]!.index }))].sort(
        (a, b) => a.index - b.index,
      );
      return { sink: name, written: batch.length - all.length, failed: all };
    },
  };
}
