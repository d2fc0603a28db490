import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flatCopy } from '../../src/aggregate/flat-copy.js';

/** A full garbage collection (the flag can be set at run time; a new context then sees `gc`). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

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

  it('does not keep the line it was cut from alive', () => {
    const LINES = 40;
    const LINE_LENGTH = 1 << 20;
    collect();
    const before = process.memoryUsage().heapUsed;
    const kept: string[] = [];
    const head = (i: number) => `${String(i).padStart(2, '0')}\t/api/v1/search/${i}?q=a-query-string\t`;
    for (let i = 0; i < LINES; i++) {
      const line = head(i).padEnd(LINE_LENGTH, 'x');
      kept.push(flatCopy(line.slice(3, 40)));
    }
    collect();
    const retained = process.memoryUsage().heapUsed - before;
    // Pinned lines would retain LINES MiB; the copies take a few KiB.
    expect(retained).toBeLessThan((LINES * LINE_LENGTH) / 10);
    expect(kept[7]).toBe(head(7).padEnd(40, 'x').slice(3));
  });
});
