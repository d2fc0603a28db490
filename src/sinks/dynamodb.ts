/**
 * The DynamoDB sink: window state as items, one per (dimension values, window, shard, batch),
 * holding the serialized mergeable cell and its summary, with a TTL. Writes are PutItem-style
 * overwrites under deterministic keys, so a retried batch leaves the same stored state; reads
 * merge every item of a window (all shards, all batches) with `mergeCells`.
 *
 * Key design (table with a string partition key `pk` and a string sort key `sk`):
 * - `pk` = the cell's series: its dimension values, `country=US&statusClass=2xx` (names sorted,
 *   values URI-encoded), or `*` for the stream-wide cell.
 * - `sk` = `<window start, epoch ms, 15 digits>#<shard id>#<first sequence number of the batch>`.
 * Serves: one series over any time range in one Query (`pk = :series AND sk BETWEEN :from AND :to`),
 * the most common read (dashboards, `readWindows`). Windows sort by time inside a series.
 * A cell with dimensions also puts a small series-index item (its dimension set, UTC day and
 * series; see dynamodb-keys.ts), once per day and process: `queryWindows` finds every series of a
 * set with Query alone, no Scan.
 */

import type {
  AttributeValue,
  DynamoDBClient,
  KeySchemaElement,
  WriteRequest,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { Cell, withTopK } from '../aggregate/cell.js';
import {
  deserializeCell,
  mergeCells,
  serializeCell,
  summarize,
  type WindowCell,
} from '../aggregate/index.js';
import { checkOptions } from '../model/options.js';
import {
  DYNAMODB_MAX_BATCH_WRITE_BYTES,
  DYNAMODB_MAX_BATCH_WRITE_ITEMS,
  DYNAMODB_MAX_ITEM_BYTES,
  DYNAMODB_MAX_PARTITION_KEY_BYTES,
  DYNAMODB_MAX_SORT_KEY_BYTES,
} from './aws-limits.js';
import { type CallLimits, createBatchedWriter, Refusal } from './batched-writer.js';
import {
  SERIES_INDEX_BUCKET_MS,
  seriesIndexBucket,
  seriesIndexKey,
  seriesIndexSortKey,
  seriesKey,
  sortKey,
  startRange,
} from './dynamodb-keys.js';
import { SinkConfigError } from './errors.js';
import { lazyModule } from './lazy-module.js';
import { DYNAMODB_SINK_OPTIONS } from './options.js';
import type { RetryPolicy, RoundFailure } from './retry.js';
import type { BatchIdentity, Sink, SinkResult, WriteOptions } from './types.js';

// The SDK is loaded on first use, so importing this module (or bundling it) costs nothing until used.
const sdk = lazyModule(() => import('@aws-sdk/client-dynamodb'));

export {
  dimensionsOfSeries,
  LAST_WINDOW_START,
  SERIES_INDEX_BUCKET_MS,
  seriesIndexKey,
  seriesKey,
  sortKey,
} from './dynamodb-keys.js';
export {
  DEFAULT_QUERY_CONCURRENCY,
  type QueryStats,
  type QueryWindowsOptions,
  type QueryWindowsResult,
  queryWindows,
} from './dynamodb-query.js';
export {
  DYNAMODB_MAX_BATCH_WRITE_ITEMS as MAX_BATCH_WRITE_ITEMS,
  DYNAMODB_MAX_ITEM_BYTES as MAX_ITEM_BYTES,
  DYNAMODB_MAX_PARTITION_KEY_BYTES as MAX_PARTITION_KEY_BYTES,
  DYNAMODB_MAX_SORT_KEY_BYTES as MAX_SORT_KEY_BYTES,
};

/** What one BatchWriteItem call may carry (a put counts its item's names and values). */
const BATCH_WRITE_LIMITS: CallLimits = {
  maxEntries: DYNAMODB_MAX_BATCH_WRITE_ITEMS,
  maxBytes: DYNAMODB_MAX_BATCH_WRITE_BYTES,
  maxEntryBytes: DYNAMODB_MAX_ITEM_BYTES,
};

export { DEFAULT_TTL_DAYS } from './ttl.js';
/**
 * Series-index items this sink remembers having written (so each is put once per day and
 * process, not with every batch); past this many it forgets them all and puts them again.
 */
export const MAX_REMEMBERED_INDEX_ENTRIES = 10_000;
/** Source used when a write carries no batch identity (a single writer, e.g. a CLI replay). */
export const SINGLE_SOURCE = 'single#0';

/** Options of `createDynamoDbSink`. */
export interface DynamoDbSinkOptions {
  /** An SDK v3 client (injected). */
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly tableName: string;
  /** Items expire this many days after their window ends; default 14. `0` disables the TTL attribute. */
  readonly ttlDays?: number;
  readonly retry?: RetryPolicy;
  /** BatchWriteItem calls in flight; default 4. */
  readonly concurrency?: number;
  /** Name in results and logs; default `dynamodb`. */
  readonly name?: string;
  /** Entries per top-N list in the stored summary; default 10. */
  readonly summaryTop?: number;
}

/** Options of `readWindows`. */
export interface ReadWindowsOptions {
  /** Strongly consistent reads (twice the read cost); default false. */
  readonly consistentRead?: boolean;
  /** Epoch ms now, to drop items whose TTL passed but DynamoDB has not deleted yet; `Date.now`. */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/** The DynamoDB sink: writes cells and reads merged windows back. */
export interface DynamoDbSink extends Sink<WindowCell> {
  readonly tableName: string;
  write(batch: readonly WindowCell[], options?: StateWriteOptions): Promise<SinkResult>;
  /**
   * The windows of one series (dimension values; `{}` = stream-wide) with start in `[from, to)`,
   * each merged over every shard and batch that wrote it, ordered by start.
   */
  readWindows(
    from: number,
    to: number,
    dimensions?: Readonly<Record<string, string>>,
    options?: ReadWindowsOptions,
  ): Promise<WindowCell[]>;
}

/** Where a batch's item for a cell comes from: the shard and the sequence number that keys it. */
export interface StateSource {
  readonly shardId: string;
  readonly firstSequenceNumber: string;
}

/** Write options of the state sink: the generic ones, and where each cell's records came from. */
export interface StateWriteOptions extends WriteOptions {
  /**
   * The source that keys the item a batch writes for `cell`. An adapter that knows which input
   * record first reached each window (the handler: the first sequence number of that window's
   * records) gives it, so retried, bisected or re-cut batches meet the same first record of each
   * window and overwrite the same item. Without it, `batch` keys every cell of the write.
   */
  readonly stateSource?: ((cell: WindowCell) => StateSource) | undefined;
}

const [SINGLE_SHARD, SINGLE_SEQUENCE] = SINGLE_SOURCE.split('#') as [string, string];

/**
 * The source that keys the item a write stores for a cell: `options.stateSource(cell)` when
 * given, else the batch's shard and first sequence number, else `SINGLE_SOURCE`.
 *
 * @example
 * const { shardId, firstSequenceNumber } = stateSource(cell, options);
 * sortKey(cell.start, shardId, firstSequenceNumber);
 */
export function stateSource(cell: WindowCell, options: StateWriteOptions | undefined): StateSource {
  const resolved = options?.stateSource?.(cell);
  if (resolved !== undefined) return resolved;
  const batch: BatchIdentity | undefined = options?.batch;
  return {
    shardId: batch?.shardId ?? SINGLE_SHARD,
    firstSequenceNumber: batch?.firstSequenceNumber ?? SINGLE_SEQUENCE,
  };
}

/**
 * The table the sink expects (on-demand capacity; enable TTL on `ttl` separately with
 * `UpdateTimeToLive`, as the SAM template does).
 *
 * @example
 * await client.send(new CreateTableCommand(windowTableDefinition('cf-windows')));
 */
export function windowTableDefinition(tableName: string): {
  TableName: string;
  AttributeDefinitions: { AttributeName: string; AttributeType: 'S' }[];
  KeySchema: KeySchemaElement[];
  BillingMode: 'PAY_PER_REQUEST';
} {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  };
}

interface PendingPut {
  readonly request: WriteRequest;
  /** The item's key, `pk` NUL `sk`. */
  readonly id: string;
  /** The item's bytes (names and values). */
  readonly size: number;
}

function itemBytes(item: Record<string, { S?: string; N?: string }>): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) n += Buffer.byteLength(k) + Buffer.byteLength(v.S ?? v.N ?? '');
  return n;
}

const declaredOptions = z.object(DYNAMODB_SINK_OPTIONS);

/**
 * Creates a sink storing window cells in DynamoDB, keyed so that retries overwrite (see the
 * module comment for the key design), and reading them back merged.
 *
 * @example
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * const sink = createDynamoDbSink({ client: new DynamoDBClient({}), tableName: 'cf-windows' });
 * await sink.write(aggregator.cells(), { batch: { shardId, firstSequenceNumber } });
 * const lastHour = await sink.readWindows(Date.now() - 3_600_000, Date.now());
 */
export function createDynamoDbSink(options: DynamoDbSinkOptions): DynamoDbSink {
  const { client } = options;
  const checked = checkOptions(declaredOptions, options);
  if (!checked.ok) throw new SinkConfigError({ sink: 'DynamoDB', issues: checked.issues });
  const { tableName, ttlDays } = checked.value;
  const name = options.name ?? 'dynamodb';
  const top = options.summaryTop ?? 10;

  function toPut(cell: WindowCell, source: StateSource): PendingPut {
    const pk = seriesKey(cell.dimensions);
    const { shardId, firstSequenceNumber: firstSeq } = source;
    const sk = sortKey(cell.start, shardId, firstSeq);
    const item: Record<string, { S: string } | { N: string }> = {
      pk: { S: pk },
      sk: { S: sk },
      start: { N: String(cell.start) },
      end: { N: String(cell.end) },
      shard: { S: shardId },
      batch: { S: firstSeq },
      cell: { S: serializeCell(cell) },
      summary: { S: JSON.stringify(summarize(cell, { top })) },
    };
    // Event time, not processing time: the same batch always gets the same item.
    if (ttlDays > 0) item.ttl = { N: String(Math.floor(cell.end / 1_000) + Math.round(ttlDays * 86_400)) };
    return { id: `${pk}\u0000${sk}`, size: itemBytes(item), request: { PutRequest: { Item: item } } };
  }

  /** Series-index items known to be stored (see MAX_REMEMBERED_INDEX_ENTRIES). */
  const indexed = new Set<string>();

  /**
   * The series-index put of a cell with dimensions: its dimension set, day and series, so that a
   * reader finds every series of a set with one Query per day (`queryWindows`). Its TTL outlives
   * every cell of that day (windows are at most a day long).
   */
  function toIndexPut(cell: WindowCell): PendingPut {
    const bucket = seriesIndexBucket(cell.start);
    const series = seriesKey(cell.dimensions);
    const pk = seriesIndexKey(Object.keys(cell.dimensions));
    const sk = seriesIndexSortKey(bucket, series);
    const item: Record<string, { S: string } | { N: string }> = {
      pk: { S: pk },
      sk: { S: sk },
      series: { S: series },
    };
    if (ttlDays > 0) {
      const outlives = bucket + 2 * SERIES_INDEX_BUCKET_MS;
      item.ttl = { N: String(Math.floor(outlives / 1_000) + Math.round(ttlDays * 86_400)) };
    }
    return { id: `${pk}\u0000${sk}`, size: itemBytes(item), request: { PutRequest: { Item: item } } };
  }

  /**
   * The put for a cell, within DynamoDB's limits, or why none can be. Keys are bounded upstream
   * (dimension values are normalized by the aggregator), so a key over its limit is refused; an
   * item over 400 KB (long non-ASCII top-N keys with a large topK) keeps fewer top-N counters
   * until it fits, with Space-Saving's guarantees at that smaller k.
   */
  function putWithinLimits(cell: WindowCell, source: StateSource): PendingPut | Refusal {
    let put = toPut(cell, source);
    const item = put.request.PutRequest!.Item as Record<string, { S?: string; N?: string }>;
    const pkBytes = Buffer.byteLength(item.pk!.S!);
    if (pkBytes > DYNAMODB_MAX_PARTITION_KEY_BYTES) {
      return new Refusal(
        `partition key of ${pkBytes} bytes exceeds DynamoDB's ${DYNAMODB_MAX_PARTITION_KEY_BYTES}`,
      );
    }
    const skBytes = Buffer.byteLength(item.sk!.S!);
    if (skBytes > DYNAMODB_MAX_SORT_KEY_BYTES)
      return new Refusal(`sort key of ${skBytes} bytes exceeds DynamoDB's ${DYNAMODB_MAX_SORT_KEY_BYTES}`);
    let topK = cell instanceof Cell ? cell.params.topK : 0;
    while (put.size > DYNAMODB_MAX_ITEM_BYTES && topK > 1) {
      // Top-N keys are most of a large item: shrink k in proportion, with a margin.
      topK = Math.max(1, Math.min(topK - 1, Math.floor((topK * DYNAMODB_MAX_ITEM_BYTES * 0.9) / put.size)));
      put = toPut(withTopK(cell, topK), source);
    }
    return put;
  }

  async function sendChunk(
    chunk: readonly PendingPut[],
    signal: AbortSignal | undefined,
  ): Promise<RoundFailure[]> {
    const { BatchWriteItemCommand } = await sdk();
    const out = await client.send(
      new BatchWriteItemCommand({ RequestItems: { [tableName]: chunk.map((p) => p.request) } }),
      { abortSignal: signal },
    );
    const failures: RoundFailure[] = [];
    const unprocessed = out.UnprocessedItems?.[tableName] ?? [];
    if (unprocessed.length === 0) return failures;
    const left = new Set(
      unprocessed.map((r) => `${r.PutRequest?.Item?.pk?.S}\u0000${r.PutRequest?.Item?.sk?.S}`),
    );
    chunk.forEach((p, position) => {
      if (left.has(p.id))
        failures.push({ position, reason: 'UnprocessedItems (throttled)', retryable: true });
    });
    return failures;
  }

  /**
   * The writer for one write's options: the cells' keys depend on where the batch came from.
   * Index puts this write sends are added to `sent`.
   */
  const writerFor = (writeOptions: StateWriteOptions, sent: Set<string>) =>
    createBatchedWriter<WindowCell, PendingPut>({
      limits: BATCH_WRITE_LIMITS,
      // What DynamoDB would refuse on every retry is caught here, never sent.
      prepare: (cell) => {
        const put = putWithinLimits(cell, stateSource(cell, writeOptions));
        if (put instanceof Refusal) return put;
        let streamWide = true;
        for (const _ in cell.dimensions) streamWide = false;
        if (streamWide) return [put];
        // A cell counts as written only with its index item: the key dedupe below sends one put
        // per (set, day, series), standing for every cell that needs it.
        const index = toIndexPut(cell);
        if (indexed.has(index.id)) return [put];
        sent.add(index.id);
        return [put, index];
      },
      size: (put) => put.size,
      // BatchWriteItem rejects a whole call that names one key twice: the last of each key is sent.
      key: (put) => put.id,
      send: sendChunk,
      tooLarge: (bytes) => `item of ${bytes} bytes exceeds DynamoDB's 400 KB`,
      concurrency: options.concurrency,
      retry: options.retry,
    });

  return {
    name,
    tableName,
    async write(batch: readonly WindowCell[], writeOptions: StateWriteOptions = {}): Promise<SinkResult> {
      const sent = new Set<string>();
      const { written, failed } = await writerFor(writeOptions, sent)(batch, writeOptions);
      if (failed.length === 0) {
        if (indexed.size + sent.size > MAX_REMEMBERED_INDEX_ENTRIES) indexed.clear();
        for (const id of sent) indexed.add(id);
      }
      return { sink: name, written, failed };
    },

    async readWindows(from, to, dimensions = {}, readOptions = {}) {
      const now = (readOptions.now ?? Date.now)();
      const byStart = new Map<number, WindowCell>();
      let startKey: Record<string, AttributeValue> | undefined;
      const { QueryCommand } = await sdk();
      do {
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: {
              ':pk': { S: seriesKey(dimensions) },
              ':from': { S: startRange(from, to).from },
              // '$' sorts after '#': every sort key of the last window start below `to`.
              ':to': { S: startRange(from, to).to },
            },
            ProjectionExpression: '#c, #t',
            ExpressionAttributeNames: { '#c': 'cell', '#t': 'ttl' },
            ConsistentRead: readOptions.consistentRead ?? false,
            ExclusiveStartKey: startKey,
          }),
          { abortSignal: readOptions.signal },
        );
        for (const item of page.Items ?? []) {
          const ttl = item.ttl?.N;
          // TTL deletion is lazy (up to days): an expired item is gone as far as readers go.
          if (ttl !== undefined && Number(ttl) * 1_000 <= now) continue;
          const text = item.cell?.S;
          if (text === undefined) continue;
          const cell = deserializeCell(text);
          const seen = byStart.get(cell.start);
          byStart.set(cell.start, seen === undefined ? cell : mergeCells(seen, cell));
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey !== undefined);
      return [...byStart.values()].sort((a, b) => a.start - b.start);
    },
  };
}
