/**
 * The Kinesis sink: records (enriched, privacy-protected) as JSON lines to a processed stream, for
 * Firehose -> S3/OpenSearch. PutRecords in chunks within the API limits; only the entries that
 * failed (`FailedRecordCount`, per-entry `ErrorCode`) are retried, with backoff and full jitter.
 */
import { createHash } from 'node:crypto';
import type { KinesisClient, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import * as z from 'zod/mini';
import { checkOptions } from '../model/options.js';
import {
  KINESIS_MAX_PARTITION_KEY_LENGTH,
  KINESIS_MAX_PUT_BYTES,
  KINESIS_MAX_RECORD_BYTES,
  KINESIS_MAX_RECORDS_PER_PUT,
} from './aws-limits.js';
import { type CallLimits, chunkBySize, createBatchedWriter } from './batched-writer.js';
import { SinkConfigError } from './errors.js';
import { lazyModule } from './lazy-module.js';
import { KINESIS_SINK_OPTIONS } from './options.js';
import type { RetryPolicy, RoundFailure } from './retry.js';
import type { Sink, SinkResult, WriteOptions } from './types.js';

// The SDK is loaded on first write, so importing this module (or bundling it) costs nothing until used.
const sdk = lazyModule(() => import('@aws-sdk/client-kinesis'));

export {
  KINESIS_MAX_PARTITION_KEY_LENGTH as MAX_PARTITION_KEY_LENGTH,
  KINESIS_MAX_PUT_BYTES as MAX_PUT_BYTES,
  KINESIS_MAX_RECORD_BYTES as MAX_RECORD_BYTES,
  KINESIS_MAX_RECORDS_PER_PUT as MAX_RECORDS_PER_PUT,
};

/** What one PutRecords call may carry; a record's size counts its data and partition key. */
const PUT_RECORDS_LIMITS: CallLimits = {
  maxEntries: KINESIS_MAX_RECORDS_PER_PUT,
  maxBytes: KINESIS_MAX_PUT_BYTES,
  maxEntryBytes: KINESIS_MAX_RECORD_BYTES,
};

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
  maxCount = KINESIS_MAX_RECORDS_PER_PUT,
  maxBytes = KINESIS_MAX_PUT_BYTES,
): E[][] {
  return chunkBySize(entries, (e) => e.size, { maxEntries: maxCount, maxBytes });
}

/**
 * Sends one PutRecords call; resolves to the entries Kinesis refused, by position. Both documented
 * per-entry codes (ProvisionedThroughputExceededException, InternalFailure) are transient.
 */
async function putRecordsChunk(
  client: Pick<KinesisClient, 'send'>,
  target: { readonly StreamName?: string | undefined; readonly StreamARN?: string | undefined },
  records: PutRecordsRequestEntry[],
  signal?: AbortSignal,
): Promise<RoundFailure[]> {
  const { PutRecordsCommand } = await sdk();
  const out = await client.send(new PutRecordsCommand({ ...target, Records: records }), {
    abortSignal: signal,
  });
  const failures: RoundFailure[] = [];
  if ((out.FailedRecordCount ?? 0) === 0) return failures;
  const results = out.Records ?? [];
  for (let position = 0; position < records.length; position++) {
    const r = results[position];
    if (r === undefined || r.ErrorCode !== undefined) {
      const code = r?.ErrorCode ?? 'MissingResult';
      failures.push({
        position,
        reason: `${code}${r?.ErrorMessage ? `: ${r.ErrorMessage}` : ''}`,
        retryable: true,
      });
    }
  }
  return failures;
}

const declaredOptions = z.object(KINESIS_SINK_OPTIONS);

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
    throw new SinkConfigError({
      sink: 'Kinesis',
      issues: [{ path: ['streamName'], message: 'is required (or streamArn): the stream to write to' }],
    });
  }
  // The declarations of the options given as text; a partition key may also be a function.
  const checked = checkOptions(declaredOptions, {
    ...(options.streamName !== undefined ? { streamName: options.streamName } : { streamName: 'by-arn' }),
    ...(typeof options.partitionKey === 'string' ? { partitionKey: options.partitionKey } : {}),
  });
  if (!checked.ok) throw new SinkConfigError({ sink: 'Kinesis', issues: checked.issues });
  const name = options.name ?? 'kinesis';
  const keyOf =
    typeof options.partitionKey === 'function'
      ? options.partitionKey
      : fieldKey(options.partitionKey ?? 'x-edge-request-id');
  const serialize = options.serialize;
  const target =
    options.streamArn !== undefined ? { StreamARN: options.streamArn } : { StreamName: options.streamName };

  const writeRecords = createBatchedWriter<T, Entry>({
    limits: PUT_RECORDS_LIMITS,
    prepare(item, index) {
      let key = keyOf(item, index);
      if (key === undefined || key === null || key === '') key = `r${index}`;
      else if (key.length > KINESIS_MAX_PARTITION_KEY_LENGTH)
        key = createHash('sha256').update(key).digest('hex');
      const raw = serialize === undefined ? defaultSerialize(item) : serialize(item);
      const data = typeof raw === 'string' ? encoder.encode(raw) : raw;
      return [{ data, key, size: data.byteLength + Buffer.byteLength(key) }];
    },
    size: (entry) => entry.size,
    send: (chunk, signal) =>
      putRecordsChunk(
        client,
        target,
        chunk.map((e) => ({ Data: e.data, PartitionKey: e.key })),
        signal,
      ),
    tooLarge: (bytes, limit) => `record of ${bytes} bytes exceeds the Kinesis limit of ${limit} bytes`,
    concurrency: options.concurrency,
    retry: options.retry,
  });

  return {
    name,
    async write(batch: readonly T[], writeOptions: WriteOptions = {}): Promise<SinkResult> {
      const { written, failed } = await writeRecords(batch, writeOptions);
      return { sink: name, written, failed };
    },
  };
}
