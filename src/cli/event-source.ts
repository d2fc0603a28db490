/**
 * What Lambda's Kinesis event source mapping does, for `cfrt replay`: one poller per shard
 * (`GetShardIterator` TRIM_HORIZON, then `GetRecords` up to the batch size), each batch handed to
 * the function as a Kinesis event, and with `ReportBatchItemFailures` a partial failure retried
 * from the lowest failed sequence number (a thrown error retries the whole batch), up to a
 * maximum of retries after which the rest of the batch is discarded, as an on-failure
 * destination would receive it.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  type _Record as KinesisRecord,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { LOCAL_REGION } from './local-aws.js';

/** Lambda's largest Kinesis batch. */
export const MAX_BATCH_SIZE = 10_000;
/** Retries per batch before its rest is discarded (the mapping's MaximumRetryAttempts). */
export const DEFAULT_MAX_RETRIES = 5;
/** The function timeout the handler is told about through `getRemainingTimeInMillis`. */
export const FUNCTION_TIMEOUT_MS = 60_000;

/** One record of a Kinesis event, as Lambda delivers it. */
export interface KinesisEventRecord {
  kinesis: {
    kinesisSchemaVersion: '1.0';
    partitionKey: string;
    sequenceNumber: string;
    /** base64 */
    data: string;
    /** epoch seconds */
    approximateArrivalTimestamp: number;
  };
  eventSource: 'aws:kinesis';
  eventVersion: '1.0';
  eventID: string;
  eventName: 'aws:kinesis:record';
  invokeIdentityArn: string;
  awsRegion: string;
  eventSourceARN: string;
}

/** The event the function receives. */
export interface KinesisEvent {
  Records: KinesisEventRecord[];
}

/** The slice of Lambda's context a handler reads. */
export interface InvocationContext {
  functionName: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
}

/** What the function returns with ReportBatchItemFailures. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** The function under test. */
export type KinesisFunction = (
  event: KinesisEvent,
  context: InvocationContext,
) => Promise<BatchResponse | undefined>;

/** Options of `runEventSourceMapping`. */
export interface EventSourceOptions {
  kinesis: KinesisClient;
  streamName: string;
  /** The stream's ARN as it appears in events. */
  streamArn: string;
  batchSize: number;
  maxRetries?: number;
  /** A function per shard: each shard's invocations run in their own execution environment. */
  functionFor(shardId: string): KinesisFunction;
  /** Called after each invocation, for progress. */
  onInvoke?(info: InvocationInfo): void;
}

/** One invocation, as observed. */
export interface InvocationInfo {
  shardId: string;
  records: number;
  attempt: number;
  failedFrom: string | null;
  error: string | null;
}

/** What the mapping did. */
export interface EventSourceStats {
  shards: number;
  invocations: number;
  /** Records delivered to the function, counting redeliveries. */
  delivered: number;
  /** Invocations that were retries of a batch (partial failure or error). */
  retries: number;
  /** Records given up on after `maxRetries`. */
  discarded: number;
  /** Errors the function threw, by message. */
  errors: string[];
}

function toEventRecord(record: KinesisRecord, shardId: string, arn: string): KinesisEventRecord {
  const seq = record.SequenceNumber ?? '';
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: record.PartitionKey ?? '',
      sequenceNumber: seq,
      data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
      approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shardId}:${seq}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/cfrt-replay',
    awsRegion: LOCAL_REGION,
    eventSourceARN: arn,
  };
}

let requestCounter = 0;

function contextFor(): InvocationContext {
  const deadline = Date.now() + FUNCTION_TIMEOUT_MS;
  requestCounter++;
  return {
    functionName: 'cfrt-replay',
    awsRequestId: `replay-${process.pid}-${requestCounter}`,
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
}

/**
 * The index in `records` to retry from, or `null` when the batch succeeded. An identifier that
 * names no record of the batch makes Lambda retry the whole batch, and so does this.
 */
function retryFrom(
  records: readonly KinesisEventRecord[],
  response: BatchResponse | undefined,
): number | null {
  const failures = response?.batchItemFailures ?? [];
  if (failures.length === 0) return null;
  let lowest: number | null = null;
  for (const f of failures) {
    const i = records.findIndex((r) => r.kinesis.sequenceNumber === f.itemIdentifier);
    if (i === -1) return 0;
    lowest = lowest === null ? i : Math.min(lowest, i);
  }
  return lowest;
}

async function pollShard(
  options: EventSourceOptions,
  shardId: string,
  stats: EventSourceStats,
): Promise<void> {
  const { kinesis, streamName } = options;
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  const fn = options.functionFor(shardId);
  const first = await kinesis.send(
    new GetShardIteratorCommand({
      StreamName: streamName,
      ShardId: shardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  let iterator = first.ShardIterator;
  while (iterator !== undefined) {
    const page = await kinesis.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize }),
    );
    const records = (page.Records ?? []).map((r) => toEventRecord(r, shardId, options.streamArn));
    iterator = page.NextShardIterator;
    if (records.length === 0) {
      // Everything was written before polling started: an empty page at the tip means done.
      if ((page.MillisBehindLatest ?? 0) === 0) break;
      continue;
    }
    let pending = records;
    for (let attempt = 0; ; attempt++) {
      stats.invocations++;
      stats.delivered += pending.length;
      if (attempt > 0) stats.retries++;
      let from: number | null;
      let error: string | null = null;
      try {
        from = retryFrom(pending, await fn({ Records: pending }, contextFor()));
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        stats.errors.push(error);
        from = 0;
      }
      options.onInvoke?.({
        shardId,
        records: pending.length,
        attempt,
        failedFrom: from === null ? null : (pending[from]?.kinesis.sequenceNumber ?? null),
        error,
      });
      if (from === null) break;
      pending = pending.slice(from);
      if (attempt >= maxRetries) {
        stats.discarded += pending.length;
        break;
      }
    }
  }
}

/**
 * Delivers every record of the stream to the function, shard by shard in parallel, in order
 * within each shard, and resolves when every shard is drained.
 *
 * @example
 * const stats = await runEventSourceMapping({ kinesis, streamName, streamArn, batchSize: 100, functionFor: () => handler });
 */
export async function runEventSourceMapping(options: EventSourceOptions): Promise<EventSourceStats> {
  const shards: string[] = [];
  let next: string | undefined;
  do {
    const page = await options.kinesis.send(
      next === undefined
        ? new ListShardsCommand({ StreamName: options.streamName })
        : new ListShardsCommand({ NextToken: next }),
    );
    for (const s of page.Shards ?? []) if (s.ShardId !== undefined) shards.push(s.ShardId);
    next = page.NextToken;
  } while (next !== undefined);
  const stats: EventSourceStats = {
    shards: shards.length,
    invocations: 0,
    delivered: 0,
    retries: 0,
    discarded: 0,
    errors: [],
  };
  await Promise.all(shards.map((id) => pollShard(options, id, stats)));
  return stats;
}
