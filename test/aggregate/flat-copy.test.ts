import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flatCopy } from '../../src/aggregate/flat-copy.js';
import { createAggregator, type DimensionName, summarize } from '../../src/aggregate/index.js';
import { collectGarbage } from '../helpers/gc.js';

describe('flatCopy', () => {
  it('equals its input, code unit for code unit, cut from anywhere in a longer string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.nat(), fc.nat(), (text, a, b) => {
        const from = text.length === 0 ? 0 : a % text.length;
        const to = from + (text.length === from ? 0 : b % (text.length - from + 1));
        const cut = text.slice(from, to);
        expect(flatCopy(cut)).toBe(cut);
        expect(flatCopy(`${cut}…`)).toBe(`${cut}…`);
      }),
    );
  });

  it('does not keep the line it was cut from alive, also once the optimizing compiler has it', () => {
    const LINES = 40;
    const LINE_LENGTH = 1 << 20;
    // Warm up: Node 22's optimizing compiler dropped an unused read that was meant to flatten the
    // copy, and copies made after that kept their lines alive (Node 20 never showed it).
    const warm = 'a warm-up line long enough to be sliced\t'.repeat(4);
    let chars = 0;
    for (let i = 0; i < 200_000; i++) chars += flatCopy(warm.slice(i % 7, 40 + (i % 11))).length;
    expect(chars).toBeGreaterThan(0);
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    const kept: string[] = [];
    const head = (i: number) => `${String(i).padStart(2, '0')}\t/api/v1/search/${i}?q=a-query-string\t`;
    for (let i = 0; i < LINES; i++) {
      const line = head(i).padEnd(LINE_LENGTH, 'x');
      kept.push(flatCopy(line.slice(3, 40)));
    }
    collectGarbage();
    const retained = process.memoryUsage().heapUsed - before;
    // Pinned lines would retain LINES MiB; the copies take a few KiB.
    expect(retained).toBeLessThan((LINES * LINE_LENGTH) / 10);
    expect(kept[7]).toBe(head(7).padEnd(40, 'x').slice(3));
  });
});

describe('the aggregator keeps no line alive', () => {
  // Each list copies a key it has not seen from the record (the parser's slice of the line) and
  // hands the copy on, so later cells of the record keep that copy (`RecordView.held`). Whichever
  // set counts a key first, and whether or not there is a stream-wide set, no slice is kept.
  const layouts: { name: string; dimensions: DimensionName[][] }[] = [
    { name: 'stream-wide first', dimensions: [[], ['country'], ['edgeLocation', 'statusClass']] },
    { name: 'stream-wide last', dimensions: [['country'], ['edgeLocation', 'statusClass'], []] },
    { name: 'no stream-wide set', dimensions: [['country'], ['statusClass']] },
  ];
  for (const { name, dimensions } of layouts) {
    it(name, () => {
      const LINES = 40;
      const LINE_LENGTH = 1 << 19;
      collectGarbage();
      const before = process.memoryUsage().heapUsed;
      const agg = createAggregator({ dimensions, clientKey: 'flat-copy test key, 32 bytes long' });
      for (let i = 0; i < LINES; i++) {
        const head = `/static/asset-number-${i}.js\tMozilla/5.0 (test agent ${i})\thttps://example.com/from/${i}\t`;
        const line = head.padEnd(LINE_LENGTH, 'x');
        const a = head.indexOf('\t');
        const b = head.indexOf('\t', a + 1);
        const c = head.indexOf('\t', b + 1);
        agg.add({
          timestamp: 1_740_830_400_000 + i,
          'cs-uri-stem': line.slice(0, a),
          'cs-user-agent': line.slice(a + 1, b),
          'cs-referer': line.slice(b + 1, c),
          'c-ip': `192.0.2.${i}`,
          'c-country': i % 2 === 0 ? 'US' : 'DE',
          'x-edge-location': 'FRA56-P1',
          'sc-status': 200,
        });
      }
      collectGarbage();
      const retained = process.memoryUsage().heapUsed - before;
      // Pinned lines would retain 20 MiB; the cells and their copies take far less.
      expect(retained).toBeLessThan((LINES * LINE_LENGTH) / 10);
      const [first] = agg.cells().filter((cell) => Object.keys(cell.dimensions).length > 0);
      expect(summarize(first!).top.paths.length).toBeGreaterThan(0);
    });
  }
});
