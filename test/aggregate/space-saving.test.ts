import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SpaceSaving } from '../../src/aggregate/space-saving.js';

const K = 100;

function summaryOf(keys: readonly string[], k = K): SpaceSaving {
  const s = new SpaceSaving(k);
  for (const key of keys) s.add(key);
  return s;
}

function exactCounts(keys: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
}

/** Zipf-like keys: a few heavy, many light, so the summary overflows. */
const zipfKeys = (max: number) =>
  fc.array(
    fc.integer({ min: 1, max: 100_000 }).map((u) => `/p/${Math.floor(1e5 / u)}`),
    // `size: 'max'`: fast-check's default size keeps arrays to about 10 keys, too few to overflow.
    { maxLength: max, size: 'max' },
  );

/** The Space-Saving guarantees against exact counts, for n items and k counters. */
function expectGuarantees(s: SpaceSaving, keys: readonly string[], k: number): void {
  const n = keys.length;
  const exact = exactCounts(keys);
  const counters = new Map(s.counters().map((c) => [c.key, c]));
  for (const [key, count] of exact) {
    if (count > n / k) expect(counters.has(key), `${key} (${count} of ${n}) is kept`).toBe(true);
  }
  for (const c of counters.values()) {
    const truth = exact.get(c.key) ?? 0;
    expect(c.count).toBeGreaterThanOrEqual(truth);
    expect(c.count - c.error).toBeLessThanOrEqual(truth);
    expect(c.count - truth).toBeLessThanOrEqual(n / k);
  }
  if (exact.size <= k) {
    expect(counters.size).toBe(exact.size);
    for (const [key, count] of exact) expect(counters.get(key)).toMatchObject({ count, error: 0 });
  }
}

describe('Space-Saving', () => {
  it('keeps every key above n/k and overestimates by at most n/k (stream)', () => {
    fc.assert(
      fc.property(zipfKeys(3000), fc.constantFrom(10, 50, 100), (keys, k) => {
        expectGuarantees(summaryOf(keys, k), keys, k);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the guarantees after merging summaries of any split', () => {
    fc.assert(
      fc.property(
        fc.array(zipfKeys(1500), { minLength: 1, maxLength: 5 }),
        fc.constantFrom(10, 100),
        (parts, k) => {
          const merged = parts.map((p) => summaryOf(p, k)).reduce((a, b) => SpaceSaving.merge(a, b));
          expectGuarantees(merged, parts.flat(), k);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the guarantees merging many summaries at once, in any order, equal to the pairwise merge for two', () => {
    fc.assert(
      fc.property(
        fc.array(zipfKeys(600), { minLength: 1, maxLength: 30 }),
        fc.constantFrom(5, 10, 100),
        fc.integer(),
        (parts, k, seed) => {
          const summaries = parts.map((p) => summaryOf(p, k));
          const merged = SpaceSaving.mergeAll(summaries);
          expectGuarantees(merged, parts.flat(), k);
          // Reversed or rotated, the same counters: the multi-way merge has no order.
          const rotated = [
            ...summaries.slice(seed % summaries.length),
            ...summaries.slice(0, seed % summaries.length),
          ];
          expect(SpaceSaving.mergeAll(rotated.reverse()).counters()).toEqual(merged.counters());
          if (summaries.length === 2) {
            expect(SpaceSaving.merge(summaries[0]!, summaries[1]!).counters()).toEqual(merged.counters());
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('compacts in place without changing what reads see, and counts on within the guarantees', () => {
    fc.assert(
      fc.property(zipfKeys(2000), zipfKeys(500), fc.constantFrom(5, 10, 100), (keys, more, k) => {
        const s = summaryOf(keys, k);
        const before = s.counters();
        s.compact();
        expect(s.heldKeys).toBeLessThanOrEqual(k);
        expect(s.counters()).toEqual(before);
        for (const key of more) s.add(key);
        expectGuarantees(s, [...keys, ...more], k);
      }),
      { numRuns: 40 },
    );
  });

  it('is exact when distinct keys fit the counters, and then merges exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 99 }).map(String), { maxLength: 500 }),
        fc.array(fc.integer({ min: 0, max: 99 }).map(String), { maxLength: 500 }),
        (a, b) => {
          const merged = SpaceSaving.merge(summaryOf(a), summaryOf(b));
          expect(merged.counters()).toEqual(summaryOf([...a, ...b]).counters());
        },
      ),
    );
  });

  it('merge is commutative', () => {
    fc.assert(
      fc.property(zipfKeys(1000), zipfKeys(1000), (a, b) => {
        const sa = summaryOf(a, 10);
        const sb = summaryOf(b, 10);
        expect(SpaceSaving.merge(sa, sb).counters()).toEqual(SpaceSaving.merge(sb, sa).counters());
      }),
    );
  });

  it('counts weights', () => {
    const s = new SpaceSaving(100);
    s.add('/a', 2.5);
    s.add('/a', 2.5);
    s.add('/b', 1);
    expect(s.counters()).toEqual([
      { key: '/a', count: 5, error: 0 },
      { key: '/b', count: 1, error: 0 },
    ]);
  });

  it('rebuilds from its counters', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `/p/${i % 777}`);
    const s = summaryOf(keys);
    expect(SpaceSaving.from(K, s.counters()).counters()).toEqual(s.counters());
    expect(SpaceSaving.from(K, s.counters()).floor).toBe(s.floor);
  });
});
