import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hash64 } from '../../src/aggregate/hash.js';
import { EXACT_LIMIT, HyperLogLog } from '../../src/aggregate/hyperloglog.js';

const h = { hi: 0, lo: 0 };

function add(sketch: HyperLogLog, key: string): void {
  hash64(key, h);
  sketch.add(h.hi, h.lo);
}

function sketchOf(keys: Iterable<string>, precision = 14): HyperLogLog {
  const s = new HyperLogLog(precision);
  for (const k of keys) add(s, k);
  return s;
}

function ipv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const address = fc.oneof(fc.ipV4(), fc.ipV6());

describe('hash64', () => {
  it('is deterministic and spreads neighbouring addresses over both lanes', () => {
    const a = { hi: 0, lo: 0 };
    const b = { hi: 0, lo: 0 };
    hash64('10.0.0.1', a);
    hash64('10.0.0.1', b);
    expect(a).toEqual(b);
    hash64('10.0.0.2', b);
    expect(a.hi).not.toBe(b.hi);
    expect(a.lo).not.toBe(b.lo);
  });

  it('has no collisions over 200,000 distinct addresses', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200_000; i++) {
      hash64(ipv4(0x0a000000 + i), h);
      seen.add(`${h.hi}:${h.lo}`);
    }
    expect(seen.size).toBe(200_000);
  });
});

describe('HyperLogLog', () => {
  it('counts exactly in the exact phase (against a Set)', () => {
    fc.assert(
      fc.property(fc.array(address, { maxLength: 600, size: 'max' }), (keys) => {
        const s = sketchOf(keys);
        expect(s.isExact).toBe(true);
        expect(s.estimate()).toBe(new Set(keys).size);
      }),
    );
  });

  it('is exact up to EXACT_LIMIT distinct values and promotes past it', () => {
    const keys = Array.from({ length: EXACT_LIMIT }, (_, i) => ipv4(i + 1));
    const s = sketchOf([...keys, ...keys]);
    expect(s.isExact).toBe(true);
    expect(s.estimate()).toBe(EXACT_LIMIT);
    add(s, '192.0.2.1');
    expect(s.isExact).toBe(false);
    expect(Math.abs(s.estimate() - (EXACT_LIMIT + 1))).toBeLessThan(0.03 * EXACT_LIMIT);
  });

  it.each([100_000, 250_000])('estimates %i distinct addresses within 3 standard errors (p = 14)', (n) => {
    const s = new HyperLogLog(14);
    for (let i = 0; i < n; i++) add(s, ipv4(0x0b000000 + i * 7));
    const sigma = 1.04 / Math.sqrt(2 ** 14);
    expect(Math.abs(s.estimate() - n) / n).toBeLessThanOrEqual(3 * sigma);
  });

  it('merge equals the sketch of the union (exact phase and registers alike)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4000 }),
        fc.integer({ min: 0, max: 4000 }),
        fc.integer({ min: 0, max: 3000 }),
        (na, nb, overlap) => {
          const a = Array.from({ length: na }, (_, i) => ipv4(i));
          const b = Array.from({ length: nb }, (_, i) => ipv4(i + na - Math.min(overlap, na)));
          const merged = HyperLogLog.merge(sketchOf(a), sketchOf(b));
          const whole = sketchOf([...a, ...b]);
          expect(merged.estimate()).toBe(whole.estimate());
          expect(merged.isExact).toBe(whole.isExact);
          if (whole.isExact) expect(merged.estimate()).toBe(new Set([...a, ...b]).size);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('merge is commutative and associative', () => {
    const parts = [0, 1, 2].map((p) => Array.from({ length: 1200 }, (_, i) => ipv4(p * 700 + i)));
    const [a, b, c] = parts.map((keys) => sketchOf(keys)) as [HyperLogLog, HyperLogLog, HyperLogLog];
    const ab = HyperLogLog.merge(a, b);
    expect(ab.estimate()).toBe(HyperLogLog.merge(b, a).estimate());
    const left = HyperLogLog.merge(ab, c);
    const right = HyperLogLog.merge(a, HyperLogLog.merge(b, c));
    expect(left.registers()).toEqual(right.registers());
  });

  it('folds a higher precision into a lower one as if built at the lower one', () => {
    const keys = Array.from({ length: 30_000 }, (_, i) => ipv4(i * 13));
    const high = sketchOf(keys, 16);
    const low = sketchOf(keys, 12);
    const merged = HyperLogLog.merge(high, new HyperLogLog(12));
    expect(merged.precision).toBe(12);
    expect(merged.registers()).toEqual(low.registers());
  });

  it('rebuilds from its hashes or registers', () => {
    const small = sketchOf(['a', 'b', 'c']);
    expect(HyperLogLog.from(14, small.hashes(), null).estimate()).toBe(3);
    const big = sketchOf(Array.from({ length: 5000 }, (_, i) => `k${i}`));
    expect(HyperLogLog.from(14, new Uint32Array(0), big.registers()).estimate()).toBe(big.estimate());
  });

  it('has a root-mean-square error near 1.04 / sqrt(2^p) over independent sets', () => {
    // 24 disjoint sets of 20,000 addresses; the RMS relative error estimates the standard error.
    const n = 20_000;
    let sumSq = 0;
    const runs = 24;
    for (let run = 0; run < runs; run++) {
      const s = new HyperLogLog(12);
      for (let i = 0; i < n; i++) add(s, `${run}|${i}`);
      sumSq += ((s.estimate() - n) / n) ** 2;
    }
    const rms = Math.sqrt(sumSq / runs);
    // 1.625% at p = 12; allow the sampling noise of 24 runs.
    expect(rms).toBeLessThan(1.5 * (1.04 / Math.sqrt(2 ** 12)));
  });
});
