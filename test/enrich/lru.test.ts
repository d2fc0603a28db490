import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createBoundedCache } from '../../src/enrich/lru.js';

describe('bounded cache', () => {
  it('always returns what compute returns, and never holds more than its capacity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { maxLength: 500, size: 'max' }),
        (capacity, keys) => {
          const cache = createBoundedCache<number, string>(capacity);
          let computed = 0;
          for (const k of keys) {
            expect(
              cache.getOrCompute(k, (x) => {
                computed++;
                return `v${x}`;
              }),
            ).toBe(`v${k}`);
            expect(cache.stats().size).toBeLessThanOrEqual(Math.max(capacity, 2));
          }
          const { hits, misses } = cache.stats();
          expect(hits + misses).toBe(keys.length);
          expect(misses).toBe(computed);
          if (capacity === 0) expect(hits).toBe(0);
        },
      ),
    );
  });

  it('keeps recently used entries: a hot key survives a stream of cold ones', () => {
    const cache = createBoundedCache<string, number>(100);
    let computedHot = 0;
    for (let i = 0; i < 10_000; i++) {
      cache.getOrCompute('hot', () => ++computedHot);
      cache.getOrCompute(`cold-${i}`, () => i);
    }
    expect(computedHot).toBe(1);
  });

  it('holds no more than a repeated working set needs', () => {
    const cache = createBoundedCache<number, number>(1_000);
    for (let round = 0; round < 5; round++) for (let k = 0; k < 400; k++) cache.getOrCompute(k, (x) => x);
    expect(cache.stats()).toMatchObject({ misses: 400, hits: 1_600 });
  });
});
