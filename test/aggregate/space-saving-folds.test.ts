/**
 * The batched Space-Saving summary (k counters plus keys added since the last fold) against an exact
 * oracle, with folds on nearly every run: small k, long-tailed weighted streams, reads anywhere.
 *
 * What is guaranteed at any point of a stream, not only at its end: every key whose true count
 * exceeds n / k is held; a held count overestimates by at most its error, and that error is at most
 * `floor`, itself at most n / k; a key not held occurred at most `floor` times; the counters sum to
 * at most n. Reads
 * (counters, floor, size, merge, serialization) never change the summary: its state depends only
 * on the adds, so a summary read in the middle ends identical to one read only at the end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FOLD_SLACK, SpaceSaving } from '../../src/aggregate/space-saving.js';

interface Add {
  readonly key: string;
  readonly w: number;
}

/** A few heavy keys and a long tail, weighted as sampling weights are (100 / rate). */
const arbAdds = (maxLength: number): fc.Arbitrary<Add[]> =>
  fc.array(
    fc.record({
      key: fc.oneof(
        fc.integer({ min: 1, max: 100_000 }).map((u) => `/p/${Math.floor(1e5 / u)}`),
        fc.integer({ min: 0, max: 5_000 }).map((i) => `/tail/${i}/a-key-longer-than-13`),
      ),
      w: fc.constantFrom(1, 1, 1, 2, 2.5, 100 / 3, 10),
    }),
    // `size: 'max'`: fast-check's default size keeps arrays to about 10 elements, too few to fold.
    { maxLength, size: 'max' },
  );

const arbK = fc.constantFrom(1, 2, 5, 10, 25);

function exact(adds: readonly Add[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const { key, w } of adds) m.set(key, (m.get(key) ?? 0) + w);
  return m;
}

function total(adds: readonly Add[]): number {
  return adds.reduce((n, a) => n + a.w, 0);
}

/** Floating-point slack for sums of fractional weights. */
const EPS = 1e-6;

/** The guarantees of a summary of `adds` with k counters, against the exact counts. */
function expectGuarantees(s: SpaceSaving, adds: readonly Add[], k: number): void {
  const n = total(adds);
  const truth = exact(adds);
  const counters = s.counters();
  const held = new Map(counters.map((c) => [c.key, c]));
  expect(held.size).toBe(counters.length);
  expect(counters.length).toBe(s.size);
  expect(s.size).toBeLessThanOrEqual(k);
  expect(s.floor).toBeLessThanOrEqual(n / k + EPS);
  expect(counters.reduce((sum, c) => sum + c.count, 0)).toBeLessThanOrEqual(n + EPS);
  for (const [key, count] of truth) {
    const c = held.get(key);
    if (count > n / k + EPS) expect(c, `${key} (${count} of ${n}) is held`).toBeDefined();
    if (c === undefined) expect(count).toBeLessThanOrEqual(s.floor + EPS);
  }
  for (const c of counters) {
    const t = truth.get(c.key) ?? 0;
    expect(c.count).toBeGreaterThanOrEqual(t - EPS);
    expect(c.count - c.error).toBeLessThanOrEqual(t + EPS);
    expect(c.error).toBeLessThanOrEqual(s.floor + EPS);
  }
  if (truth.size <= k) {
    expect(held.size).toBe(truth.size);
    for (const [key, count] of truth) {
      expect(held.get(key)!.count).toBeCloseTo(count, 9);
      expect(held.get(key)!.error).toBe(0);
    }
  }
}

function summaryOf(adds: readonly Add[], k: number): SpaceSaving {
  const s = new SpaceSaving(k);
  for (const { key, w } of adds) s.add(key, w);
  return s;
}

/** Everything a reader can observe of a summary. */
function observe(s: SpaceSaving) {
  return { counters: s.counters(), floor: s.floor, size: s.size };
}

describe('Space-Saving folded in batches', () => {
  it('keeps every guarantee at every point of a weighted long-tailed stream', () => {
    fc.assert(
      fc.property(arbAdds(2000), arbK, fc.array(fc.nat(), { maxLength: 8 }), (adds, k, reads) => {
        const s = new SpaceSaving(k);
        const at = new Set(reads.map((r) => (adds.length === 0 ? 0 : r % adds.length)));
        adds.forEach(({ key, w }, i) => {
          s.add(key, w);
          if (at.has(i)) expectGuarantees(s, adds.slice(0, i + 1), k);
        });
        expectGuarantees(s, adds, k);
      }),
      { numRuns: 80 },
    );
  });

  it('shows keys added since the last fold to every read (a read that skipped them would fail)', () => {
    const k = 10;
    const s = new SpaceSaving(k);
    // Enough distinct keys for a fold, then a key counted only after it.
    for (let i = 0; i <= k * (1 + FOLD_SLACK); i++) s.add(`/once/${i}`);
    for (let i = 0; i < 50; i++) s.add('/hot', 2);
    const hot = s.counters().find((c) => c.key === '/hot');
    expect(hot).toEqual({ key: '/hot', count: 1 + 100, error: 1 });
    expect(s.counters()[0]!.key).toBe('/hot');
    expect(s.size).toBe(k);
    expect(s.floor).toBe(1);
    // Merging and rebuilding see it too.
    expect(SpaceSaving.merge(s, new SpaceSaving(k)).counters()[0]).toEqual(hot);
    expect(SpaceSaving.from(k, s.counters()).counters()[0]).toEqual(hot);
  });

  it('is not changed by reads: read anywhere and often, it ends as a summary read only at the end', () => {
    fc.assert(
      fc.property(arbAdds(1500), arbK, fc.array(fc.nat(), { maxLength: 10 }), (adds, k, reads) => {
        const quiet = summaryOf(adds, k);
        const read = new SpaceSaving(k);
        const at = new Set(reads.map((r) => (adds.length === 0 ? 0 : r % adds.length)));
        adds.forEach(({ key, w }, i) => {
          read.add(key, w);
          if (at.has(i)) {
            observe(read);
            SpaceSaving.merge(read, quiet);
          }
        });
        expect(observe(read)).toEqual(observe(quiet));
      }),
      { numRuns: 80 },
    );
  });

  it('lists counters in a canonical order: count descending, then key', () => {
    fc.assert(
      fc.property(arbAdds(1500), arbK, (adds, k) => {
        const counters = summaryOf(adds, k).counters();
        const sorted = [...counters].sort((x, y) => y.count - x.count || (x.key < y.key ? -1 : 1));
        expect(counters).toEqual(sorted);
      }),
      { numRuns: 40 },
    );
  });

  it('merges by what it shows: merging equals merging summaries rebuilt from the counters', () => {
    fc.assert(
      fc.property(arbAdds(1000), arbAdds(1000), arbK, arbK, (a, b, ka, kb) => {
        const sa = summaryOf(a, ka);
        const sb = summaryOf(b, kb);
        const rebuilt = SpaceSaving.merge(
          SpaceSaving.from(ka, sa.counters()),
          SpaceSaving.from(kb, sb.counters()),
        );
        expect(observe(SpaceSaving.merge(sa, sb))).toEqual(observe(rebuilt));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the guarantees through merge trees of any shape, and merges commutatively', () => {
    fc.assert(
      fc.property(arbAdds(800), arbAdds(800), arbAdds(800), arbK, (a, b, c, k) => {
        const [sa, sb, sc] = [a, b, c].map((x) => summaryOf(x, k)) as [SpaceSaving, SpaceSaving, SpaceSaving];
        const left = SpaceSaving.merge(SpaceSaving.merge(sa, sb), sc);
        const right = SpaceSaving.merge(sa, SpaceSaving.merge(sb, sc));
        expectGuarantees(left, [...a, ...b, ...c], k);
        expectGuarantees(right, [...a, ...b, ...c], k);
        expect(observe(SpaceSaving.merge(sa, sb))).toEqual(observe(SpaceSaving.merge(sb, sa)));
      }),
      { numRuns: 60 },
    );
  });

  it('keeps the guarantees when counting on after a rebuild from counters (deserialized state)', () => {
    fc.assert(
      fc.property(arbAdds(1000), arbAdds(1000), arbK, (before, after, k) => {
        const s = SpaceSaving.from(k, summaryOf(before, k).counters());
        for (const { key, w } of after) s.add(key, w);
        expectGuarantees(s, [...before, ...after], k);
      }),
      { numRuns: 60 },
    );
  });

  it('counts a held string passed to addHeld as add counts the original', () => {
    fc.assert(
      fc.property(arbAdds(1500), arbK, (adds, k) => {
        const first = new SpaceSaving(k);
        const viaHeld = new SpaceSaving(k);
        const viaAdd = new SpaceSaving(k);
        let returned = 0;
        for (const { key, w } of adds) {
          const held = first.add(key, w);
          if (held === key && viaHeld.addHeld(held, w) === key) returned++;
          viaAdd.add(key, w);
        }
        expect(returned).toBe(adds.length);
        expect(observe(viaHeld)).toEqual(observe(viaAdd));
      }),
      { numRuns: 40 },
    );
  });

  it('holds at most (1 + FOLD_SLACK) x k keys however many distinct keys arrive', () => {
    fc.assert(
      fc.property(arbAdds(3000), arbK, (adds, k) => {
        const s = new SpaceSaving(k);
        let most = 0;
        for (const { key, w } of adds) {
          s.add(key, w);
          most = Math.max(most, s.heldKeys);
        }
        expect(most).toBeLessThanOrEqual((1 + FOLD_SLACK) * k);
      }),
      { numRuns: 40 },
    );
  });
});

describe('batched Space-Saving per-entry figures', () => {
  // A fold hands the figures of the keys it dropped to the next new keys, emptied: a figure left
  // over from a dropped key would show up here as requests, errors or bytes its key never had.
  it('describe exactly count - error of the key’s requests at any point, folds and compactions included', () => {
    fc.assert(
      fc.property(arbAdds(1_500), arbK, fc.array(fc.nat(), { maxLength: 4 }), (adds, k, compactAt) => {
        const s = new SpaceSaving(k);
        const truth = new Map<string, { n: number; errors: number; hits: number; bytes: number }>();
        const compactions = new Set(compactAt.map((i) => i % Math.max(1, adds.length)));
        adds.forEach(({ key, w }, i) => {
          const o = {
            isError: i % 3 === 0,
            cacheIndex: i % 4 === 0 ? 0 : -1,
            bytesOut: i % 7,
            bucket: i % 5,
          };
          s.add(key, w, o);
          const t = truth.get(key) ?? { n: 0, errors: 0, hits: 0, bytes: 0 };
          t.n += w;
          if (o.isError) t.errors += w;
          if (o.cacheIndex === 0) t.hits += w;
          t.bytes += o.bytesOut * w;
          truth.set(key, t);
          if (compactions.has(i)) s.compact();
        });
        for (const c of s.counters()) {
          const f = c.figures!;
          const t = truth.get(c.key)!;
          expect(Math.abs(f.n - (c.count - c.error))).toBeLessThanOrEqual(EPS * Math.max(1, c.count));
          expect(f.n).toBeLessThanOrEqual(t.n + EPS);
          // What the figures miss is at most the requests they do not cover.
          const missing = t.n - f.n;
          expect(f.errors).toBeLessThanOrEqual(t.errors + EPS);
          expect(f.errors).toBeGreaterThanOrEqual(t.errors - missing - EPS);
          expect(f.bytesOut).toBeLessThanOrEqual(t.bytes + EPS);
          // Every observation had a latency: the histogram holds exactly the covered requests.
          const inHistogram = f.counts.reduce((sum, w) => sum + w, 0);
          expect(Math.abs(inHistogram - f.n)).toBeLessThanOrEqual(EPS * Math.max(1, f.n));
        }
      }),
      { numRuns: 60 },
    );
  });
});
