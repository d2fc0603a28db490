import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kthLargest } from '../../src/aggregate/kth-largest.js';

describe('kthLargest', () => {
  it('is the k-th value of a descending sort, for any values, duplicates and k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.double({ min: 0, max: 1e12, noNaN: true })), {
          minLength: 1,
          maxLength: 600,
        }),
        fc.nat(),
        fc.nat({ max: 50 }),
        (values, kSeed, extra) => {
          const n = values.length;
          const k = 1 + (kSeed % n);
          // Only the first n values count: any beyond them stay where they are.
          const buffer = Float64Array.from([...values, ...Array.from({ length: extra }, () => -1)]);
          const expected = [...values].sort((a, b) => b - a)[k - 1];
          expect(kthLargest(buffer, n, k)).toBe(expected);
          expect([...buffer.subarray(n)]).toEqual(Array.from({ length: extra }, () => -1));
          expect([...buffer.subarray(0, n)].sort((a, b) => a - b)).toEqual([...values].sort((a, b) => a - b));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles one value, all equal values and both ends', () => {
    expect(kthLargest(Float64Array.of(7), 1, 1)).toBe(7);
    expect(kthLargest(new Float64Array(400).fill(3), 400, 100)).toBe(3);
    expect(kthLargest(Float64Array.of(5, 1, 4, 2), 4, 1)).toBe(5);
    expect(kthLargest(Float64Array.of(5, 1, 4, 2), 4, 4)).toBe(1);
  });
});
