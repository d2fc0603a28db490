/**
 * `queryWindows` against dynalite: whatever the batches and shards that wrote the cells, whatever
 * multiple of the stored window is asked for and whichever dimension sets, the merged windows and
 * totals equal aggregating the same records at once; with Query calls only.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import {
  type AggregatableRecord,
  createAggregator,
  type DimensionName,
  rollUp,
  summarize,
  type WindowCell,
  type WindowSummary,
} from '../../src/aggregate/index.js';
import { createParser } from '../../src/parser/parser.js';
import {
  createDynamoDbSink,
  queryWindows,
  seriesIndexKey,
  windowTableDefinition,
} from '../../src/sinks/dynamodb.js';
import { QueryLimitError, QueryRangeError } from '../../src/sinks/query-errors.js';
import {
  closeAll,
  dynamoClient,
  type LocalServer,
  startDynalite,
  startFaultProxy,
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
const START = Date.UTC(2025, 2, 1, 23, 40, 0);
const STORED_SECONDS = 60;
const SETS: DimensionName[][] = [[], ['country'], ['statusClass'], ['country', 'statusClass']];
/** Far enough that no window's TTL has passed; the data is from 2025. */
const NOW = () => START + 86_400_000;
const LATE = 86_400 * 365;

// Lines across a UTC midnight (the series index is kept per day), a few windows each side.
const RECORDS: AggregatableRecord[] = (() => {
  const parser = createParser(FIELDS);
  return generateLines({ fields: FIELDS, count: 3_000, seed: 11, startMs: START, requestsPerSecond: 2 }).map(
    (g) => {
      const r = parser.parseLine(g.line);
      if (!r.ok) throw new Error(r.reason);
      return r.record as AggregatableRecord;
    },
  );
})();
const FIRST = Math.min(...RECORDS.map((r) => r.timestamp as number));
const LAST = Math.max(...RECORDS.map((r) => r.timestamp as number));

function cellsOf(
  records: readonly AggregatableRecord[],
  dimensions: DimensionName[][],
  windowSeconds = STORED_SECONDS,
): WindowCell[] {
  const agg = createAggregator({
    dimensions,
    windowSeconds,
    allowedLatenessSeconds: LATE,
    clientKey: 'k'.repeat(32),
  });
  for (const r of records) agg.add(r);
  return agg.cells();
}

/**
 * Summaries without what depends on how records were cut: late arrivals, and the top-N lists,
 * which Space-Saving keeps within bounds rather than exactly once a list overflows its counters
 * (checked by `expectSameTops`).
 */
function comparable(s: WindowSummary): Omit<WindowSummary, 'late' | 'top'> {
  const { late: _late, top: _top, ...rest } = s;
  return rest;
}

/**
 * Each top-N entry claims its true count is in [count - error, count]: for a key both lists hold,
 * the two intervals must meet; a list that is exact on both sides (every error 0) is the same list.
 */
function expectSameTops(got: WindowSummary, want: WindowSummary): void {
  for (const name of Object.keys(want.top) as (keyof WindowSummary['top'])[]) {
    const a = got.top[name] ?? [];
    const b = want.top[name] ?? [];
    if ([...a, ...b].every((e) => e.error === 0)) {
      // Exact on both sides: the same entries, except where a summary's last places cut a tie
      // (several keys at the last count shown): which of those made the cut may differ.
      const cut = Math.min(a.at(-1)?.count ?? 0, b.at(-1)?.count ?? 0);
      expect(a.length, name).toBe(b.length);
      expect(
        a.filter((e) => e.count > cut),
        name,
      ).toEqual(b.filter((e) => e.count > cut));
      expect(
        a.map((e) => e.count),
        name,
      ).toEqual(b.map((e) => e.count));
      continue;
    }
    const other = new Map(b.map((e) => [e.key, e]));
    for (const e of a) {
      const o = other.get(e.key);
      if (o === undefined) continue;
      expect(e.count - (e.error ?? 0), `${name} ${e.key}`).toBeLessThanOrEqual(o.count);
      expect(o.count - (o.error ?? 0), `${name} ${e.key}`).toBeLessThanOrEqual(e.count);
    }
  }
}

/** Queried cells against cells aggregated at once, pairwise. */
function expectSameCells(got: readonly WindowCell[], want: readonly WindowCell[], span = true): void {
  const g = got.map((c) => summarize(c));
  const w = want.map((c) => summarize(c));
  const figures = (s: WindowSummary) => {
    const { start, end, ...rest } = comparable(s);
    return span ? { start, end, ...rest } : rest;
  };
  expect(g.map(figures)).toEqual(w.map(figures));
  for (const [i, s] of g.entries()) expectSameTops(s, w[i]!);
}

let server: LocalServer;
let direct: DynamoDBClient;
let tables = 0;

async function newTable(): Promise<string> {
  const name = `query-${++tables}`;
  await direct.send(new CreateTableCommand(windowTableDefinition(name)));
  return name;
}

/** Writes `records` cut at `cuts` into batches, each from one of `shards` shards, as the handler does. */
async function store(table: string, cuts: readonly number[], shards: number): Promise<void> {
  const sink = createDynamoDbSink({ client: direct, tableName: table });
  const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), RECORDS.length];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const batch = RECORDS.slice(bounds[i], bounds[i + 1]);
    if (batch.length === 0) continue;
    const result = await sink.write(cellsOf(batch, SETS), {
      batch: { shardId: `shardId-${i % shards}`, firstSequenceNumber: String(bounds[i]) },
    });
    expect(result.failed).toEqual([]);
  }
}

/** What aggregating the records of stored windows starting in [from, to) at once gives. */
function oracle(from: number, to: number, sets: DimensionName[][], windowSeconds: number) {
  const inRange = RECORDS.filter((r) => {
    const start = (r.timestamp as number) - ((r.timestamp as number) % (STORED_SECONDS * 1000));
    return start >= from && start < to;
  });
  const windows = cellsOf(inRange, sets, windowSeconds);
  // Totals: every record of a series at once (a window wider than the aggregator's day, so by
  // rolling up the series' stored-size cells, all of them in one merge).
  const totals = rollUp(cellsOf(inRange, sets));
  return { windows, totals };
}

let shared: string;

beforeAll(async () => {
  server = await startDynalite();
  direct = dynamoClient(server.endpoint);
  shared = await newTable();
  await store(shared, [400, 1_100, 1_150, 2_000, 2_600], 3);
}, 60_000);

afterAll(async () => {
  direct?.destroy();
  await closeAll(server);
});

describe('queryWindows', () => {
  it('equals aggregating at once, for any multiple of the stored window, dimension sets and range', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 30 }),
        fc.subarray(SETS, { minLength: 1 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 60 }),
        async (multiple, sets, skip, span) => {
          const from = FIRST - (FIRST % 60_000) + skip * 60_000 - 120_000;
          const to = from + span * 60_000;
          const window = STORED_SECONDS * multiple;
          const result = await queryWindows({
            client: direct,
            table: shared,
            from,
            to,
            dimensions: sets,
            window,
            now: NOW,
          });
          const expected = oracle(from, to, sets, window);
          const byStart = (a: WindowCell, b: WindowCell) => a.start - b.start || (a.key < b.key ? -1 : 1);
          expectSameCells(result.windows, expected.windows.sort(byStart));
          // Totals: one per series (spanning its own first to last window).
          const byDims = (c: WindowCell) => JSON.stringify(c.dimensions);
          const want = new Map(expected.totals.map((c) => [byDims(c), c]));
          expect(result.totals.map(byDims).sort()).toEqual([...want.keys()].sort());
          expectSameCells(
            result.totals,
            result.totals.map((c) => want.get(byDims(c))!),
            false,
          );
          if (result.windows.length > 0) expect(result.windowSeconds).toBe(window);
        },
      ),
      { numRuns: 10 },
    );
  }, 60_000);

  it('does not depend on how records were cut into batches and shards', async () => {
    const everything = oracle(0, LAST + 60_000, SETS, 600);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: RECORDS.length - 1 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        async (cuts, shards) => {
          const table = await newTable();
          await store(table, cuts, shards);
          const result = await queryWindows({
            client: direct,
            table,
            from: 0,
            to: LAST + 60_000,
            dimensions: SETS,
            window: 600,
            now: NOW,
          });
          expectSameCells(
            result.windows,
            everything.windows.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : 1)),
          );
        },
      ),
      { numRuns: 3 },
    );
  }, 60_000);

  it('defaults to the stored window, reads with Query only and reports its cost', async () => {
    const seen: string[] = [];
    const proxy = await startFaultProxy(server.endpoint);
    const client = dynamoClient(proxy.endpoint);
    try {
      const progress: number[] = [];
      const result = await queryWindows({
        client,
        table: shared,
        from: 0,
        to: LAST + 1,
        dimensions: [[], ['country']],
        now: NOW,
        onProgress: (s) => progress.push(s.queries),
      });
      for (const s of proxy.seen) seen.push(s.target.split('.').at(-1)!);
      expect(new Set(seen)).toEqual(new Set(['Query']));
      expect(result.storedWindowSeconds).toBe(60);
      expect(result.windowSeconds).toBe(60);
      expect(result.stats.queries).toBe(seen.length);
      expect(progress).toHaveLength(seen.length);
      expect(result.stats.items).toBeGreaterThan(result.windows.length);
      expect(result.stats.readCapacityUnits).toBeGreaterThan(0);
      const countries = new Set(RECORDS.map((r) => r['c-country'] ?? '-'));
      expect(result.stats.series).toBe(1 + countries.size);
    } finally {
      client.destroy();
      await closeAll(proxy);
    }
  });

  it('streams windows to onWindow in time order per series and keeps only the totals', async () => {
    const got: WindowCell[] = [];
    const result = await queryWindows({
      client: direct,
      table: shared,
      from: 0,
      to: LAST + 1,
      window: 300,
      now: NOW,
      onWindow: (c) => got.push(c),
    });
    expect(result.windows).toEqual([]);
    expect(got.map((c) => c.start)).toEqual([...got.map((c) => c.start)].sort((a, b) => a - b));
    const [total] = result.totals;
    expect(summarize(total!).requests).toBe(RECORDS.length);
  });

  it('refuses a window that is not a multiple of the stored one, and an empty range', async () => {
    await expect(
      queryWindows({ client: direct, table: shared, from: 0, to: LAST + 1, window: 90, now: NOW }),
    ).rejects.toThrow(
      new QueryRangeError(
        'A window of 90 s is not a multiple of the stored window of 60 s: ask for 60 s or a multiple of it.',
      ),
    );
    await expect(queryWindows({ client: direct, table: shared, from: 10, to: 10 })).rejects.toThrow(
      QueryRangeError,
    );
  });

  it('stops at maxItems with a QueryLimitError instead of reading on', async () => {
    const error = await queryWindows({
      client: direct,
      table: shared,
      from: 0,
      to: LAST + 1,
      dimensions: SETS,
      now: NOW,
      maxItems: 10,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryLimitError);
    expect((error as QueryLimitError).limit).toBe(10);
  });

  it('skips items whose TTL has passed, series index included', async () => {
    const result = await queryWindows({
      client: direct,
      table: shared,
      from: 0,
      to: LAST + 1,
      dimensions: [[], ['country']],
      now: () => LAST + 40 * 86_400_000,
    });
    expect(result.windows).toEqual([]);
    expect(result.totals).toEqual([]);
    expect(result.stats.expired).toBeGreaterThan(0);
  });

  it('keys the series index by dimension set, whatever the order of its names', () => {
    expect(seriesIndexKey(['statusClass', 'country'])).toBe('#series#country,statusClass');
  });
});
