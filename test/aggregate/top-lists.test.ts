/**
 * A cell's eight top-N lists as the aggregator fills them, on generated traffic long-tailed enough
 * that every high-cardinality list folds many times (topK 100, thousands of paths and clients).
 *
 * What is guaranteed: a cell's observable state (summaries, serialized bytes) depends only on the
 * records added to it, never on whether or when it was read; a record counted in several cells
 * leaves each cell as it would be counted alone; kept keys never hold on to the lines they were
 * cut from.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import {
  type AggregatableRecord,
  type AggregatorOptions,
  createAggregator,
  type DimensionName,
  deserializeCell,
  mergeCells,
  serializeCell,
  summarize,
} from '../../src/aggregate/index.js';
import { createEnricher } from '../../src/enrich/index.js';
import { createParser } from '../../src/parser/index.js';
import { collectGarbage } from '../helpers/gc.js';

const fields = readFileSync(new URL('../../fixtures/real/fields.txt', import.meta.url), 'utf8')
  .trim()
  .split(/[\s,]+/);

/** Parsed and derived generated records: ~4,000 per minute, thousands of paths and clients. */
function records(count: number, seed: number): AggregatableRecord[] {
  const parser = createParser(fields);
  const enricher = createEnricher();
  const out: AggregatableRecord[] = [];
  for (const g of generateLines({
    fields,
    count,
    seed,
    requestsPerSecond: 70,
    paths: 5_000,
    clients: 20_000,
  })) {
    const r = parser.parseLine(g.line);
    if (r.ok) out.push(enricher.derive(r.record));
  }
  return out;
}

const RECORDS = records(6_000, 7);
const OPTIONS: AggregatorOptions = {
  dimensions: [[], ['country'], ['cacheClass'], ['host', 'statusClass']],
  allowedLatenessSeconds: 86_400,
};

function serializedCells(agg: ReturnType<typeof createAggregator>): Map<string, string> {
  return new Map(agg.cells().map((c) => [c.key, serializeCell(c)]));
}

describe('top-N lists of a cell', () => {
  it('fold: the busiest lists hold more distinct keys than topK in these records', () => {
    const agg = createAggregator({ allowedLatenessSeconds: 86_400 });
    for (const r of RECORDS) agg.add(r);
    const busiest = agg
      .cells()
      .map((c) => summarize(c, { top: 100 }))
      .sort((a, b) => b.requests - a.requests)[0]!;
    expect(busiest.requests).toBeGreaterThan(3_000);
    const top = busiest.top;
    expect(top.clients).toHaveLength(100);
    expect(top.paths).toHaveLength(100);
    expect(top.clients.some((e) => (e.error ?? 0) > 0)).toBe(true);
  });

  it('serialize to the same bytes whether the cells were read during the stream or only at the end', () => {
    const quiet = createAggregator(OPTIONS);
    for (const r of RECORDS) quiet.add(r);
    const expected = serializedCells(quiet);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: RECORDS.length - 1 }), { minLength: 1, maxLength: 6 }), (reads) => {
        const read = createAggregator(OPTIONS);
        const at = new Set(reads);
        RECORDS.forEach((r, i) => {
          read.add(r);
          if (at.has(i)) {
            for (const c of read.cells()) {
              summarize(c, { top: 100 });
              mergeCells(c, deserializeCell(serializeCell(c)));
            }
          }
        });
        expect(serializedCells(read)).toEqual(expected);
      }),
      { numRuns: 8 },
    );
  });

  it('leave each cell of a record as if the record were counted in that cell alone', () => {
    const together = createAggregator(OPTIONS);
    for (const r of RECORDS) together.add(r);
    const alone = new Map<string, string>();
    for (const set of OPTIONS.dimensions!) {
      const agg = createAggregator({ ...OPTIONS, dimensions: [set as DimensionName[]] });
      for (const r of RECORDS) agg.add(r);
      for (const [key, text] of serializedCells(agg)) alone.set(key, text);
    }
    expect(serializedCells(together)).toEqual(alone);
  });

  // Stream-wide only is the SAM default: there no dimension cell copies a key again (which flattened
  // the first copy as a side effect), and on Node 22 every key kept its line alive.
  it.each([
    { name: 'stream-wide', dimensions: [[]] as DimensionName[][] },
    { name: 'stream-wide and country', dimensions: [[], ['country']] as DimensionName[][] },
  ])('keep no line alive through any kept key ($name)', ({ dimensions }) => {
    const LINES = 40;
    const LINE_LENGTH = 1 << 20;
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    const agg = createAggregator({ dimensions });
    for (let i = 0; i < LINES; i++) {
      const line =
        `${i}\t/products/item-${i}\thttps://www.example.com/from/${i}\tAgent/${i} (a long user agent)\t`.padEnd(
          LINE_LENGTH,
          'x',
        );
      const [, path, referer, userAgent] = line.split('\t', 4);
      agg.add({
        timestamp: Date.UTC(2025, 2, 1, 12, 0, i),
        'c-ip': `198.51.100.${i}`,
        'cs-uri-stem': path!,
        'cs-referer': referer!,
        'cs-user-agent': userAgent!,
        'c-country': 'DE',
        'x-edge-location': `FRA56-P${i}-long-location`,
        'x-edge-result-type': 'Error',
        'sc-status': 503,
      });
    }
    collectGarbage();
    const retained = process.memoryUsage().heapUsed - before;
    expect(retained).toBeLessThan((LINES * LINE_LENGTH) / 10);
    const s = summarize(agg.cells()[0]!, { top: 100 }).top;
    expect(s.paths).toHaveLength(LINES);
    expect(s.errorPaths).toHaveLength(LINES);
    expect(s.missPaths).toHaveLength(0);
  });
});
