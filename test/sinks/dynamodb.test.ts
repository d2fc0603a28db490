import { CreateTableCommand, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import {
  createAggregator,
  type DimensionName,
  summarize,
  type WindowCell,
} from '../../src/aggregate/index.js';
import { createParser } from '../../src/parser/parser.js';
import {
  createDynamoDbSink,
  seriesIndexKey,
  seriesKey,
  sortKey,
  windowTableDefinition,
} from '../../src/sinks/dynamodb.js';
import {
  closeAll,
  dynamoClient,
  type FaultProxy,
  type LocalServer,
  startDynalite,
  startFaultProxy,
  THROTTLE,
} from '../helpers/local-aws.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'sc-bytes',
  'cs-uri-stem',
  'x-edge-location',
  'x-edge-result-type',
  'time-taken',
  'c-country',
] as const;
const START = Date.UTC(2025, 2, 1, 12, 0, 0);
const noWait = { sleep: async () => {}, maxAttempts: 10 };
const NOW = () => START + 86_400_000;
/** The generator makes a few requests a little late, so the first window can start before START. */
const FROM = START - 3_600_000;

// The generator costs about a millisecond a line: generate once, use slices.
const POOL = (() => {
  const parser = createParser(FIELDS);
  return generateLines({ fields: FIELDS, count: 4_000, seed: 1, startMs: START }).map((g) => {
    const r = parser.parseLine(g.line);
    if (!r.ok) throw new Error(r.reason);
    return r.record;
  });
})();

function parsed(count: number, offset: number) {
  return POOL.slice(offset * 100, offset * 100 + count);
}

function cellsOf(
  records: readonly Record<string, unknown>[],
  dimensions: DimensionName[][] = [[], ['country']],
): WindowCell[] {
  const agg = createAggregator({ dimensions });
  for (const r of records) agg.add(r);
  return agg.cells();
}

let server: LocalServer;
let proxy: FaultProxy;
let direct: DynamoDBClient;
let viaProxy: DynamoDBClient;
let tables = 0;

async function newTable(): Promise<string> {
  const name = `windows-${++tables}`;
  await direct.send(new CreateTableCommand(windowTableDefinition(name)));
  return name;
}

/** Every item of a table: the cells, or the series-index items. */
async function scan(table: string, kind: 'cells' | 'index' = 'cells') {
  const out = await direct.send(new ScanCommand({ TableName: table }));
  return (out.Items ?? []).filter((i) => i.pk!.S!.startsWith('#series#') === (kind === 'index'));
}

/** The series-index items the cells need: one per (dimension set, UTC day, series). */
function indexEntriesOf(cells: readonly WindowCell[]): Set<string> {
  const out = new Set<string>();
  for (const c of cells) {
    if (Object.keys(c.dimensions).length === 0) continue;
    out.add(
      `${seriesIndexKey(Object.keys(c.dimensions))} ${Math.floor(c.start / 86_400_000)} ${seriesKey(c.dimensions)}`,
    );
  }
  return out;
}

beforeAll(async () => {
  server = await startDynalite();
  proxy = await startFaultProxy(server.endpoint);
  direct = dynamoClient(server.endpoint);
  viaProxy = dynamoClient(proxy.endpoint);
});

afterAll(async () => {
  direct?.destroy();
  viaProxy?.destroy();
  await closeAll(proxy, server);
});

describe('key design', () => {
  it('series keys sort dimension names and encode values; sort keys order by window start as text', () => {
    expect(seriesKey({})).toBe('*');
    expect(seriesKey({ statusClass: '5xx', country: 'a&b=c' })).toBe('country=a%26b%3Dc&statusClass=5xx');
    const a = sortKey(999_999_999_999, 's', '1');
    const b = sortKey(1_000_000_000_000, 's', '1');
    expect(a < b).toBe(true);
  });
});

describe('DynamoDB sink against dynalite', () => {
  it('stores one item per (cell, shard, batch) and reads back windows equal to the aggregated ones', async () => {
    const table = await newTable();
    proxy.reset();
    const sink = createDynamoDbSink({ client: viaProxy, tableName: table });
    const cells = cellsOf(parsed(3_000, 0));
    const result = await sink.write(cells, {
      batch: { shardId: 'shardId-000000000000', firstSequenceNumber: '100' },
    });
    expect(result).toEqual({ sink: 'dynamodb', written: cells.length, failed: [] });
    const items = await scan(table);
    expect(items).toHaveLength(cells.length);
    // Beside the cells, one series-index item per (dimension set, day, series), in the same calls.
    const index = indexEntriesOf(cells);
    expect(await scan(table, 'index')).toHaveLength(index.size);
    const calls = proxy.seen.filter((s) => s.target.endsWith('.BatchWriteItem'));
    expect(calls.length).toBe(Math.ceil((cells.length + index.size) / 25));
    const streamWide = cells.filter((c) => Object.keys(c.dimensions).length === 0);
    const first = streamWide[0]!;
    const item = items.find(
      (i) => i.pk?.S === '*' && i.sk?.S === sortKey(first.start, 'shardId-000000000000', '100'),
    )!;
    expect(Number(item.ttl?.N)).toBe(Math.floor(first.end / 1_000) + 14 * 86_400);
    expect(JSON.parse(item.summary!.S!).requests).toBe(summarize(first).requests);

    const read = await sink.readWindows(FROM, START + 86_400_000, {}, { now: NOW });
    expect(read.map((c) => summarize(c))).toEqual(streamWide.map((c) => summarize(c)));
    const country = streamWide.length > 0 ? cells.find((c) => c.dimensions.country === 'US')! : undefined;
    const us = await sink.readWindows(FROM, START + 86_400_000, { country: 'US' }, { now: NOW });
    expect(us[0]!.key).toBe(country!.key);
    expect(summarize(us[0]!).requests).toBe(summarize(country!).requests);
  });

  it('the same batch written twice leaves the same state; other batches merge on read into the union', async () => {
    const table = await newTable();
    const sink = createDynamoDbSink({ client: direct, tableName: table });
    const records = parsed(4_000, 0);
    const a = records.slice(0, 2_500);
    const b = records.slice(2_500);
    const batchA = { shardId: 'shardId-000000000000', firstSequenceNumber: '1' };
    const batchB = { shardId: 'shardId-000000000001', firstSequenceNumber: '7' };
    await sink.write(cellsOf(a), { batch: batchA });
    await sink.write(cellsOf(b), { batch: batchB });
    const once = await sink.readWindows(FROM, START + 86_400_000, {}, { now: NOW });
    await sink.write(cellsOf(a), { batch: batchA });
    const twice = await sink.readWindows(FROM, START + 86_400_000, {}, { now: NOW });
    expect(twice.map((c) => summarize(c))).toEqual(once.map((c) => summarize(c)));
    const all = cellsOf(records, [[]]);
    const summaries = twice.map((c) => summarize(c));
    expect(summaries.map((s) => [s.start, s.requests, s.bytesOut, s.status, s.cache])).toEqual(
      all.map((c) => summarize(c)).map((s) => [s.start, s.requests, s.bytesOut, s.status, s.cache]),
    );
  });

  it('reads only windows starting in [from, to) and ignores items whose TTL has passed', async () => {
    const table = await newTable();
    const sink = createDynamoDbSink({ client: direct, tableName: table, ttlDays: 1 });
    const cells = cellsOf(parsed(2_000, 3), [[]]);
    await sink.write(cells);
    const second = cells[1]!;
    const one = await sink.readWindows(second.start, second.end, {}, { now: NOW });
    expect(one.map((c) => c.start)).toEqual([second.start]);
    const expired = await sink.readWindows(
      FROM,
      START + 86_400_000,
      {},
      { now: () => second.end + 2 * 86_400_000 },
    );
    expect(expired).toEqual([]);
  });

  it('puts each series-index item once per sink: a cell counts as written only with it', async () => {
    const table = await newTable();
    proxy.reset();
    const sink = createDynamoDbSink({
      client: viaProxy,
      tableName: table,
      retry: { ...noWait, maxAttempts: 1 },
    });
    const cells = cellsOf(parsed(500, 6));
    const puts = () =>
      proxy.seen
        .filter((s) => s.target.endsWith('.BatchWriteItem'))
        .flatMap((s) =>
          Object.values(
            (s.body as { RequestItems: Record<string, { PutRequest: { Item: { pk: { S: string } } } }[]> })
              .RequestItems,
          ).flat(),
        )
        .filter((r) => r.PutRequest.Item.pk.S.startsWith('#series#')).length;
    // The index put of every country fails: so do the cells that need it.
    proxy.plan = (req) => {
      if (!req.target.endsWith('.BatchWriteItem')) return undefined;
      const sent = Object.values(
        (req.body as { RequestItems: Record<string, unknown[]> }).RequestItems,
      ).flat();
      return { unprocessed: (i) => JSON.stringify(sent[i]).includes('#series#') };
    };
    const failing = await sink.write(cells, { batch: { shardId: 's', firstSequenceNumber: '1' } });
    const withDimensions = cells.filter((c) => Object.keys(c.dimensions).length > 0).length;
    expect(failing.failed).toHaveLength(withDimensions);
    proxy.reset();
    await sink.write(cells, { batch: { shardId: 's', firstSequenceNumber: '1' } });
    expect(puts()).toBe(indexEntriesOf(cells).size);
    proxy.reset();
    await sink.write(cells, { batch: { shardId: 's', firstSequenceNumber: '2' } });
    expect(puts()).toBe(0);
    expect(await scan(table, 'index')).toHaveLength(indexEntriesOf(cells).size);
  });

  it('retries UnprocessedItems and throttled calls until every item is stored', async () => {
    const table = await newTable();
    proxy.reset();
    proxy.plan = (req, n) => {
      if (!req.target.endsWith('.BatchWriteItem')) return undefined;
      if (n === 1) return THROTTLE;
      if (n <= 4) return { unprocessed: (i) => i % 2 === 0 };
      return undefined;
    };
    const sink = createDynamoDbSink({ client: viaProxy, tableName: table, retry: noWait });
    const cells = cellsOf(parsed(3_000, 4));
    const result = await sink.write(cells, { batch: { shardId: 's', firstSequenceNumber: '1' } });
    expect(result.failed).toEqual([]);
    expect(proxy.faults).toBeGreaterThanOrEqual(2);
    expect(await scan(table)).toHaveLength(cells.length);
  });

  it('sends each key once (BatchWriteItem rejects duplicates) and reports what still fails', async () => {
    const table = await newTable();
    proxy.reset();
    const sink = createDynamoDbSink({ client: viaProxy, tableName: table, retry: noWait });
    const cells = cellsOf(parsed(500, 5));
    const result = await sink.write([...cells, cells[0]!]);
    expect(result.failed).toEqual([]);
    const sent = proxy.seen
      .filter((s) => s.target.endsWith('.BatchWriteItem'))
      .flatMap((s) =>
        Object.values((s.body as { RequestItems: Record<string, unknown[]> }).RequestItems).flat(),
      );
    expect(sent).toHaveLength(cells.length + indexEntriesOf(cells).size);

    proxy.reset();
    proxy.plan = (req) =>
      req.target.endsWith('.BatchWriteItem') ? { unprocessed: (i) => i === 0 } : undefined;
    const stuck = await sink.write(cells.slice(0, 3), { batch: { shardId: 's', firstSequenceNumber: '9' } });
    expect(stuck.failed).toMatchObject([{ index: 0, retryable: true }]);
    expect(stuck.written).toBe(2);
  });
});
