import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import {
  type AggregatableRecord,
  CELL_FORMAT_VERSION,
  CellFormatError,
  CellMergeError,
  createAggregator,
  deserializeCell,
  MAX_STORABLE_TOP_K,
  mergeCells,
  serializeCell,
  summarize,
  type WindowCell,
  type WindowSummary,
} from '../../src/aggregate/index.js';
import { DEFAULT_TOP_K } from '../../src/aggregate/options.js';
import { serializeCellWhole } from '../../src/aggregate/serialize.js';
import { createParser } from '../../src/parser/index.js';
import { arbRecord, BASE } from './factories.js';

const FIELDS_40 = readFileSync(new URL('../../fixtures/real/fields.txt', import.meta.url), 'utf8')
  .trim()
  .split(/[\s,]+/);

function cellOf(records: readonly AggregatableRecord[], samplingRate = 100): WindowCell {
  const agg = createAggregator({ allowedLatenessSeconds: 86_400, samplingRate });
  for (const r of records) agg.add(r);
  agg.addMalformed(BASE);
  return agg.cells()[0]!;
}

const roundTrip = (c: WindowCell) => deserializeCell(serializeCell(c));

/** Many distinct clients, so the HyperLogLog is past its exact phase. */
function busyCell(n: number, offset = 0): WindowCell {
  const records: AggregatableRecord[] = [];
  for (let i = 0; i < n; i++) {
    records.push({
      timestamp: BASE + (i % 60_000),
      'c-ip': `10.${(i + offset) >> 16}.${((i + offset) >> 8) & 255}.${(i + offset) & 255}`,
      'cs-uri-stem': `/p/${i % 500}`,
      'sc-status': i % 10 === 0 ? 503 : 200,
      'time-taken': (i % 3000) / 1000,
    });
  }
  return cellOf(records);
}

describe('serializeCell / deserializeCell', () => {
  it('round-trips every summary figure', () => {
    fc.assert(
      fc.property(
        fc.array(arbRecord(60_000), { minLength: 1, maxLength: 200, size: 'max' }),
        fc.constantFrom(100, 50, 10, 3),
        (records, rate) => {
          const cell = cellOf(records, rate);
          const back = roundTrip(cell);
          expect(back.key).toBe(cell.key);
          expect(summarize(back, { top: 100 })).toEqual(summarize(cell, { top: 100 }));
          // Canonical: serializing again gives the same text.
          expect(serializeCell(back)).toBe(serializeCell(cell));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('round-trips HyperLogLog registers and full Space-Saving summaries', () => {
    const cell = busyCell(20_000);
    const s = summarize(cell, { top: 100 });
    expect(s.top.paths.some((e) => e.error! > 0)).toBe(true);
    expect(summarize(roundTrip(cell), { top: 100 })).toEqual(s);
  });

  it('merging after deserialization equals merging before', () => {
    const a = busyCell(5000);
    const b = busyCell(800, 4000);
    const before = serializeCell(mergeCells(a, b));
    expect(serializeCell(mergeCells(roundTrip(a), roundTrip(b)))).toBe(before);
    fc.assert(
      fc.property(
        fc.array(arbRecord(60_000), { minLength: 1, maxLength: 100, size: 'max' }),
        fc.array(arbRecord(60_000), { minLength: 1, maxLength: 100, size: 'max' }),
        (x, y) => {
          const [cx, cy] = [cellOf(x), cellOf(y)];
          expect(serializeCell(mergeCells(roundTrip(cx), roundTrip(cy)))).toBe(
            serializeCell(mergeCells(cx, cy)),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('writes a version field and rejects text it cannot read', () => {
    const text = serializeCell(busyCell(10));
    expect(JSON.parse(text).v).toBe(CELL_FORMAT_VERSION);
    expect(() => deserializeCell('not json')).toThrow(CellFormatError);
    expect(() => deserializeCell(text.replace('"v":1', '"v":2'))).toThrow(/format version 2/);
    expect(() => deserializeCell(JSON.stringify({ ...JSON.parse(text), n: -1 }))).toThrow(/requests/);
    expect(() => deserializeCell(JSON.stringify({ ...JSON.parse(text), q: [] }))).toThrow(/latency/);
    expect(() => deserializeCell(JSON.stringify({ ...JSON.parse(text), h: { r: 'AAAA' } }))).toThrow(
      /registers/,
    );
  });

  it('reads damaged text as a cell or a CellFormatError, never another exception', () => {
    const valid = JSON.parse(serializeCell(busyCell(2000))) as Record<string, unknown>;
    const keys = Object.keys(valid);
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const text = JSON.stringify({ ...valid, [key]: value });
        try {
          deserializeCell(text);
        } catch (error) {
          expect(error).toBeInstanceOf(CellFormatError);
        }
      }),
      { numRuns: 300 },
    );
    // One level down: inside the latency sketches, the top lists and the parameters.
    const nested = ['q', 't', 'p', 'st'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...nested), fc.nat(), fc.nat(), fc.jsonValue(), (key, i, j, value) => {
        const copy = structuredClone(valid) as Record<string, unknown[]>;
        const list = copy[key]!;
        const at = i % list.length;
        const inner = list[at];
        if (Array.isArray(inner) && inner.length > 0) inner[j % inner.length] = value;
        else list[at] = value;
        try {
          deserializeCell(JSON.stringify(copy));
        } catch (error) {
          expect(error).toBeInstanceOf(CellFormatError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('refuses to merge cells of different windows or accuracies', () => {
    const a = busyCell(10);
    const other = createAggregator();
    other.add({ timestamp: BASE + 60_000 });
    expect(() => mergeCells(a, other.cells()[0]!)).toThrow(CellMergeError);
    const fine = createAggregator({ quantileAlpha: 0.005 });
    fine.add({ timestamp: BASE });
    expect(() => mergeCells(a, fine.cells()[0]!)).toThrow(/quantileAlpha/);
  });

  it('keeps a busy minute of realistic traffic far below DynamoDB’s 400 KB item limit', () => {
    // 6,000 generated requests (100/s over a minute, past the exact phase of distinct clients) with
    // the 40-field layout of the real records; the bench measures busier minutes.
    const parser = createParser(FIELDS_40);
    const agg = createAggregator({ dimensions: [[], ['country']] });
    for (const { line } of generateLines({
      fields: FIELDS_40,
      count: 6_000,
      seed: 7,
      requestsPerSecond: 100,
    })) {
      const r = parser.parseLine(line);
      if (r.ok) agg.add(r.record as AggregatableRecord);
    }
    const sizes = agg.cells().map((c) => Buffer.byteLength(serializeCell(c)));
    expect(Math.max(...sizes)).toBeLessThan(100_000);
  });

  it.each([
    [DEFAULT_TOP_K, 200_000],
    [MAX_STORABLE_TOP_K, 300_000],
  ])('keeps the worst case of topK %i under %i bytes (DynamoDB items hold 400 KB)', (topK, limit) => {
    // Every top-N list full of distinct 128-character keys, registers promoted, sketches spread.
    const agg = createAggregator({ topK });
    const long = (tag: string, i: number) => `/${tag}/${i}/`.padEnd(200, 'x');
    for (let i = 0; i < 20_000; i++) {
      agg.add({
        timestamp: BASE,
        'c-ip': `10.1.${i >> 8}.${i & 255}`,
        'cs-uri-stem': long('p', i),
        'sc-status': 500,
        'x-edge-result-type': 'Miss',
        'cs-referer': long('r', i),
        'cs-user-agent': long('u', i),
        'c-country': long('c', i),
        'x-edge-location': long('e', i),
        'time-taken': (i % 5000) / 100,
        'time-to-first-byte': i / 1000,
        'origin-fbl': i / 7,
        'origin-lbl': 1 / (i + 1),
      });
    }
    const bytes = Buffer.byteLength(serializeCell(agg.cells()[0]!));
    expect(bytes).toBeLessThan(limit);
  });

  it('keeps the worst case with per-entry figures at MAX_STORABLE_TOP_K under 380,000 bytes', () => {
    // Every list full of long keys, each key seen 40 times at latencies over the whole range,
    // sampled (weights of 100/30 write long numbers): figures stop at MAX_FIGURES_JSON_CHARS.
    // Measured: 357 KB (237 KB with one request a key, 220 KB before per-entry figures).
    const topK = MAX_STORABLE_TOP_K;
    const agg = createAggregator({ topK, samplingRate: 30 });
    const long = (tag: string, i: number) => `/${tag}/${i}/`.padEnd(200, 'x');
    let t = 0;
    for (let rep = 0; rep < 40; rep++) {
      for (let i = 0; i < topK; i++) {
        t++;
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
        });
      }
    }
    const text = serializeCell(agg.cells()[0]!);
    expect(Buffer.byteLength(text)).toBeLessThan(380_000);
    expect(serializeCell(deserializeCell(text))).toBe(text);
  });
});

describe('serializeCellWhole (between threads of one process)', () => {
  it('keeps every per-entry figure where serializeCell keeps what its budget holds', () => {
    const agg = createAggregator({ topK: 1_000, clientKey: 'serialize test key, 32 bytes long' });
    // 1,000 paths and clients, each with latencies over many buckets: more figures than the budget.
    for (let i = 0; i < 24_000; i++) {
      agg.add({
        timestamp: 1_740_830_400_000 + (i % 50_000),
        'cs-uri-stem': `/assets/a-fairly-long-path-name/${i % 1_000}/index.html`,
        'c-ip': `${1 + (i % 250)}.${(i % 1_000) >> 8}.7.1`,
        'sc-status': i % 9 === 0 ? 503 : 200,
        'x-edge-result-type': i % 3 === 0 ? 'Miss' : 'Hit',
        'sc-bytes': 1_000_000 + i,
        'time-taken': ((i * 7_919) % 10_000) / 1_000,
      });
    }
    const [cell] = agg.cells();
    const all = (c: WindowCell) => summarize(c, { top: 1_000 });
    const before = all(cell!);
    const whole = all(deserializeCell(serializeCellWhole(cell!)));
    const stored = all(deserializeCell(serializeCell(cell!)));
    expect(whole).toEqual(before);
    // The stored form is under its budget: some entries there lost their figures.
    const withFigures = (s: WindowSummary) => s.top.paths.filter((e) => e.figures !== undefined).length;
    expect(withFigures(stored)).toBeLessThan(withFigures(before));
    expect(withFigures(whole)).toBe(before.top.paths.length);
  });
});
