/**
 * What security findings read from the aggregates: the ASN list (with per-entry figures), distinct
 * query strings per cell (keyed), and the spoofed-crawler list; each exact against an oracle over
 * the records while the sketches are in their exact range, mergeable, serializable, compactable,
 * and absent (written byte for byte as before) where nothing was counted.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { compactCell, dropEntryFigures } from '../../src/aggregate/cell.js';
import {
  type AggregatableRecord,
  type AggregatorOptions,
  AggregatorOptionsError,
  CellFormatError,
  createAggregator,
  deserializeCell,
  mergeCells,
  rollUp,
  serializeCell,
  summarize,
  type WindowCell,
} from '../../src/aggregate/index.js';
import { MAX_STORABLE_TOP_K } from '../../src/aggregate/options.js';
import { createParser } from '../../src/parser/index.js';
import { arbRecord, BASE, split } from './factories.js';

const KEY = 'a-test-key-of-at-least-16-bytes';
const OTHER_KEY = 'another-key-of-at-least-16-bytes';

/** ASNs, query strings and user agents (with crawler verdicts) over small pools. */
const ASNS = [16509, 15169, 8075, 0, 4_294_967_295, null] as const;
const QUERIES = ['a=1', 'a=2', 'b=%20x', 'ä=ü', '-', '', null] as const;
type Ua = NonNullable<AggregatableRecord['ua']>;
const UAS: readonly (Ua | null)[] = [
  { device: 'desktop', isBot: false, browser: 'Chrome', os: 'Windows', botName: null, crawler: null },
  { device: 'bot', isBot: true, browser: null, os: null, botName: 'Googlebot', crawler: 'verified' },
  { device: 'bot', isBot: true, browser: null, os: null, botName: 'Googlebot', crawler: 'spoofed' },
  { device: 'bot', isBot: true, browser: null, os: null, botName: 'Googlebot-Image', crawler: 'spoofed' },
  { device: 'bot', isBot: true, browser: null, os: null, botName: 'bingbot', crawler: 'spoofed' },
  { device: 'bot', isBot: true, browser: null, os: null, botName: 'curl', crawler: null },
  null,
];

const arbFindingRecord = (spanMs = 5 * 60_000): fc.Arbitrary<AggregatableRecord> =>
  fc
    .tuple(
      arbRecord(spanMs),
      fc.constantFrom(...ASNS),
      fc.constantFrom(...QUERIES),
      fc.constantFrom(...UAS),
      fc.constantFrom('/api/*', '*', null),
    )
    .map(([r, asn, query, ua, behavior]) => ({
      ...r,
      asn,
      'cs-uri-query': query,
      ...(ua === null ? {} : { ua }),
      'cache-behavior-path-pattern': behavior,
    }));

const LOOSE: AggregatorOptions = {
  dimensions: [[], ['behavior'], ['country', 'statusClass']],
  allowedLatenessSeconds: 86_400,
  cardinalityLimit: 1000,
  distinctQueries: true,
  clientKey: KEY,
};

function cellsOf(records: readonly AggregatableRecord[], options: AggregatorOptions = LOOSE): WindowCell[] {
  const agg = createAggregator(options);
  for (const r of records) agg.add(r);
  return agg.cells();
}

function mergeByKey(groups: readonly WindowCell[][]): WindowCell[] {
  const out = new Map<string, WindowCell>();
  for (const cells of groups) {
    for (const c of cells) {
      const prev = out.get(c.key);
      out.set(c.key, prev === undefined ? c : mergeCells(prev, c));
    }
  }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

const summaries = (cells: readonly WindowCell[]) =>
  [...cells].sort((a, b) => (a.key < b.key ? -1 : 1)).map((c) => summarize(c, { top: 100 }));

const hasQuery = (q: string | null | undefined): q is string =>
  typeof q === 'string' && q !== '' && q !== '-';
const isAsn = (a: unknown): a is number =>
  typeof a === 'number' && Number.isInteger(a) && a >= 0 && a <= 4_294_967_295;
const isErrorStatus = (s: number | null | undefined) => s === 0 || (typeof s === 'number' && s >= 400);

/** The client key the aggregator shows for a record without an enricher: IPv4 /24. */
const clientOf = (r: AggregatableRecord) => (r['c-ip'] as string).replace(/\.\d+$/, '.0');

describe('the ASN list', () => {
  it('counts each ASN as decimal text with exact requests and errors, in the stream-wide cell only', () => {
    fc.assert(
      fc.property(fc.array(arbFindingRecord(60_000), { maxLength: 200, size: 'max' }), (records) => {
        const cells = cellsOf(records);
        const oracle = new Map<string, { n: number; errors: number }>();
        for (const r of records) {
          if (!isAsn(r.asn)) continue;
          const e = oracle.get(String(r.asn)) ?? { n: 0, errors: 0 };
          e.n++;
          if (isErrorStatus(r['sc-status'])) e.errors++;
          oracle.set(String(r.asn), e);
        }
        for (const c of cells) {
          const s = summarize(c, { top: 100 });
          if (Object.keys(c.dimensions).length > 0) {
            expect(s.top.asns).toBeUndefined();
            continue;
          }
          const got = new Map(
            (s.top.asns ?? []).map((e) => [e.key, { n: e.count, errors: e.figures!.errors, error: e.error }]),
          );
          expect(got.size).toBe(oracle.size);
          for (const [asn, e] of oracle) {
            expect(got.get(asn)).toEqual({ n: e.n, errors: e.errors, error: 0 });
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  it('lists no value that is not an AS number, and still counts the record everywhere else', () => {
    const hostile = [-1, 1.5, 2 ** 32, Number.NaN, Number.POSITIVE_INFINITY, '16509', {}, null, undefined];
    const agg = createAggregator({ clientKey: KEY });
    for (const asn of hostile) {
      agg.add({ timestamp: BASE, 'sc-status': 200, asn } as unknown as AggregatableRecord);
    }
    agg.add({ timestamp: BASE, 'sc-status': 503, asn: 64_512 });
    const s = summarize(agg.cells()[0]!);
    expect(s.requests).toBe(hostile.length + 1);
    expect(s.top.asns).toEqual([
      {
        key: '64512',
        count: 1,
        error: 0,
        figures: expect.objectContaining({ requests: 1, errors: 1, errorRate: 1 }),
      },
    ]);
  });

  it('is absent when no record carries an ASN (a field list without `asn`)', () => {
    const s = summarize(cellsOf([{ timestamp: BASE, 'sc-status': 200, 'c-ip': '198.51.100.1' }])[0]!);
    expect('asns' in s.top).toBe(false);
    expect('spoofedCrawlers' in s.top).toBe(false);
  });
});

describe('distinct query strings', () => {
  it('count exactly the distinct non-empty query strings of each cell, behavior cells included', () => {
    fc.assert(
      fc.property(fc.array(arbFindingRecord(), { maxLength: 200, size: 'max' }), (records) => {
        const cells = cellsOf(records, { ...LOOSE, dimensions: [[], ['behavior']] });
        for (const c of cells) {
          const behavior = c.dimensions.behavior;
          const mine = records.filter(
            (r) =>
              Math.floor((r.timestamp as number) / 60_000) * 60_000 === c.start &&
              (behavior === undefined || (r['cache-behavior-path-pattern'] ?? 'unknown') === behavior),
          );
          const distinct = new Set(mine.map((r) => r['cs-uri-query']).filter(hasQuery));
          expect(summarize(c).uniqueQueries).toBe(distinct.size);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('are absent without the option, and 0 (not absent) with it when no record had a query', () => {
    const records: AggregatableRecord[] = [
      { timestamp: BASE, 'cs-uri-query': 'a=1' },
      { timestamp: BASE, 'cs-uri-query': '-' },
    ];
    const off = summarize(cellsOf(records, { clientKey: KEY })[0]!);
    expect('uniqueQueries' in off).toBe(false);
    expect(summarize(cellsOf(records, { clientKey: KEY, distinctQueries: true })[0]!).uniqueQueries).toBe(1);
    const none = summarize(cellsOf([records[1]!], { clientKey: KEY, distinctQueries: true })[0]!);
    expect(none.uniqueQueries).toBe(0);
    const stored = deserializeCell(serializeCell(cellsOf([records[1]!], { ...LOOSE, dimensions: [[]] })[0]!));
    expect(summarize(stored).uniqueQueries).toBe(0);
  });

  it('are hashed under the client key: stored state holds no query text and differs between keys', () => {
    const records: AggregatableRecord[] = [
      { timestamp: BASE, 'cs-uri-query': 'email=someone%40example.com' },
      { timestamp: BASE, 'cs-uri-query': 'token=s3cr3t-value' },
    ];
    const a = serializeCell(cellsOf(records, { clientKey: KEY, distinctQueries: true })[0]!);
    const b = serializeCell(cellsOf(records, { clientKey: OTHER_KEY, distinctQueries: true })[0]!);
    for (const text of [a, b]) {
      expect(text).not.toContain('someone');
      expect(text).not.toContain('s3cr3t');
    }
    expect(JSON.parse(a).hq.x).not.toBe(JSON.parse(b).hq.x);
    expect(JSON.parse(a).hq.k).not.toBe(JSON.parse(b).hq.k);
  });

  it('never unite sketches of different keys: a merge keeps the largest, a lower bound', () => {
    const q = (n: number): AggregatableRecord => ({ timestamp: BASE, 'cs-uri-query': `q=${n}` });
    const a = cellsOf([q(1), q(2), q(3)], { clientKey: KEY, distinctQueries: true })[0]!;
    const b = cellsOf([q(1), q(2)], { clientKey: OTHER_KEY, distinctQueries: true })[0]!;
    expect(summarize(mergeCells(a, b)).uniqueQueries).toBe(3);
    expect(summarize(mergeCells(b, a)).uniqueQueries).toBe(3);
    const again = cellsOf([q(3), q(4)], { clientKey: KEY, distinctQueries: true })[0]!;
    expect(summarize(mergeCells(mergeCells(a, b), again)).uniqueQueries).toBe(4);
  });

  it('past the exact phase, stay within 2% of the truth through merges of any split', () => {
    const records: AggregatableRecord[] = Array.from({ length: 20_000 }, (_, i) => ({
      timestamp: BASE + (i % 60_000),
      'cs-uri-query': `cb=${i % 12_000}`,
    }));
    const parts = split(
      records,
      records.map((_, i) => (i * 7919) % 3),
      3,
    );
    const merged = mergeByKey(parts.map((p) => cellsOf(p, { clientKey: KEY, distinctQueries: true })));
    const estimate = summarize(merged[0]!).uniqueQueries!;
    expect(Math.abs(estimate - 12_000) / 12_000).toBeLessThan(0.02);
    expect(summarize(deserializeCell(serializeCell(merged[0]!))).uniqueQueries).toBe(estimate);
  });
});

describe('the spoofed-crawler list', () => {
  it('counts `<crawler> <client>` of spoofed records only, in the stream-wide cell only', () => {
    fc.assert(
      fc.property(fc.array(arbFindingRecord(60_000), { maxLength: 200, size: 'max' }), (records) => {
        const cells = cellsOf(records);
        const oracle = new Map<string, number>();
        for (const r of records) {
          if (r.ua?.crawler !== 'spoofed') continue;
          const key = `${r.ua.botName} ${clientOf(r)}`;
          oracle.set(key, (oracle.get(key) ?? 0) + 1);
        }
        for (const c of cells) {
          const s = summarize(c, { top: 100 });
          if (Object.keys(c.dimensions).length > 0) {
            expect(s.top.spoofedCrawlers).toBeUndefined();
            continue;
          }
          const got = new Map((s.top.spoofedCrawlers ?? []).map((e) => [e.key, e.count]));
          expect(got).toEqual(oracle);
          for (const key of got.keys()) expect(key.split(' ')).toHaveLength(2);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('keys the client as the enricher protected it (a hash stays a hash)', () => {
    const ua: Ua = { device: 'bot', isBot: true, botName: 'bingbot', crawler: 'spoofed' };
    const s = summarize(
      cellsOf([{ timestamp: BASE, 'c-ip': '203.0.113.9', client: 'c0ffee00c0ffee00', ua }])[0]!,
    );
    expect(s.top.spoofedCrawlers).toEqual([{ key: 'bingbot c0ffee00c0ffee00', count: 1, error: 0 }]);
  });
});

describe('the new parts through merge, serialization, roll-up, compaction and dropEntryFigures', () => {
  it('aggregating the parts of any split and merging equals aggregating the whole', () => {
    fc.assert(
      fc.property(
        fc.array(arbFindingRecord(), { maxLength: 300, size: 'max' }),
        fc.array(fc.nat(), { maxLength: 300, size: 'max' }),
        fc.integer({ min: 1, max: 4 }),
        (records, assignment, parts) => {
          const merged = mergeByKey(split(records, assignment, parts).map((p) => cellsOf(p)));
          expect(summaries(merged)).toEqual(summaries(cellsOf(records)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('merges associatively and commutatively, shuffled or one record each', () => {
    fc.assert(
      fc.property(
        fc.array(arbFindingRecord(60_000), { minLength: 1, maxLength: 60, size: 'max' }),
        fc.array(arbFindingRecord(60_000), { minLength: 1, maxLength: 1 }),
        fc.array(arbFindingRecord(60_000), { minLength: 1, maxLength: 60, size: 'max' }),
        (a, b, c) => {
          const opts: AggregatorOptions = { ...LOOSE, dimensions: [[]] };
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
          expect(summaries([mergeCells(ab, cc)])).toEqual(summaries(cellsOf([...c, ...b, ...a], opts)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('round-trips through serialization (same summary, same bytes again) and merges after it as before', () => {
    fc.assert(
      fc.property(
        fc.array(arbFindingRecord(), { maxLength: 200, size: 'max' }),
        fc.array(arbFindingRecord(), { maxLength: 50 }),
        (records, more) => {
          const cells = cellsOf(records);
          const again = cells.map((c) => deserializeCell(serializeCell(c)));
          expect(summaries(again)).toEqual(summaries(cells));
          expect(again.map((c) => serializeCell(c))).toEqual(cells.map((c) => serializeCell(c)));
          const fresh = new Map(cellsOf(more).map((c) => [c.key, c]));
          for (let i = 0; i < cells.length; i++) {
            const other = fresh.get(cells[i]!.key);
            if (other === undefined) continue;
            expect(summarize(mergeCells(again[i]!, other), { top: 100 })).toEqual(
              summarize(mergeCells(cells[i]!, other), { top: 100 }),
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rolls up minute cells to what aggregating into the coarser window gives', () => {
    fc.assert(
      fc.property(fc.array(arbFindingRecord(10 * 60_000), { maxLength: 200, size: 'max' }), (records) => {
        const minutes = cellsOf(records);
        const tenMinutes = cellsOf(records, { ...LOOSE, windowSeconds: 600 });
        expect(summaries(rollUp([...minutes].reverse(), { windowSeconds: 600 }))).toEqual(
          summaries(tenMinutes),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('compaction changes nothing a summary or the stored form shows', () => {
    fc.assert(
      fc.property(fc.array(arbFindingRecord(60_000), { maxLength: 300, size: 'max' }), (records) => {
        const cells = cellsOf(records, { ...LOOSE, topK: 100 });
        const before = cells.map((c) => serializeCell(c));
        expect(cells.map((c) => serializeCell(compactCell(c)))).toEqual(before);
      }),
      { numRuns: 40 },
    );
  });

  it('dropEntryFigures drops the ASN and spoofed-crawler lists like the user-agent lists, keeps distinct queries', () => {
    const ua: Ua = { device: 'bot', isBot: true, botName: 'Googlebot', crawler: 'spoofed' };
    const [cell] = cellsOf(
      [
        { timestamp: BASE, 'c-ip': '203.0.113.9', asn: 64_500, 'cs-uri-query': 'a=1', ua },
        { timestamp: BASE, 'c-ip': '203.0.113.9', asn: 64_500, 'cs-uri-query': 'a=2', ua },
      ],
      { ...LOOSE, dimensions: [[]] },
    );
    const before = summarize(cell!);
    expect(before.top.asns).toHaveLength(1);
    expect(before.top.bots).toHaveLength(1);
    const after = summarize(dropEntryFigures(cell!));
    expect(after.top.asns).toBeUndefined();
    expect(after.top.spoofedCrawlers).toBeUndefined();
    expect(after.top.bots).toEqual([]);
    expect(after.uniqueQueries).toBe(2);
    expect(after.requests).toBe(2);
    const stored = JSON.parse(serializeCell(cell!));
    expect(stored.sx).toBeUndefined();
    expect(stored.fx).toBeUndefined();
  });

  it('rejects damaged new parts as a CellFormatError', () => {
    const ua: Ua = { device: 'bot', isBot: true, botName: 'Googlebot', crawler: 'spoofed' };
    const text = serializeCell(
      cellsOf([{ timestamp: BASE, 'c-ip': '203.0.113.9', asn: 1, 'cs-uri-query': 'a', ua }], {
        ...LOOSE,
        dimensions: [[]],
      })[0]!,
    );
    const j = JSON.parse(text);
    const damaged = [
      { ...j, hq: { ...j.hq, p: 30 } },
      { ...j, hq: { ...j.hq, k: '' } },
      { ...j, hq: { p: 14, k: 'x' } },
      { ...j, hq: 'x' },
      { ...j, sx: [0] },
      { ...j, sx: [[['1', -1]], 0] },
      { ...j, fx: [0, 0] },
      { ...j, sx: undefined },
    ];
    for (const d of damaged) expect(() => deserializeCell(JSON.stringify(d))).toThrow(CellFormatError);
  });
});

describe('the size of a stored cell', () => {
  it('stays at its measured worst case: the new parts take their room from the per-entry figures', () => {
    // The worst case of serialize.test.ts (every list full of long keys, figures spread over the
    // whole latency range, sampled; bot names and IPv6 clients), then the same with every new part
    // at its largest: distinct queries promoted to registers, an ASN list and a spoofed-crawler
    // list full (crawler names up to the 64 characters the options allow). Measured: 382 KB both.
    const topK = MAX_STORABLE_TOP_K;
    const build = (findings: boolean) => {
      const agg = createAggregator({ topK, samplingRate: 30, distinctQueries: findings, clientKey: KEY });
      const long = (tag: string, i: number) => `/${tag}/${i}/`.padEnd(200, 'x');
      let t = 0;
      for (let rep = 0; rep < 40; rep++) {
        for (let i = 0; i < topK; i++) {
          t++;
          const ua: Ua = {
            device: 'bot',
            isBot: true,
            botName: `${'b'.repeat(60)}${i}`,
            crawler: findings ? 'spoofed' : null,
          };
          agg.add({
            timestamp: BASE + (t % 60_000),
            'c-ip': `10.1.${i >> 8}.${i & 255}`,
            'cs-uri-stem': long('p', i),
            'sc-status': rep % 2 ? 500 : 200,
            'x-edge-result-type': rep % 3 ? 'Miss' : 'Hit',
            'cs-referer': long('r', i),
            'cs-user-agent': long('u', i),
            'c-country': long('c', i),
            'x-edge-location': long('e', i),
            'sc-bytes': 123_456_789 + t,
            'time-taken': 0.001 * 1.4 ** (rep % 34),
            'time-to-first-byte': t / 1000,
            'origin-fbl': t / 7,
            'origin-lbl': 1 / (t + 1),
            client: `2001:db8:${i.toString(16)}::`,
            ua,
            ...(findings ? { asn: 4_000_000_000 + i, 'cs-uri-query': `q=${t}` } : {}),
          });
        }
      }
      return serializeCell(agg.cells()[0]!);
    };
    const without = build(false);
    const text = build(true);
    const j = JSON.parse(text);
    expect(j.sx[0]).toHaveLength(topK);
    expect(j.sx[1]).toHaveLength(topK);
    expect(typeof j.hq.r).toBe('string');
    expect(Buffer.byteLength(text)).toBeLessThan(Buffer.byteLength(without) + 1_000);
    expect(Buffer.byteLength(text)).toBeLessThan(390_000);
    expect(serializeCell(deserializeCell(text))).toBe(text);
  });
});

describe('cells without the new parts', () => {
  // Written by the code before these parts existed (commit a59924a): 120 generated lines of the
  // 40-field layout (no `asn`), parsed only (no enricher: no crawler verdicts), dimension sets
  // none; behavior; cacheClass, under this client key.
  const stored = readFileSync(new URL('./fixtures/cells-before-findings.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n');

  it('are read and written again byte for byte', () => {
    expect(stored.map((t) => serializeCell(deserializeCell(t)))).toEqual(stored);
  });

  it('are written exactly as before by an aggregator without the option, from the same records', () => {
    const fields = readFileSync(new URL('../../fixtures/real/fields.txt', import.meta.url), 'utf8')
      .trim()
      .split(/[\s,]+/);
    const parser = createParser(fields);
    const agg = createAggregator({
      dimensions: [[], ['behavior'], ['cacheClass']],
      allowedLatenessSeconds: 86_400,
      clientKey: KEY,
    });
    for (const g of generateLines({
      fields,
      count: 120,
      seed: 20,
      requestsPerSecond: 1.5,
      spoofedCrawlers: true,
    })) {
      const r = parser.parseLine(g.line);
      if (r.ok) agg.add(r.record);
    }
    expect(agg.cells().map((c) => serializeCell(c))).toEqual(stored);
  });

  it('merge with cells that have them: the figures cover what was counted', () => {
    const old = deserializeCell(stored[0]!);
    const ua: Ua = { device: 'bot', isBot: true, botName: 'Googlebot', crawler: 'spoofed' };
    const fresh = cellsOf(
      [{ timestamp: old.start, 'c-ip': '203.0.113.9', asn: 7, 'cs-uri-query': 'a=1', ua }],
      { ...LOOSE, dimensions: [[]] },
    )[0]!;
    const s = summarize(mergeCells(old, fresh));
    expect(s.requests).toBe(summarize(old).requests + 1);
    expect(s.uniqueQueries).toBe(1);
    expect(s.top.asns?.map((e) => e.key)).toEqual(['7']);
    expect(s.top.spoofedCrawlers?.map((e) => e.key)).toEqual(['Googlebot 203.0.113.0']);
  });
});

describe('the distinctQueries option', () => {
  it('is a boolean, false by default', () => {
    expect(createAggregator().options.distinctQueries).toBe(false);
    expect(createAggregator({ distinctQueries: true }).options.distinctQueries).toBe(true);
    let error: unknown;
    try {
      createAggregator({ distinctQueries: 'yes' as unknown as boolean });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AggregatorOptionsError);
    expect((error as AggregatorOptionsError).issues).toEqual([
      { path: ['distinctQueries'], message: 'must be true or false; got "yes"' },
    ]);
  });
});
