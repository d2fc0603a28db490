/**
 * `dimensionTopLists`: dimension cells keep only the lists asked for, and what they keep is exactly
 * what a cell keeping every list has; the stream-wide cell is untouched; lean cells serialize,
 * merge and roll up like any other.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AggregatableRecord,
  type AggregatorOptions,
  AggregatorOptionsError,
  createAggregator,
  deserializeCell,
  mergeCells,
  serializeCell,
  summarize,
  TOP_LISTS,
  type TopListName,
  type WindowSummary,
} from '../../src/aggregate/index.js';

const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);
const KEY = 'dimension top lists test key';

const record = fc.record({
  t: fc.integer({ min: 0, max: 179_999 }),
  ip: fc.integer({ min: 0, max: 40 }),
  status: fc.constantFrom(200, 304, 404, 500, 503, 0),
  path: fc.constantFrom('/', '/a', '/b/c', '/img/x.png', '/api/v1', `/${'long'.repeat(40)}`),
  result: fc.constantFrom('Hit', 'Miss', 'Error', 'RefreshHit'),
  country: fc.constantFrom('US', 'DE', 'JP', 'BR'),
  edge: fc.constantFrom('IAD89-C1', 'FRA56-P2', 'NRT57-C3'),
  ua: fc.constantFrom('Mozilla/5.0', 'curl/8.0', 'okhttp/4.9'),
  referer: fc.constantFrom('-', 'https://example.com/', 'https://a.test/x'),
});

function toRecord(r: {
  t: number;
  ip: number;
  status: number;
  path: string;
  result: string;
  country: string;
  edge: string;
  ua: string;
  referer: string;
}): AggregatableRecord {
  return {
    timestamp: T0 + r.t,
    'c-ip': `203.0.${r.ip}.9`,
    'sc-status': r.status,
    'cs-uri-stem': r.path,
    'x-edge-result-type': r.result,
    'c-country': r.country,
    'x-edge-location': r.edge,
    'cs-user-agent': r.ua,
    'cs-referer': r.referer === '-' ? null : r.referer,
    'sc-bytes': 100,
  };
}

function summaries(
  records: readonly AggregatableRecord[],
  options: AggregatorOptions,
): Map<string, WindowSummary> {
  const agg = createAggregator({ clientKey: KEY, allowedLatenessSeconds: 86_400, ...options });
  for (const r of records) agg.add(r);
  return new Map(agg.cells().map((c) => [c.key, summarize(c, { top: 1_000 })]));
}

const DIMENSIONS: AggregatorOptions['dimensions'] = [[], ['country'], ['edgeLocation', 'statusClass']];

describe('dimensionTopLists', () => {
  it('dimension cells keep exactly the chosen lists, equal to the full cells; the stream-wide cell keeps all', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 400 }),
        fc.subarray([...TOP_LISTS]),
        (raw, chosen: TopListName[]) => {
          const records = raw.map(toRecord);
          const full = summaries(records, { dimensions: DIMENSIONS });
          const lean = summaries(records, { dimensions: DIMENSIONS, dimensionTopLists: chosen });
          expect([...lean.keys()].sort()).toEqual([...full.keys()].sort());
          for (const [key, f] of full) {
            const l = lean.get(key)!;
            const streamWide = Object.keys(f.dimensions).length === 0;
            for (const list of TOP_LISTS) {
              const kept = streamWide || chosen.includes(list);
              expect(l.top[list], `${key} ${list}`).toEqual(kept ? f.top[list] : []);
            }
            // Everything but the lists is the same.
            expect({ ...l, top: null }).toEqual({ ...f, top: null });
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('lean cells serialize, and merging two halves equals aggregating all at once', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 2, maxLength: 300 }),
        fc.subarray([...TOP_LISTS]),
        fc.nat(),
        (raw, chosen: TopListName[], cut) => {
          const records = raw.map(toRecord);
          const at = cut % records.length;
          const options: AggregatorOptions = {
            dimensions: DIMENSIONS,
            dimensionTopLists: chosen,
            clientKey: KEY,
            allowedLatenessSeconds: 86_400,
          };
          const cells = (rs: readonly AggregatableRecord[]) => {
            const agg = createAggregator(options);
            for (const r of rs) agg.add(r);
            return new Map(agg.cells().map((c) => [c.key, deserializeCell(serializeCell(c))]));
          };
          const all = cells(records);
          const a = cells(records.slice(0, at));
          const b = cells(records.slice(at));
          for (const [key, whole] of all) {
            const parts = [a.get(key), b.get(key)].filter((c) => c !== undefined);
            const merged = parts.length === 1 ? parts[0]! : mergeCells(parts[0]!, parts[1]!);
            expect(summarize(merged, { top: 1_000 })).toEqual(summarize(whole, { top: 1_000 }));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses names that are no top-N list, saying which are', () => {
    expect(() => createAggregator({ dimensionTopLists: ['paths', 'clientz'] as never })).toThrow(
      AggregatorOptionsError,
    );
    expect(() => createAggregator({ dimensionTopLists: 'some' as never })).toThrow(/must be "all" or a list/);
    try {
      createAggregator({ dimensionTopLists: ['paths', 'clientz'] as never });
    } catch (error) {
      expect((error as AggregatorOptionsError).message).toMatch(
        /unknown top-N list "clientz"; use paths, missPaths/,
      );
    }
    expect(createAggregator({ dimensionTopLists: [] }).options.dimensionTopLists).toEqual([]);
    expect(createAggregator({}).options.dimensionTopLists).toEqual([...TOP_LISTS]);
  });
});
