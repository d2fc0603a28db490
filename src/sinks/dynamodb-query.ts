/**
 * `queryWindows`: the stored windows of a time range, for any dimension sets, merged over every
 * shard and batch that wrote them and re-windowed to a multiple of the stored window, with the
 * totals of each series over the range. Reads with Query only (a role that may do nothing else
 * can run it): the stream-wide series is one partition; the series of a dimension set are found
 * through the series index (dynamodb-keys.ts), then each is one partition read in time order.
 *
 * Memory does not grow with the items read: items are merged as their page arrives, a series is
 * read in time order so at most one output window per series in flight is open, and merges are
 * folded every `MERGE_BATCH` cells. What is kept is the output: the windows (or none, with
 * `onWindow`) and one totals cell per series.
 */
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { deserializeCell, rollUp, type WindowCell } from '../aggregate/index.js';
import { DYNAMODB_TABLE_NAME_PATTERN } from './aws-limits.js';
import { mapConcurrent } from './concurrency.js';
import { seriesIndexBucket, seriesIndexKey, startRange, startText } from './dynamodb-keys.js';
import { SinkConfigError } from './errors.js';
import { lazyModule } from './lazy-module.js';
import { QueryLimitError, QueryRangeError } from './query-errors.js';

const sdk = lazyModule(() => import('@aws-sdk/client-dynamodb'));

/** Series read at once unless asked otherwise. */
export const DEFAULT_QUERY_CONCURRENCY = 4;
/**
 * Cells merged at once: an open window (or a series' totals) holds at most this many before they
 * are folded into one. Larger batches merge a little faster; this bounds memory per series.
 */
const MERGE_BATCH = 32;

/** Options of `queryWindows`. */
export interface QueryWindowsOptions {
  /** An SDK v3 DynamoDB client (typed by shape: only `send` is used). */
  readonly client: Pick<DynamoDBClient, 'send'>;
  /** The window table (the DynamoDB sink's `tableName`). */
  readonly table: string;
  /** Epoch ms: windows starting at or after this. */
  readonly from: number;
  /** Epoch ms: windows starting before this. */
  readonly to: number;
  /**
   * Dimension sets to read, by name (`['country']`, `['host', 'statusClass']`); `[]` is the
   * stream-wide series. Default `[[]]`. A set the writer was not configured with has no series.
   */
  readonly dimensions?: readonly (readonly string[])[];
  /**
   * Output window in seconds: a multiple of the stored window (stored windows are merged into
   * it). Default: the stored window.
   */
  readonly window?: number;
  /** Strongly consistent reads (twice the read cost); default false. */
  readonly consistentRead?: boolean;
  /** Epoch ms now, to skip items whose TTL passed but DynamoDB has not deleted yet; `Date.now`. */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
  /** Stop with `QueryLimitError` rather than read more than this many cell items. */
  readonly maxItems?: number;
  /** Series read at once; default `DEFAULT_QUERY_CONCURRENCY`. */
  readonly concurrency?: number;
  /**
   * Receives each output window as soon as it is complete (in time order within a series), which
   * the result then does not keep: memory stays flat however many windows the range holds.
   */
  readonly onWindow?: (cell: WindowCell) => void;
  /** Called after every Query page with the figures so far. */
  readonly onProgress?: (stats: Readonly<QueryStats>) => void;
}

/** What a query read and what it cost. */
export interface QueryStats {
  /** Query calls (pages), series-index reads included. */
  queries: number;
  /** Cell items read and merged. */
  items: number;
  /** Series-index items read. */
  indexItems: number;
  /** Items skipped because their TTL had passed. */
  expired: number;
  /** Series read (the stream-wide one counts when asked for). */
  series: number;
  /** Read capacity units DynamoDB reported (`ReturnConsumedCapacity: TOTAL`). */
  readCapacityUnits: number;
}

/** The result of `queryWindows`. */
export interface QueryWindowsResult {
  /**
   * Output windows with data, by start then key; empty when `onWindow` received them. A window's
   * `start`/`end` are the output window's, aligned to the epoch.
   */
  readonly windows: WindowCell[];
  /**
   * One cell per series with data over the whole range (start of its first window to end of its
   * last), by key: the stream-wide totals are the one with no dimensions.
   */
  readonly totals: WindowCell[];
  /** The window of the stored cells in seconds; null when nothing was found. */
  readonly storedWindowSeconds: number | null;
  /** The output window in seconds; null when nothing was found and none was asked for. */
  readonly windowSeconds: number | null;
  readonly stats: QueryStats;
}

type Item = Record<string, AttributeValue>;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function checkOptions(options: QueryWindowsOptions): void {
  const problems: string[] = [];
  if (typeof options.table !== 'string' || !DYNAMODB_TABLE_NAME_PATTERN.test(options.table)) {
    problems.push(
      `table must be 3-255 characters of A-Z a-z 0-9 _ . -; got ${JSON.stringify(options.table)}`,
    );
  }
  const { maxItems, concurrency, window } = options;
  if (maxItems !== undefined && !(Number.isInteger(maxItems) && maxItems > 0))
    problems.push(`maxItems must be a positive integer; got ${maxItems}`);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0))
    problems.push(`concurrency must be a positive integer; got ${concurrency}`);
  if (problems.length > 0) throw new SinkConfigError(`queryWindows: ${problems.join('; ')}.`);
  if (!Number.isFinite(options.from) || !Number.isFinite(options.to) || options.from >= options.to) {
    throw new QueryRangeError(
      `The range must have from before to (epoch ms); got from ${options.from}, to ${options.to}.`,
    );
  }
  if (window !== undefined && !(Number.isInteger(window) && window > 0)) {
    throw new QueryRangeError(`The window must be a whole number of seconds above 0; got ${window}.`);
  }
}

/**
 * Reads the stored windows of `[from, to)` for the given dimension sets, merged over every shard
 * and batch and re-windowed to `window`, with per-series totals. Query calls only; items are
 * merged as pages arrive (see the module comment for what memory holds).
 *
 * Throws `QueryRangeError` for a range or window the stored cells cannot answer (a window that is
 * not a multiple of the stored one), `QueryLimitError` past `maxItems`.
 *
 * @example
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * import { queryWindows } from 'cloudfront-realtime-logs/sinks/dynamodb';
 * import { summarize } from 'cloudfront-realtime-logs/aggregate';
 *
 * const { totals, windows } = await queryWindows({
 *   client: new DynamoDBClient({}),
 *   table: 'cf-windows',
 *   from: Date.now() - 6 * 3_600_000,
 *   to: Date.now(),
 *   dimensions: [[], ['country']],
 *   window: 3_600,
 * });
 * const perCountry = totals.filter((c) => 'country' in c.dimensions).map((c) => summarize(c));
 */
export async function queryWindows(options: QueryWindowsOptions): Promise<QueryWindowsResult> {
  checkOptions(options);
  const { client, table, from, to } = options;
  const sets = options.dimensions ?? [[]];
  const now = (options.now ?? Date.now)();
  const maxItems = options.maxItems ?? Number.POSITIVE_INFINITY;
  const { QueryCommand } = await sdk();
  const stats: QueryStats = {
    queries: 0,
    items: 0,
    indexItems: 0,
    expired: 0,
    series: 0,
    readCapacityUnits: 0,
  };
  const asked = options.window === undefined ? null : options.window * 1000;
  let stored: number | null = null;
  let target: number | null = asked;
  const windows: WindowCell[] = [];
  const totals: WindowCell[] = [];

  /** Every page of one Query, counted. */
  async function* pages(input: {
    pk: string;
    from: string;
    to: string;
    projection: string[];
  }): AsyncGenerator<Item[]> {
    let startKey: Item | undefined;
    const names = Object.fromEntries(input.projection.map((n, i) => [`#a${i}`, n]));
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': { S: input.pk },
            ':from': { S: input.from },
            ':to': { S: input.to },
          },
          ProjectionExpression: Object.keys(names).join(', '),
          ExpressionAttributeNames: names,
          ConsistentRead: options.consistentRead ?? false,
          ReturnConsumedCapacity: 'TOTAL',
          ExclusiveStartKey: startKey,
        }),
        { abortSignal: options.signal },
      );
      stats.queries++;
      stats.readCapacityUnits += page.ConsumedCapacity?.CapacityUnits ?? 0;
      yield page.Items ?? [];
      options.onProgress?.(stats);
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /** TTL deletion is lazy (up to days): an expired item is gone as far as readers go. */
  function expired(item: Item): boolean {
    const ttl = item.ttl?.N;
    if (ttl === undefined || Number(ttl) * 1_000 > now) return false;
    stats.expired++;
    return true;
  }

  /** The series of one dimension set with a cell in the range's days. */
  async function seriesOf(set: readonly string[]): Promise<string[]> {
    if (set.length === 0) return ['*'];
    const found = new Set<string>();
    for await (const items of pages({
      pk: seriesIndexKey(set),
      from: startText(seriesIndexBucket(from)),
      to: `${startText(seriesIndexBucket(to - 1))}$`,
      projection: ['series', 'ttl'],
    })) {
      for (const item of items) {
        stats.indexItems++;
        const series = item.series?.S;
        if (series !== undefined && !expired(item)) found.add(series);
      }
    }
    return [...found].sort();
  }

  /** The output window of a stored cell, checking that it is a multiple of the cell's. */
  function outputWindow(cell: WindowCell): number {
    const size = cell.end - cell.start;
    if (stored === null) stored = size;
    else if (size !== stored && asked === null) {
      const lcm = (stored / gcd(stored, size)) * size;
      throw new QueryRangeError(
        `The range holds windows of ${stored / 1000} s and ${size / 1000} s: ask for a window that is a multiple of both (${lcm / 1000} s or a multiple of it).`,
      );
    }
    if (target === null) target = size;
    if (target % size !== 0) {
      throw new QueryRangeError(
        `A window of ${target / 1000} s is not a multiple of the stored window of ${size / 1000} s: ask for ${size / 1000} s or a multiple of it.`,
      );
    }
    return target;
  }

  /** Reads one series in time order, emitting each output window as the next one begins. */
  async function readSeries(series: string): Promise<void> {
    let open: { start: number; size: number; cells: WindowCell[] } | null = null;
    const parts: WindowCell[] = [];
    const close = (): void => {
      if (open === null) return;
      const only = open.cells.length === 1 ? open.cells[0]! : undefined;
      // One stored cell that already is the output window (the stored size asked for, one item
      // per window) is emitted as it is: a merge would only copy it.
      const [cell] =
        only !== undefined && only.start === open.start && only.end - only.start === open.size
          ? [only]
          : rollUp(open.cells, { windowSeconds: open.size / 1000 });
      open = null;
      if (cell === undefined) return;
      if (options.onWindow !== undefined) options.onWindow(cell);
      else windows.push(cell);
      parts.push(cell);
      if (parts.length >= MERGE_BATCH) parts.splice(0, parts.length, ...rollUp(parts));
    };
    const range = startRange(from, to);
    for await (const items of pages({
      pk: series,
      from: range.from,
      to: range.to,
      projection: ['cell', 'ttl'],
    })) {
      for (const item of items) {
        if (expired(item)) continue;
        const text = item.cell?.S;
        if (text === undefined) continue;
        if (stats.items >= maxItems) {
          throw new QueryLimitError(
            `The query reads more than ${maxItems} stored items: narrow the range or ask for fewer dimension sets.`,
            maxItems,
          );
        }
        stats.items++;
        const cell = deserializeCell(text);
        const size = outputWindow(cell);
        const start = cell.start - (((cell.start % size) + size) % size);
        if (open !== null && open.start !== start) close();
        if (open === null) open = { start, size, cells: [] };
        open.cells.push(cell);
        if (open.cells.length >= MERGE_BATCH) open.cells = rollUp(open.cells, { windowSeconds: size / 1000 });
      }
    }
    close();
    if (parts.length > 0) totals.push(...rollUp(parts));
  }

  const series: string[] = [];
  const seen = new Set<string>();
  for (const set of sets) {
    for (const s of await seriesOf(set)) {
      if (seen.has(s)) continue;
      seen.add(s);
      series.push(s);
    }
  }
  stats.series = series.length;
  await mapConcurrent(series, options.concurrency ?? DEFAULT_QUERY_CONCURRENCY, readSeries);

  const byKey = (a: WindowCell, b: WindowCell): number => {
    const ka = a.key.slice(a.key.indexOf('/', a.key.indexOf('/') + 1) + 1);
    const kb = b.key.slice(b.key.indexOf('/', b.key.indexOf('/') + 1) + 1);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
  windows.sort((a, b) => a.start - b.start || byKey(a, b));
  totals.sort(byKey);
  return {
    windows,
    totals,
    storedWindowSeconds: stored === null ? null : stored / 1000,
    windowSeconds: target === null ? null : target / 1000,
    stats,
  };
}
