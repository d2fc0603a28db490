import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DDSketch, maxBuckets, nearestRank } from '../../src/aggregate/ddsketch.js';

const QUANTILES = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];

/** The oracle: nearest rank, x_ceil(q n) (1-based) of the sorted values, written out plainly. */
function exactQuantile(sorted: readonly number[], q: number): number {
  if (q <= 0) return sorted[0]!;
  // Integer arithmetic on percent-style q (q = k / 1000) avoids the float question altogether.
  const rank = Math.ceil((Math.round(q * 1000) * sorted.length) / 1000);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function sketchOf(values: readonly number[], alpha = 0.01): DDSketch {
  const s = new DDSketch(alpha);
  for (const v of values) s.add(v);
  return s;
}

function expectWithinAlpha(actual: number | null, exact: number, alpha: number): void {
  expect(actual).not.toBeNull();
  // A hair of slack for floating point in log/pow, far below alpha.
  expect(Math.abs(actual! - exact)).toBeLessThanOrEqual(alpha * exact * (1 + 1e-9) + 1e-12);
}

/** Latencies as CloudFront writes them: seconds with millisecond resolution, 0 included. */
const latency = fc.integer({ min: 0, max: 120_000 }).map((ms) => ms / 1000);
const positive = fc.double({ min: 1e-6, max: 1e9, noNaN: true, noDefaultInfinity: true });

describe('DDSketch', () => {
  it('answers every quantile within alpha of the exact nearest-rank quantile', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(latency, positive), { minLength: 1, maxLength: 400, size: 'max' }),
        fc.constantFrom(0.01, 0.005, 0.001),
        (values, alpha) => {
          const s = sketchOf(values, alpha);
          const sorted = [...values].sort((a, b) => a - b);
          for (const q of QUANTILES) expectWithinAlpha(s.quantile(q), exactQuantile(sorted, q), alpha);
        },
      ),
    );
  });

  it('keeps count, sum, min and max exactly', () => {
    fc.assert(
      fc.property(fc.array(latency, { minLength: 1, maxLength: 200, size: 'max' }), (values) => {
        const s = sketchOf(values);
        expect(s.count).toBe(values.length);
        expect(s.min).toBe(Math.min(...values));
        expect(s.max).toBe(Math.max(...values));
        expect(s.sum).toBeCloseTo(
          values.reduce((a, b) => a + b, 0),
          6,
        );
      }),
    );
  });

  it('merging sketches of any split equals the sketch of the whole, within alpha', () => {
    fc.assert(
      fc.property(
        fc.array(latency, { minLength: 1, maxLength: 300, size: 'max' }),
        fc.array(latency, { maxLength: 300, size: 'max' }),
        (left, right) => {
          const merged = DDSketch.merge(sketchOf(left), sketchOf(right));
          const whole = sketchOf([...left, ...right]);
          expect(merged.count).toBe(whole.count);
          expect(merged.zeroCount).toBe(whole.zeroCount);
          expect(merged.buckets()).toEqual(whole.buckets());
          const sorted = [...left, ...right].sort((a, b) => a - b);
          for (const q of QUANTILES) {
            expect(merged.quantile(q)).toBe(whole.quantile(q));
            expectWithinAlpha(merged.quantile(q), exactQuantile(sorted, q), 0.01);
          }
        },
      ),
    );
  });

  it('is commutative and associative on buckets', () => {
    fc.assert(
      fc.property(
        fc.array(latency, { maxLength: 100, size: 'max' }),
        fc.array(latency, { maxLength: 100, size: 'max' }),
        fc.array(latency, { maxLength: 100, size: 'max' }),
        (a, b, c) => {
          const [sa, sb, sc] = [sketchOf(a), sketchOf(b), sketchOf(c)];
          expect(DDSketch.merge(sa, sb).buckets()).toEqual(DDSketch.merge(sb, sa).buckets());
          const left = DDSketch.merge(DDSketch.merge(sa, sb), sc);
          const right = DDSketch.merge(sa, DDSketch.merge(sb, sc));
          expect(left.buckets()).toEqual(right.buckets());
          expect(left.count).toBe(right.count);
          expect(left.min).toBe(right.min);
          expect(left.max).toBe(right.max);
        },
      ),
    );
  });

  it('reports null quantiles when empty and ignores negative, NaN and infinite values', () => {
    const s = new DDSketch(0.01);
    expect(s.quantile(0.5)).toBeNull();
    s.add(-1);
    s.add(Number.NaN);
    s.add(Number.POSITIVE_INFINITY);
    expect(s.count).toBe(0);
  });

  it('puts zeros in the zero bucket and reports them as 0', () => {
    const s = sketchOf([0, 0, 0, 0.2]);
    expect(s.zeroCount).toBe(3);
    expect(s.quantile(0.5)).toBe(0);
    expect(s.quantile(1)).toBe(0.2);
  });

  it('answers the single value for every quantile of one record', () => {
    const s = sketchOf([0.123]);
    for (const q of QUANTILES) expect(s.quantile(q)).toBe(0.123);
  });

  it('bounds the bucket count, collapsing the lowest buckets and keeping the high quantiles accurate', () => {
    const s = new DDSketch(0.01);
    const values: number[] = [];
    // 1e-8 .. 1e16: a ratio of 1e24, wider than the store covers.
    for (let e = -8; e <= 16; e += 0.01) values.push(10 ** e);
    for (const v of values) s.add(v);
    expect(s.buckets().counts.length).toBe(maxBuckets(0.01));
    expect(s.count).toBe(values.length);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.99, 1]) expectWithinAlpha(s.quantile(q), exactQuantile(sorted, q), 0.01);
  });

  it('handles huge values', () => {
    const s = sketchOf([1e300, 1, 1e-300]);
    expect(s.max).toBe(1e300);
    expectWithinAlpha(s.quantile(1), 1e300, 0.01);
  });

  it('shows the tail of a tiny cell: p99 of {0 s, 5 s} is 5 s, p50 is 0', () => {
    const s = sketchOf([0, 5]);
    expect(s.quantile(0.99)).toBe(5);
    expect(s.quantile(0.5)).toBe(0);
    expectWithinAlpha(sketchOf([0.168, 0.002]).quantile(0.99), 0.168, 0.01);
  });

  it('is nearest rank for every n from 1 to 10,000, ties and zeros included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom(0, 0.001, 1),
        fc.array(fc.oneof(fc.constant(0), latency, positive), { minLength: 1, maxLength: 50 }),
        fc.integer(),
        (n, zeroShare, palette, seed) => {
          // n values drawn from a small palette: many ties, and zeros when the palette has them.
          let x = seed | 0;
          const values: number[] = [];
          for (let i = 0; i < n; i++) {
            x = (Math.imul(x, 1103515245) + 12345) | 0;
            const pick = (x >>> 8) % (palette.length + (zeroShare > 0 ? 1 : 0));
            values.push(pick >= palette.length ? 0 : palette[pick]!);
          }
          const s = sketchOf(values);
          const sorted = [...values].sort((a, b) => a - b);
          for (const q of [0.01, 0.5, 0.9, 0.95, 0.99, 0.999]) {
            expectWithinAlpha(s.quantile(q), exactQuantile(sorted, q), 0.01);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('counts weights as repeated values (sampling): weight w stands for w copies', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(latency, fc.integer({ min: 1, max: 20 })), {
          minLength: 1,
          maxLength: 100,
          size: 'max',
        }),
        (pairs) => {
          const weighted = new DDSketch(0.01);
          const expanded: number[] = [];
          for (const [v, w] of pairs) {
            weighted.add(v, w);
            for (let i = 0; i < w; i++) expanded.push(v);
          }
          const plain = sketchOf(expanded);
          for (const q of QUANTILES) expect(weighted.quantile(q)).toBe(plain.quantile(q));
        },
      ),
    );
  });

  it('nearestRank is x_ceil(q n) of the sorted values', () => {
    expect(nearestRank([], 0.5)).toBeNull();
    expect(nearestRank([0, 5], 0.99)).toBe(5);
    expect(nearestRank([0, 5], 0.5)).toBe(0);
    expect(nearestRank([1, 2, 3, 4], 0.5)).toBe(2);
    expect(nearestRank([1, 2, 3, 4], 0.51)).toBe(3);
    expect(nearestRank([1, 2, 3, 4], 0)).toBe(1);
    // 0.07 * 100 is 7.000000000000001 in floating point: still the 7th value.
    expect(
      nearestRank(
        Array.from({ length: 100 }, (_, i) => i + 1),
        0.07,
      ),
    ).toBe(7);
    fc.assert(
      fc.property(
        fc.array(latency, { minLength: 1, maxLength: 300, size: 'max' }),
        fc.integer({ min: 0, max: 1000 }),
        (values, k) => {
          const sorted = [...values].sort((a, b) => a - b);
          expect(nearestRank(sorted, k / 1000)).toBe(exactQuantile(sorted, k / 1000));
        },
      ),
    );
  });
});
