/**
 * The query path's merge: `queryWindows` reading a day of 1-minute stream-wide windows (1,440
 * serialized cells of about 25 KB, one item each) and merging them as pages arrive, into the
 * stored 1-minute rows or into hourly rows, with the day's totals. DynamoDB is not measured: the
 * items are served from memory in pages of at most 1 MB, as Query returns them, so the figure is
 * the library's own cost (deserialize + merge) per item read. prepare() prints the cells' sizes.
 */
import type { QueryCommand } from '@aws-sdk/client-dynamodb';
import { type AggregatableRecord, createAggregator, serializeCell } from '../../src/aggregate/index.js';
import { createEnricher } from '../../src/enrich/index.js';
import { createParser } from '../../src/parser/parser.js';
import { queryWindows } from '../../src/sinks/dynamodb.js';
import type { BenchCase, BenchData } from '../types.js';

const DAY_START = Date.UTC(2025, 2, 1);
const MINUTES = 1_440;
/** Records per minute: enough distinct paths, clients and agents to fill the top-N lists. */
const PER_MINUTE = 1_000;
/** DynamoDB returns at most 1 MB of items per Query page. */
const PAGE_BYTES = 1024 * 1024;

type Item = { cell: { S: string } };

/** 1,440 one-minute stream-wide cells from the bench lines, each minute another slice of them. */
function dayOfCells(data: BenchData): string[] {
  const parser = createParser(data.fields);
  const enricher = createEnricher();
  const records: AggregatableRecord[] = [];
  for (const line of data.lines) {
    const r = parser.parseLine(line);
    if (r.ok) records.push(enricher.derive(r.record));
  }
  const agg = createAggregator({ windowSeconds: 60, allowedLatenessSeconds: 0 });
  const out: string[] = [];
  for (let m = 0; m < MINUTES; m++) {
    for (let i = 0; i < PER_MINUTE; i++) {
      const r = records[(m * PER_MINUTE + i) % records.length]!;
      agg.add({ ...r, timestamp: DAY_START + m * 60_000 + Math.floor((i * 60_000) / PER_MINUTE) });
    }
    for (const c of agg.drain()) out.push(serializeCell(c));
  }
  const sizes = out.map((s) => Buffer.byteLength(s)).sort((a, b) => a - b);
  process.stderr.write(
    `query-merge: ${out.length} cells, median ${sizes[sizes.length >> 1]} B, max ${sizes.at(-1)} B, ${(sizes.reduce((a, b) => a + b, 0) / 1e6).toFixed(1)} MB in all\n`,
  );
  return out;
}

/** A client answering Query from memory, in pages of at most 1 MB, as DynamoDB pages. */
function pagedClient(cells: readonly string[]) {
  const pages: Item[][] = [[]];
  let bytes = 0;
  for (const text of cells) {
    const size = Buffer.byteLength(text);
    if (bytes + size > PAGE_BYTES && pages.at(-1)!.length > 0) {
      pages.push([]);
      bytes = 0;
    }
    pages.at(-1)!.push({ cell: { S: text } });
    bytes += size;
  }
  return {
    send: async (command: QueryCommand) => {
      const page = Number(command.input.ExclusiveStartKey?.page?.N ?? 0);
      return {
        Items: pages[page],
        ...(page + 1 < pages.length ? { LastEvaluatedKey: { page: { N: String(page + 1) } } } : {}),
      };
    },
  };
}

let cells: string[] | undefined;

function query(data: BenchData, window: number) {
  cells ??= dayOfCells(data);
  const client = pagedClient(cells);
  return async () => {
    const { stats, totals } = await queryWindows({
      client: client as never,
      table: 'bench-windows',
      from: DAY_START,
      to: DAY_START + 86_400_000,
      window,
    });
    if (stats.items !== MINUTES || totals.length !== 1) throw new Error('not a day of windows');
    return stats.items;
  };
}

export const cases: BenchCase[] = [
  {
    name: 'query-merge-day-1m',
    description:
      'queryWindows over a day of 1-minute stream-wide cells (1,440 items): 1,440 rows + totals (items/s)',
    prepare: (data) => query(data, 60),
  },
  {
    name: 'query-merge-day-hourly',
    description: 'the same day re-windowed to hourly rows: 24 rows + totals (items/s)',
    prepare: (data) => query(data, 3_600),
  },
];
