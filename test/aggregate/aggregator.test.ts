import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import {
  type AggregatableRecord,
  type AggregatorOptions,
  AggregatorOptionsError,
  CellMergeError,
  createAggregator,
  mergeCells,
  rollUp,
  summarize,
  type WindowCell,
} from '../../src/aggregate/index.js';
import { createEnricher } from '../../src/enrich/index.js';
import { cacheClass, statusClass } from '../../src/model/classes.js';
import { ConfigError, createParser } from '../../src/parser/index.js';
import { arbRecord, BASE, split } from './factories.js';

/** Loose enough that splitting the input never changes which records are late or folded. */
const LOOSE: AggregatorOptions = {
  dimensions: [[], ['country'], ['host', 'statusClass']],
  allowedLatenessSeconds: 86_400,
  cardinalityLimit: 1000,
};

function cellsOf(records: readonly AggregatableRecord[], options: AggregatorOptions = LOOSE): WindowCell[] {
  const agg = createAggregator(options);
  for (const r of records) agg.add(r);
  return agg.cells();
}

/** Merges cells by key (in the order given). */
function mergeByKey(groups: readonly WindowCell[][]): Map<string, WindowCell> {
  const out = new Map<string, WindowCell>();
  for (const cells of groups) {
    for (const c of cells) {
      const prev = out.get(c.key);
      out.set(c.key, prev === undefined ? c : mergeCells(prev, c));
    }
  }
  return out;
}

/** A cheap string hash, to order cells by a seed. */
function hashOf(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h, 31) + text.charCodeAt(i);
  return h;
}

/** The cell key a summary stands for. */
function keyOf(s: { start: number; end: number; dimensions: Readonly<Record<string, string>> }): string {
  const dims = Object.entries(s.dimensions)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return `${s.start}/${s.end}/${dims}`;
}

function summaries(cells: Iterable<WindowCell>) {
  return [...cells].sort((a, b) => (a.key < b.key ? -1 : 1)).map((c) => summarize(c, { top: 100 }));
}

describe('createAggregator', () => {
  it('rollUp of minute cells equals aggregating into the coarser window, in any cell order', () => {
    fc.assert(
      fc.property(
        fc.array(arbRecord(30 * 60_000), { minLength: 1, maxLength: 300, size: 'max' }),
        fc.constantFrom(300, 600, 3600),
        fc.integer(),
        (records, seconds, seed) => {
          const minute = cellsOf(records, { ...LOOSE, windowSeconds: 60 });
          const coarse = cellsOf(records, { ...LOOSE, windowSeconds: seconds });
          const shuffledCells = [...minute].sort(
            (a, b) => ((hashOf(a.key) ^ seed) >>> 0) - ((hashOf(b.key) ^ seed) >>> 0),
          );
          const rolled = rollUp(shuffledCells, { windowSeconds: seconds });
          expect(rolled.map((c) => c.key)).toEqual(summaries(coarse).map((s) => keyOf(s)));
          expect(summaries(rolled)).toEqual(summaries(coarse));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rollUp without a window makes one cell per dimension values, spanning every window', () => {
    fc.assert(
      fc.property(
        fc.array(arbRecord(30 * 60_000), { minLength: 1, maxLength: 200, size: 'max' }),
        (records) => {
          const cells = cellsOf(records, { ...LOOSE, dimensions: [[]] });
          const [total, ...rest] = rollUp(cells);
          expect(rest).toEqual([]);
          expect(total!.start).toBe(Math.min(...cells.map((c) => c.start)));
          expect(total!.end).toBe(Math.max(...cells.map((c) => c.end)));
          const whole = cellsOf(records, { ...LOOSE, dimensions: [[]], windowSeconds: 86_400 });
          const { start, end, ...figures } = summarize(total!, { top: 100 });
          const { start: s2, end: e2, ...expected } = summarize(whole[0]!, { top: 100 });
          expect(figures).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rollUp refuses a window its cells do not fit in', () => {
    const cells = cellsOf([{ timestamp: BASE }], { windowSeconds: 300 });
    expect(() => rollUp(cells, { windowSeconds: 60 })).toThrow(CellMergeError);
    expect(() => rollUp(cells, { windowSeconds: 0 })).toThrow(CellMergeError);
    expect(rollUp([])).toEqual([]);
  });

  it('arrival order changes no figure: any permutation, tight lateness, drained as it goes, fragments merged', () => {
    fc.assert(
      fc.property(
        fc.array(arbRecord(10 * 60_000), { minLength: 1, maxLength: 300, size: 'max' }),
        fc.integer(),
        fc.constantFrom(0, 30),
        (records, seed, lateness) => {
          const options: AggregatorOptions = { ...LOOSE, allowedLatenessSeconds: lateness };
          // The reference: records in event-time order, so none is late.
          const inOrder = [...records].sort((a, b) => (a.timestamp as number) - (b.timestamp as number));
          const reference = cellsOf(inOrder, options);
          const permuted = [...records];
          let x = seed | 0 || 1;
          for (let i = permuted.length - 1; i > 0; i--) {
            x = (Math.imul(x, 48271) + 1) | 0;
            const j = (x >>> 0) % (i + 1);
            [permuted[i], permuted[j]] = [permuted[j]!, permuted[i]!];
          }
          const agg = createAggregator(options);
          const fragments: WindowCell[][] = [];
          for (const r of permuted) {
            agg.add(r);
            fragments.push(agg.drainClosed());
          }
          fragments.push(agg.drain());
          const merged = [...mergeByKey(fragments).values()].map((c) => {
            const { late, ...figures } = summarize(c, { top: 100 });
            return figures;
          });
          const expected = summaries(reference).map(({ late, ...figures }) => figures);
          expect(
            merged.sort(
              (a, b) =>
                a.start - b.start || (JSON.stringify(a.dimensions) < JSON.stringify(b.dimensions) ? -1 : 1),
            ),
          ).toEqual(
            expected.sort(
              (a, b) =>
                a.start - b.start || (JSON.stringify(a.dimensions) < JSON.stringify(b.dimensions) ? -1 : 1),
            ),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('aggregating the parts of any split and merging equals aggregating the whole', () => {
    fc.assert(
      fc.property(
        fc.array(arbRecord(), { maxLength: 300, size: 'max' }),
        fc.array(fc.nat(), { maxLength: 300, size: 'max' }),
        fc.integer({ min: 1, max: 4 }),
        (records, assignment, parts) => {
          const merged = mergeByKey(split(records, assignment, parts).map((p) => cellsOf(p)));
          expect(summaries(merged.values())).toEqual(summaries(cellsOf(records)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('merges associatively and commutatively', () => {
    fc.assert(
      fc.property(
        fc.array(arbRecord(60_000), { minLength: 1, maxLength: 100, size: 'max' }),
        fc.array(arbRecord(60_000), { minLength: 1, maxLength: 100, size: 'max' }),
        fc.array(arbRecord(60_000), { minLength: 1, maxLength: 100, size: 'max' }),
        (a, b, c) => {
          const opts: AggregatorOptions = { allowedLatenessSeconds: 86_400 };
          const [ca, cb, cc] = [a, b, c].map((r) => cellsOf(r, opts)[0]!) as [
            WindowCell,
            WindowCell,
            WindowCell,
          ];
          const ab = mergeCells(ca, cb);
          expect(summarize(ab, { top: 100 })).toEqual(summarize(mergeCells(cb, ca), { top: 100 }));
          expect(summarize(mergeCells(ab, cc), { top: 100 })).toEqual(
            summarize(mergeCells(ca, mergeCells(cb, cc)), { top: 100 }),
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('counts every exact figure as an oracle over the records does', () => {
    fc.assert(
      fc.property(fc.array(arbRecord(), { minLength: 1, maxLength: 300, size: 'max' }), (records) => {
        const cells = cellsOf(records, { dimensions: [['country']], allowedLatenessSeconds: 86_400 });
        for (const cell of cells) {
          const mine = records.filter(
            (r) =>
              Math.floor(r.timestamp! / 60_000) * 60_000 === cell.start &&
              (r['c-country'] ?? 'unknown') === cell.dimensions.country,
          );
          const s = summarize(cell, { top: 100 });
          expect(s.end - s.start).toBe(60_000);
          expect(s.requests).toBe(mine.length);
          expect(s.bytesOut).toBe(mine.reduce((n, r) => n + (r['sc-bytes'] ?? 0), 0));
          expect(s.bytesIn).toBe(mine.reduce((n, r) => n + (r['cs-bytes'] ?? 0), 0));
          for (const [cls, n] of Object.entries(s.status)) {
            expect(n).toBe(mine.filter((r) => statusClass(r['sc-status']) === cls).length);
          }
          for (const [code, n] of Object.entries(s.statusCodes)) {
            expect(n).toBe(mine.filter((r) => r['sc-status'] === Number(code)).length);
          }
          for (const [cls, n] of Object.entries(s.cache)) {
            expect(n).toBe(mine.filter((r) => cacheClass(r['x-edge-result-type']) === cls).length);
          }
          const hit = s.cache.hit;
          const miss = s.cache.miss;
          expect(s.cacheHitRatio).toBe(hit + miss === 0 ? null : hit / (hit + miss));
          expect(s.errorRates['5xx']).toBe(s.status['5xx'] / mine.length);
          expect(s.uniqueClients).toBe(new Set(mine.map((r) => r['c-ip'])).size);
          const paths = new Map<string, number>();
          for (const r of mine) {
            const p = r['cs-uri-stem']!.split('?')[0]!;
            paths.set(p, (paths.get(p) ?? 0) + 1);
          }
          expect(new Map(s.top.paths.map((e) => [e.key, e.count]))).toEqual(paths);
          expect(s.timeTaken.count).toBe(mine.filter((r) => r['time-taken'] !== null).length);
          expect(s.estimated).toBe(false);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('never drops a record: each is added, late or untimed, exactly as a sequential watermark oracle says', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            { weight: 20, arbitrary: arbRecord(10 * 60_000) },
            { weight: 1, arbitrary: arbRecord().map((r) => ({ ...r, timestamp: null })) },
          ),
          { maxLength: 300 },
        ),
        fc.constantFrom(0, 30, 120),
        fc.boolean(),
        (records, lateness, drainAsWeGo) => {
          const agg = createAggregator({ windowSeconds: 60, allowedLatenessSeconds: lateness });
          let mark = Number.NEGATIVE_INFINITY;
          const expected: string[] = [];
          const outcomes: string[] = [];
          const drained: WindowCell[] = [];
          for (const r of records) {
            const ts = r.timestamp;
            if (ts === null || ts === undefined) expected.push('untimed');
            else if (Math.floor(ts / 60_000) * 60_000 + 60_000 + lateness * 1000 <= mark)
              expected.push('late');
            else {
              expected.push('added');
              mark = Math.max(mark, ts);
            }
            outcomes.push(agg.add(r));
            if (drainAsWeGo) drained.push(...agg.drainClosed());
          }
          expect(outcomes).toEqual(expected);
          const all = [...drained, ...agg.drain()].map((c) => summarize(c));
          const count = (o: string) => expected.filter((e) => e === o).length;
          // Late records count in their window like the others: only untimed ones have no window.
          expect(all.reduce((n, s) => n + s.requests, 0)).toBe(count('added') + count('late'));
          expect(all.reduce((n, s) => n + s.late, 0)).toBe(count('late'));
          expect(agg.stats()).toMatchObject({
            records: count('added') + count('late'),
            late: count('late'),
            untimed: count('untimed'),
          });
        },
      ),
      { numRuns: 80 },
    );
  });

  it('aligns tumbling windows to the epoch and orders cells by start then key', () => {
    const agg = createAggregator({ windowSeconds: 60, dimensions: [[], ['country']] });
    agg.add({ timestamp: BASE + 61_000, 'c-country': 'US' });
    agg.add({ timestamp: BASE + 59_999, 'c-country': 'DE' });
    agg.add({ timestamp: BASE, 'c-country': 'US' });
    expect(agg.cells().map((c) => c.key)).toEqual([
      `${BASE}/${BASE + 60_000}/`,
      `${BASE}/${BASE + 60_000}/country=DE`,
      `${BASE}/${BASE + 60_000}/country=US`,
      `${BASE + 60_000}/${BASE + 120_000}/`,
      `${BASE + 60_000}/${BASE + 120_000}/country=US`,
    ]);
  });

  it('puts records with identical timestamps in one window', () => {
    const agg = createAggregator();
    for (let i = 0; i < 1000; i++) agg.add({ timestamp: BASE + 5, 'c-ip': `10.0.${i % 7}.1` });
    const [cell, ...rest] = agg.cells();
    expect(rest).toEqual([]);
    expect(summarize(cell!).requests).toBe(1000);
    expect(summarize(cell!).uniqueClients).toBe(7);
  });

  it('summarizes a single record', () => {
    const agg = createAggregator();
    agg.add({ timestamp: BASE, 'sc-status': 404, 'time-taken': 0.25, 'cs-uri-stem': '/x?y=1' });
    const s = summarize(agg.cells()[0]!);
    expect(s).toMatchObject({
      requests: 1,
      status: { '4xx': 1 },
      statusCodes: { '404': 1 },
      errorRates: { '4xx': 1, '5xx': 0, '000': 0 },
      cacheHitRatio: null,
      botShare: null,
      timeTaken: { count: 1, min: 0.25, max: 0.25, p50: 0.25, p99: 0.25 },
      timeToFirstByte: { count: 0, p50: null },
      uniqueClients: 0,
      top: { paths: [{ key: '/x', count: 1, error: 0 }], errorPaths: [{ key: '/x', count: 1, error: 0 }] },
    });
  });

  it('has no cells before the first record', () => {
    const agg = createAggregator();
    expect(agg.cells()).toEqual([]);
    expect(agg.watermark()).toBeNull();
    expect(agg.drain()).toEqual([]);
  });

  it('folds dimension values past the cardinality limit into other, missing values into unknown', () => {
    const agg = createAggregator({ dimensions: [['host']], cardinalityLimit: { host: 2 } });
    for (const host of ['a', 'b', 'c', 'd', 'a', null]) agg.add({ timestamp: BASE, 'cs-host': host });
    const byHost = Object.fromEntries(agg.cells().map((c) => [c.dimensions.host, summarize(c).requests]));
    expect(byHost).toEqual({ a: 2, b: 1, other: 2, unknown: 1 });
  });

  it('never folds the closed sets (status class, cache class, device)', () => {
    const agg = createAggregator({ dimensions: [['statusClass']], cardinalityLimit: 1 });
    for (const s of [200, 301, 404, 500, 0]) agg.add({ timestamp: BASE, 'sc-status': s });
    expect(agg.cells().map((c) => c.dimensions.statusClass)).toEqual(['000', '2xx', '3xx', '4xx', '5xx']);
  });

  it('bounds cells by configuration, not traffic', () => {
    const agg = createAggregator({ dimensions: [['host', 'country']], cardinalityLimit: 3 });
    for (let i = 0; i < 5000; i++)
      agg.add({ timestamp: BASE, 'cs-host': `h${i}`, 'c-country': `C${i % 50}` });
    // (3 values + other) x (3 values + other)
    expect(agg.cells().length).toBeLessThanOrEqual(16);
  });

  it('reads the derived keys when present and computes them when absent', () => {
    const agg = createAggregator({ dimensions: [['airport', 'country', 'device']] });
    agg.add({
      timestamp: BASE,
      'c-ip': '203.0.113.9',
      'sc-status': 200,
      statusClass: '2xx',
      isError: false,
      cacheClass: 'hit',
      'x-edge-location': 'IAD89-C1',
      edge: { airport: 'IAD' },
      'c-country': 'US',
      geo: { country: 'CA' },
      ua: { device: 'mobile', isBot: true },
      url: { path: '/derived' },
      'cs-uri-stem': '/raw',
      client: '203.0.113.0',
    });
    agg.add({
      timestamp: BASE,
      'x-edge-location': 'FRA56-P3',
      'x-edge-result-type': 'Miss',
      'sc-status': 503,
    });
    const [fra, iad] = agg.cells();
    expect(iad!.dimensions).toEqual({ airport: 'IAD', country: 'CA', device: 'mobile' });
    const s = summarize(iad!);
    expect(s.top.paths).toEqual([{ key: '/derived', count: 1, error: 0 }]);
    expect(s.top.clients).toEqual([{ key: '203.0.113.0', count: 1, error: 0 }]);
    expect(s.uniqueClients).toBe(1);
    expect(s.botShare).toBe(1);
    expect(s.cache.hit).toBe(1);
    expect(fra!.dimensions).toEqual({ airport: 'FRA', country: 'unknown', device: 'unknown' });
    expect(summarize(fra!)).toMatchObject({ cache: { miss: 1 }, status: { '5xx': 1 }, botShare: null });
  });

  it('scales counts and bytes by 100 / sampling rate and marks them estimated', () => {
    const agg = createAggregator({ samplingRate: 25 });
    agg.add({ timestamp: BASE, 'sc-bytes': 100, 'sc-status': 200, 'cs-uri-stem': '/a' });
    const s = summarize(agg.cells()[0]!);
    expect(s).toMatchObject({ requests: 4, bytesOut: 400, status: { '2xx': 4 }, estimated: true });
    expect(s.top.paths[0]!.count).toBe(4);
  });

  it('counts a record for a closed window in every figure of that window, and as late', () => {
    const agg = createAggregator({ windowSeconds: 60, allowedLatenessSeconds: 30 });
    expect(agg.add({ timestamp: BASE + 10_000, 'sc-bytes': 1 })).toBe('added');
    // The first window [BASE, BASE+60s) closes once the watermark reaches BASE + 90s.
    expect(agg.add({ timestamp: BASE + 89_999 })).toBe('added');
    expect(agg.add({ timestamp: BASE + 20_000 })).toBe('added');
    expect(agg.add({ timestamp: BASE + 90_000 })).toBe('added');
    expect(agg.add({ timestamp: BASE + 30_000, 'sc-bytes': 5 })).toBe('late');
    const first = summarize(agg.cells()[0]!);
    expect(first).toMatchObject({ requests: 3, bytesOut: 6, late: 1 });
    expect(agg.stats()).toMatchObject({ records: 5, late: 1 });
  });

  it('drains closed windows, and a late record after the drain makes a fragment that merges into them', () => {
    const agg = createAggregator({ windowSeconds: 60, allowedLatenessSeconds: 0 });
    agg.add({ timestamp: BASE + 1 });
    agg.add({ timestamp: BASE + 60_000 });
    const closed = agg.drainClosed();
    expect(closed.map((c) => c.start)).toEqual([BASE]);
    expect(agg.cells().map((c) => c.start)).toEqual([BASE + 60_000]);
    expect(agg.add({ timestamp: BASE + 2 })).toBe('late');
    const fragment = agg.drainClosed()[0]!;
    expect(fragment.key).toBe(closed[0]!.key);
    expect(summarize(fragment)).toMatchObject({ requests: 1, late: 1 });
    expect(summarize(mergeCells(closed[0]!, fragment))).toMatchObject({ requests: 2, late: 1 });
    expect(agg.drain().map((c) => c.start)).toEqual([BASE + 60_000]);
    expect(agg.cells()).toEqual([]);
  });

  it('takes a stored watermark and never moves it back', () => {
    const agg = createAggregator({ allowedLatenessSeconds: 0 });
    agg.advanceWatermark(BASE + 120_000);
    agg.advanceWatermark(BASE);
    expect(agg.watermark()).toBe(BASE + 120_000);
    expect(agg.add({ timestamp: BASE + 5 })).toBe('late');
    expect(agg.add({ timestamp: BASE + 120_001 })).toBe('added');
  });

  it('counts records without a timestamp and malformed lines, in their window when it is known', () => {
    const agg = createAggregator({ dimensions: [[], ['country']] });
    expect(agg.add({ timestamp: null, 'sc-status': 200 })).toBe('untimed');
    agg.addMalformed(BASE + 5);
    agg.addMalformed(null);
    expect(agg.stats()).toEqual({
      records: 0,
      late: 0,
      untimed: 1,
      implausible: 0,
      overflow: 0,
      cellOverflow: 0,
      openWindows: 1,
      openCells: 1,
      malformed: 1,
      malformedUntimed: 1,
    });
    const cells = agg.cells();
    expect(cells.map((c) => c.dimensions)).toEqual([{}, { country: 'unknown' }]);
    // A window with no records: every ratio and quantile is null, never NaN.
    for (const c of cells) {
      expect(summarize(c)).toMatchObject({
        requests: 0,
        malformed: 1,
        late: 0,
        cacheHitRatio: null,
        errorRates: { '4xx': null, '5xx': null, '000': null },
        botShare: null,
        timeTaken: { count: 0, min: null, max: null, p50: null, p99: null },
        uniqueClients: 0,
        top: { paths: [], clients: [] },
        estimated: false,
      });
    }
  });

  it('cuts very long top-N keys', () => {
    const agg = createAggregator();
    agg.add({ timestamp: BASE, 'cs-user-agent': 'x'.repeat(5000) });
    const key = summarize(agg.cells()[0]!).top.userAgents[0]!.key;
    expect(key.length).toBe(128);
    expect(key.endsWith('…')).toBe(true);
  });

  it('rejects options that cannot work, naming each problem', () => {
    expect(() => createAggregator({ windowSeconds: 0 })).toThrow(AggregatorOptionsError);
    expect(() => createAggregator({ topK: 10 })).toThrow(/topK/);
    expect(() => createAggregator({ quantileAlpha: 0.05 })).toThrow(/quantileAlpha/);
    expect(() => createAggregator({ hllPrecision: 10 })).toThrow(/hllPrecision/);
    expect(() => createAggregator({ samplingRate: 0 })).toThrow(/samplingRate/);
    // @ts-expect-error an unknown dimension
    expect(() => createAggregator({ dimensions: [['colour']] })).toThrow(/unknown dimension "colour"/);
    const error = (() => {
      try {
        // @ts-expect-error a misspelt option
        createAggregator({ windowSeconds: -1, topK: 5, cardinalityLimit: { host: 0 }, windowSecond: 60 });
      } catch (e) {
        return e as AggregatorOptionsError;
      }
      throw new Error('expected an AggregatorOptionsError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toEqual([
      { path: ['windowSecond'], message: 'is not an option; did you mean windowSeconds?' },
      {
        path: ['windowSeconds'],
        message: 'must be a whole number of seconds from 1 to 86400 (one day); got -1',
      },
      { path: ['topK'], message: 'must be a whole number from 100 to 1000; got 5' },
      { path: ['cardinalityLimit', 'host'], message: 'must be a whole number from 1 to 10000; got 0' },
    ]);
    expect(error.problems).toEqual(error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  });

  it('counts generated real-format traffic as the generator records say, through parse and derive', () => {
    const fields = readFileSync(new URL('../../fixtures/real/fields.txt', import.meta.url), 'utf8')
      .trim()
      .split(/[\s,]+/);
    const generated = generateLines({ fields, count: 3000, seed: 11, malformedRate: 0.01 });
    const parser = createParser(fields);
    const enricher = createEnricher();
    const agg = createAggregator({ dimensions: [[], ['cacheClass']], allowedLatenessSeconds: 86_400 });
    for (const g of generated) {
      const r = parser.parseLine(g.line);
      if (r.ok) agg.add(enricher.derive(r.record));
      else agg.addMalformed(null);
    }
    const expected = generated.flatMap((g) => (g.expected === null ? [] : [g.expected]));
    const byWindow = new Map<number, Record<string, unknown>[]>();
    for (const e of expected) {
      const start = Math.floor((e.timestamp as number) / 60_000) * 60_000;
      byWindow.set(start, [...(byWindow.get(start) ?? []), e]);
    }
    const streamWide = agg.cells().filter((c) => Object.keys(c.dimensions).length === 0);
    expect(streamWide.map((c) => c.start)).toEqual([...byWindow.keys()].sort((a, b) => a - b));
    for (const cell of streamWide) {
      const mine = byWindow.get(cell.start)!;
      const s = summarize(cell);
      expect(s.requests).toBe(mine.length);
      expect(s.bytesOut).toBe(mine.reduce((n, e) => n + ((e['sc-bytes'] as number | null) ?? 0), 0));
      expect(s.status['5xx']).toBe(
        mine.filter((e) => statusClass(e['sc-status'] as number) === '5xx').length,
      );
      expect(s.uniqueClients).toBe(new Set(mine.map((e) => e['c-ip'])).size);
      expect(s.timeTaken.max).toBe(Math.max(...mine.map((e) => e['time-taken'] as number)));
      expect(s.botShare).not.toBeNull();
    }
    expect(agg.stats().malformedUntimed).toBe(generated.length - expected.length);
  });
});

describe('derived keys and the fields they come from count alike', () => {
  it('a status class given by the record or computed from sc-status (any number) lands in the same class', () => {
    const status = fc.oneof(
      fc.integer({ min: -5, max: 1_000 }),
      fc.constantFrom(0, 99, 100, 599, 600, 150.5, Number.NaN, null),
    );
    fc.assert(
      fc.property(fc.array(status, { minLength: 1, maxLength: 30 }), (statuses) => {
        const given = createAggregator();
        const computed = createAggregator();
        for (const s of statuses) {
          given.add({ timestamp: BASE, 'sc-status': s, statusClass: statusClass(s) });
          computed.add({ timestamp: BASE, 'sc-status': s });
        }
        expect(computed.cells().map((c) => summarize(c))).toEqual(given.cells().map((c) => summarize(c)));
      }),
    );
  });
});

describe('a cache class given by the record or computed from the result type lands in the same class', () => {
  it('for any result type, known or not, and either result field', () => {
    const result = fc.oneof(
      fc.constantFrom(
        'Hit',
        'RefreshHit',
        'OriginShieldHit',
        'Miss',
        'Error',
        'LimitExceeded',
        'Redirect',
        null,
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(result, result), { minLength: 1, maxLength: 30 }), (pairs) => {
        const given = createAggregator();
        const computed = createAggregator();
        for (const [a, b] of pairs) {
          const fields = { timestamp: BASE, 'x-edge-result-type': a, 'x-edge-response-result-type': b };
          given.add({ ...fields, cacheClass: cacheClass(a ?? b) });
          computed.add(fields);
        }
        expect(computed.cells().map((c) => summarize(c))).toEqual(given.cells().map((c) => summarize(c)));
      }),
    );
  });
});
