/**
 * Per-entry figures of the top-N lists (requests, errors, cache hit ratio, bytes, latency
 * quantiles per path, client, country and edge location) against an exact oracle: in any order,
 * cut into any cells, merged in any grouping, serialized or not. Exact when the list is (at most
 * topK distinct keys); past that, the figures describe `count - error` of the key's requests, a
 * subset of them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ENTRY_LATENCY_ALPHA,
  ENTRY_LATENCY_MIN,
  emptyFigures,
  figuresQuantile,
  latencyBucket,
  mergeFigures,
  observe,
} from '../../src/aggregate/entry-figures.js';
import {
  type AggregatableRecord,
  createAggregator,
  deserializeCell,
  nearestRank,
  rollUp,
  serializeCell,
  summarize,
  type TopEntry,
  type WindowCell,
} from '../../src/aggregate/index.js';
import { MAX_FIGURES_JSON_CHARS } from '../../src/aggregate/serialize.js';
import { blankFieldKeys, deriveFieldKeys } from '../../src/model/derive.js';
import { arbRecord, BASE, split } from './factories.js';

interface Exact {
  n: number;
  errors: number;
  hits: number;
  misses: number;
  bytes: number;
  latencies: number[];
}

const KEYS = {
  paths: (r: AggregatableRecord) => r['cs-uri-stem']?.split('?')[0] ?? null,
  countries: (r: AggregatableRecord) => r['c-country'] ?? null,
  edgeLocations: (r: AggregatableRecord) => r['x-edge-location'] ?? null,
} as const;

function oracle(records: readonly AggregatableRecord[], keyOf: (r: AggregatableRecord) => string | null) {
  const out = new Map<string, Exact>();
  for (const r of records) {
    const key = keyOf(r);
    if (key === null || key === '') continue;
    const d = deriveFieldKeys(r, blankFieldKeys());
    const e = out.get(key) ?? { n: 0, errors: 0, hits: 0, misses: 0, bytes: 0, latencies: [] };
    e.n++;
    if (d.isError) e.errors++;
    if (d.cacheClass === 'hit') e.hits++;
    if (d.cacheClass === 'miss') e.misses++;
    e.bytes += r['sc-bytes'] ?? 0;
    const t = r['time-taken'];
    if (typeof t === 'number') e.latencies.push(t);
    out.set(key, e);
  }
  return out;
}

/** Within the per-entry accuracy of the exact nearest rank (latencies at or below 1 ms read as 1 ms). */
function expectQuantile(got: number | null | undefined, sorted: number[], q: number, what: string): void {
  const want = nearestRank(sorted, q);
  if (want === null) {
    expect(got, what).toBeNull();
    return;
  }
  const w = Math.max(want, ENTRY_LATENCY_MIN);
  expect(Math.abs((got ?? Number.NaN) - w) / w, what).toBeLessThanOrEqual(ENTRY_LATENCY_ALPHA + 1e-9);
}

function expectExact(entries: readonly TopEntry[], exact: Map<string, Exact>, list: string): void {
  expect(entries.length).toBe(exact.size);
  for (const e of entries) {
    const o = exact.get(e.key)!;
    const f = e.figures!;
    const what = `${list} ${e.key}`;
    expect(e.error, what).toBe(0);
    expect(f.requests, what).toBe(o.n);
    expect(f.errors, what).toBe(o.errors);
    expect(f.errorRate, what).toBeCloseTo(o.errors / o.n, 12);
    expect(f.cacheHitRatio, what).toBe(o.hits + o.misses > 0 ? o.hits / (o.hits + o.misses) : null);
    expect(f.bytesOut, what).toBe(o.bytes);
    const sorted = [...o.latencies].sort((a, b) => a - b);
    expectQuantile(f.p50, sorted, 0.5, `${what} p50`);
    expectQuantile(f.p99, sorted, 0.99, `${what} p99`);
  }
}

/** Aggregates each part on its own (serializing some), then rolls every stream-wide cell into one. */
function totalsOf(parts: readonly AggregatableRecord[][], serialized: readonly boolean[]): WindowCell {
  const cells: WindowCell[] = [];
  parts.forEach((part, i) => {
    const agg = createAggregator({ dimensions: [[], ['country']] });
    for (const r of part) agg.add(r);
    for (const c of agg.drain()) {
      if (Object.keys(c.dimensions).length > 0) continue;
      cells.push(serialized[i] === true ? deserializeCell(serializeCell(c)) : c);
    }
  });
  return rollUp(cells)[0]!;
}

describe('per-entry figures of the top-N lists', () => {
  it('equal the exact figures of each key, in any order, any cut, any merge, through storage', () => {
    fc.assert(
      fc.property(
        fc.array(arbRecord(), { minLength: 1, maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 300 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
        (records, assignment, parts, serialized) => {
          const totals = summarize(totalsOf(split(records, assignment, parts), serialized), { top: 100 });
          for (const [list, keyOf] of Object.entries(KEYS)) {
            expectExact(totals.top[list as keyof typeof KEYS], oracle(records, keyOf), list);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('describe count - error of the key’s requests when the list is past topK: a subset, never a guess', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 399 }), { minLength: 200, maxLength: 1500 }),
        fc.array(fc.nat(), { maxLength: 1500 }),
        fc.integer({ min: 1, max: 3 }),
        (picks, assignment, parts) => {
          // Skewed: low numbers are frequent, so lists fold and keys come and go.
          const records: AggregatableRecord[] = picks.map((p, i) => ({
            timestamp: BASE + i,
            'cs-uri-stem': `/p/${p % (1 + (i % 7) * 60)}`,
            'sc-status': i % 5 === 0 ? 503 : 200,
            'x-edge-result-type': i % 3 === 0 ? 'Miss' : 'Hit',
            'sc-bytes': p,
            'time-taken': (p % 50) / 100,
          }));
          const totals = summarize(totalsOf(split(records, assignment, parts), []), { top: 100 });
          const exact = oracle(records, KEYS.paths);
          for (const e of totals.top.paths) {
            const o = exact.get(e.key)!;
            const f = e.figures!;
            expect(f.requests).toBe(e.count - e.error!);
            expect(f.requests).toBeLessThanOrEqual(o.n);
            // Every figure counts some of the key's requests: within what the missing ones could add.
            const missing = o.n - f.requests;
            expect(f.errors).toBeLessThanOrEqual(o.errors);
            expect(f.errors).toBeGreaterThanOrEqual(o.errors - missing);
            expect(f.bytesOut).toBeLessThanOrEqual(o.bytes);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('are kept only by the stream-wide cell; dimension cells count as before', () => {
    const agg = createAggregator({ dimensions: [[], ['country']] });
    agg.add({ timestamp: BASE, 'cs-uri-stem': '/a', 'c-country': 'US', 'sc-status': 200, 'time-taken': 0.2 });
    const [byCountry] = agg.cells().filter((c) => Object.keys(c.dimensions).length > 0);
    const [streamWide] = agg.cells().filter((c) => Object.keys(c.dimensions).length === 0);
    expect(summarize(byCountry!).top.paths[0]!.figures).toBeUndefined();
    const f = summarize(streamWide!).top.paths[0]!.figures!;
    expect(f).toMatchObject({ requests: 1, errors: 0, errorRate: 0 });
    expect(Math.abs(f.p50! - 0.2) / 0.2).toBeLessThanOrEqual(ENTRY_LATENCY_ALPHA);
  });

  it('merge order does not change a histogram, collapsed or not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0, max: 5_000, noNaN: true }), fc.integer({ min: 0, max: 3 })), {
          maxLength: 200,
        }),
        fc.array(fc.nat(), { maxLength: 200 }),
        (values, assignment) => {
          const parts = split(values, assignment, 3).map((part) => {
            const f = emptyFigures();
            for (const [t, c] of part)
              observe(f, { isError: false, cacheIndex: -1, bytesOut: 0, bucket: latencyBucket(t) }, c + 1);
            return f;
          });
          const ab = emptyFigures();
          for (const p of parts) mergeFigures(ab, p);
          const ba = emptyFigures();
          for (const p of [...parts].reverse()) mergeFigures(ba, p);
          const all = emptyFigures();
          for (const [t, c] of values)
            observe(all, { isError: false, cacheIndex: -1, bytesOut: 0, bucket: latencyBucket(t) }, c + 1);
          expect(ba).toEqual(ab);
          expect(ab.lo).toBe(all.lo);
          expect(ab.counts).toEqual(all.counts);
          expect(ab.counts.length).toBeLessThanOrEqual(32);
          expect(figuresQuantile(ab, 0.99)).toBe(figuresQuantile(all, 0.99));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('stored cells and per-entry figures', () => {
  function cellOf(records: readonly AggregatableRecord[]): WindowCell {
    const agg = createAggregator();
    for (const r of records) agg.add(r);
    return agg.cells()[0]!;
  }
  const records: AggregatableRecord[] = Array.from({ length: 50 }, (_, i) => ({
    timestamp: BASE + 1_000 + i * 100,
    'cs-uri-stem': `/p/${i % 4}`,
    'sc-status': i % 10 === 0 ? 500 : 200,
    'x-edge-result-type': i % 2 === 0 ? 'Hit' : 'Miss',
    'sc-bytes': 1_000,
    'time-taken': i / 100,
    ua: { device: 'mobile', isBot: i % 5 === 0, browser: 'Chrome', os: 'Android', botName: 'Googlebot' },
  }));

  it('round-trip: figures, user-agent lists and first and last timestamps', () => {
    const cell = cellOf(records);
    const text = serializeCell(cell);
    expect(serializeCell(deserializeCell(text))).toBe(text);
    expect(summarize(deserializeCell(text))).toEqual(summarize(cell));
    const s = summarize(cell);
    expect(s.firstSeen).toBe(BASE + 1_000);
    expect(s.lastSeen).toBe(BASE + 1_000 + 49 * 100);
    expect(s.top.browsers).toEqual([{ key: 'Chrome', count: 50, error: 0 }]);
    expect(s.top.devices).toEqual([{ key: 'mobile', count: 50, error: 0 }]);
    expect(s.top.bots).toEqual([{ key: 'Googlebot', count: 10, error: 0 }]);
  });

  it('keeps the user-agent lists, like the figures, in the stream-wide cell only', () => {
    const agg = createAggregator({ dimensions: [[], ['statusClass']] });
    for (const r of records) agg.add(r);
    const [wide, ...byStatus] = agg
      .cells()
      .sort((a, b) => Object.keys(a.dimensions).length - Object.keys(b.dimensions).length);
    expect(summarize(wide!).top.browsers).toEqual([{ key: 'Chrome', count: 50, error: 0 }]);
    expect(byStatus).toHaveLength(2);
    for (const cell of byStatus) {
      const s = summarize(cell);
      expect([s.top.browsers, s.top.operatingSystems, s.top.devices, s.top.bots]).toEqual([[], [], [], []]);
      expect(s.top.paths.every((e) => e.figures === undefined)).toBe(true);
    }
  });

  it('reads a cell stored before them, and a merge with one says how much its figures cover', () => {
    const old = JSON.parse(serializeCell(cellOf(records)));
    delete old.f;
    delete old.ts;
    delete old.ua;
    const stored = deserializeCell(JSON.stringify(old));
    const s = summarize(stored);
    expect(s.top.paths[0]!.figures).toBeUndefined();
    expect(s.firstSeen).toBeNull();
    expect(s.top.browsers).toEqual([]);
    const merged = summarize(rollUp([stored, cellOf(records.slice(0, 10))])[0]!);
    for (const e of merged.top.paths) {
      expect(e.figures!.requests).toBeLessThan(e.count);
    }
    expect(merged.requests).toBe(60);
  });

  it('keeps figures within MAX_FIGURES_JSON_CHARS, largest entries first', () => {
    // Sampled (weights of 100/30 write long numbers), 200 keys a list, 30 latency buckets each.
    const agg = createAggregator({ topK: 200, samplingRate: 30 });
    const long = (i: number) => `/p/${i}/`.padEnd(120, 'x');
    for (let rep = 0; rep < 30; rep++)
      for (let i = 0; i < 200; i++)
        agg.add({
          timestamp: BASE,
          'cs-uri-stem': long(i),
          'c-ip': `10.0.${i >> 8}.${i & 255}`,
          'c-country': long(i + 1000),
          'x-edge-location': long(i + 2000),
          'sc-bytes': 123_456_789 + rep,
          'time-taken': 0.001 * 1.4 ** rep,
        });
    const json = JSON.parse(serializeCell(agg.cells()[0]!));
    expect(JSON.stringify(json.f).length).toBeLessThanOrEqual(MAX_FIGURES_JSON_CHARS + 5 * 210);
    // Ranked across lists: each list's first entries keep figures, the last ones do not.
    for (const list of json.f) if (list !== 0) expect(list[0]).not.toBe(0);
    expect(json.f[0].at(-1)).toBe(0);
  });
});
