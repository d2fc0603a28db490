/**
 * DDSketch (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
 * relative-error guarantees", VLDB 2019) for non-negative values (latencies in seconds).
 *
 * - Logarithmic mapping: value v > 0 goes to bucket ceil(log_gamma(v)), gamma = (1 + a) / (1 - a);
 *   every value of a bucket is within relative error `a` of the bucket's representative
 *   2 gamma^i / (gamma + 1).
 * - Values below `MIN_INDEXABLE` (0 included) go to a zero bucket and are reported as 0.
 * - Dense store with at most `maxBuckets(alpha)` buckets: enough for values spanning a ratio of
 *   `COVERED_RANGE` (1e18: 1 ns to 31 years) without loss, 2,073 buckets at a = 1%. Past that the
 *   lowest buckets collapse into one (latency tails matter, the fastest requests do not).
 * - count, sum, min and max are kept exactly and survive serialization and merges (DataDog's
 *   sketches-js `fromProto` drops them).
 * - Counts are weighted (sampling scales each record by 100 / rate), so they are floats.
 *
 * Quantile definition (nearest rank, the one users expect): for n values sorted
 * x_1 <= ... <= x_n (1-based), the q-quantile is x_ceil(q n), and x_1 for q = 0. So p99 of {0, 5}
 * is 5: a cell of fewer than 100 requests shows its slowest request as its p99 instead of hiding
 * it. With weights (sampling), n is the total weight and the rank is the smallest one whose
 * cumulative weight reaches q n. The sketch returns a value within relative error `a` of it,
 * clamped to [min, max]; `nearestRank` is the exact definition, for oracles and other outputs.
 */

/** The ratio max / min of values the store holds without collapsing. */
export const COVERED_RANGE = 1e18;

/** The bucket limit for an accuracy: what `COVERED_RANGE` needs (2,073 at 1%, 20,724 at 0.1%). */
export function maxBuckets(alpha: number): number {
  return Math.ceil(Math.log(COVERED_RANGE) / Math.log((1 + alpha) / (1 - alpha))) + 1;
}
/** Smaller values count as 0 (a latency below a nanosecond is a zero latency). */
export const MIN_INDEXABLE = 1e-9;

/**
 * Relative slack on `q n` so that a product that floating point puts a hair above an integer
 * (0.07 * 100 = 7.000000000000001) does not round up to the next rank.
 */
const RANK_SLACK = 1e-12;

/**
 * The cumulative weight the q-quantile's rank must reach: `q n` less a rounding hair, and at least
 * the smallest weight there is (q = 0 is the first value). `n` may be fractional (weighted counts).
 *
 * @example
 * rankTarget(0.99, 2); // ~1.98: the first value whose cumulative count reaches it is the 2nd
 */
export function rankTarget(q: number, n: number): number {
  const t = q * n;
  return t - Math.abs(t) * RANK_SLACK;
}

/**
 * The exact nearest-rank q-quantile of values sorted ascending (each with weight 1), or null when
 * empty: `sorted[ceil(q n) - 1]`, the first for q <= 0, the last for q >= 1.
 *
 * @example
 * nearestRank([0, 5], 0.99); // 5
 * nearestRank([1, 2, 3, 4], 0.5); // 2
 */
export function nearestRank(sorted: readonly number[], q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  if (q <= 0) return sorted[0]!;
  if (q >= 1) return sorted[n - 1]!;
  const rank = Math.max(1, Math.ceil(rankTarget(q, n)));
  return sorted[Math.min(n, rank) - 1]!;
}

export class DDSketch {
  readonly alpha: number;
  readonly #gamma: number;
  readonly #invLnGamma: number;
  readonly #maxBuckets: number;
  /** counts[i] is bucket (offset + i). */
  #counts: Float64Array = new Float64Array(0);
  #offset = 0;
  /** Used bucket range [lo, hi], empty when lo > hi. */
  #lo = 0;
  #hi = -1;
  zeroCount = 0;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  constructor(alpha: number) {
    this.alpha = alpha;
    this.#gamma = (1 + alpha) / (1 - alpha);
    this.#invLnGamma = 1 / Math.log(this.#gamma);
    this.#maxBuckets = maxBuckets(alpha);
  }

  /** The bucket index of v > 0. */
  index(v: number): number {
    // `| 0`: ceil of a small negative is -0, which would make equal stores compare unequal.
    return Math.ceil(Math.log(v) * this.#invLnGamma) | 0;
  }

  /** The representative value of bucket i: within relative error alpha of every value in it. */
  value(i: number): number {
    return (2 * this.#gamma ** i) / (this.#gamma + 1);
  }

  /** Adds `v` (ignored unless finite and >= 0) with weight `w`. */
  add(v: number, w = 1): void {
    if (!(v >= 0) || v === Number.POSITIVE_INFINITY) return;
    this.count += w;
    this.sum += v * w;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v < MIN_INDEXABLE) {
      this.zeroCount += w;
      return;
    }
    this.#addToBucket(this.index(v), w);
  }

  #addToBucket(i: number, w: number): void {
    if (this.#lo > this.#hi) {
      this.#ensure(i, i);
      this.#lo = i;
      this.#hi = i;
    } else if (i < this.#lo || i > this.#hi) {
      const lo = Math.min(i, this.#lo);
      const hi = Math.max(i, this.#hi);
      if (hi - lo + 1 > this.#maxBuckets) {
        this.#collapse(hi - this.#maxBuckets + 1, hi);
        if (i < this.#lo) i = this.#lo;
      }
      this.#ensure(Math.min(i, this.#lo), Math.max(i, this.#hi));
      if (i < this.#lo) this.#lo = i;
      if (i > this.#hi) this.#hi = i;
    }
    const k = i - this.#offset;
    this.#counts[k] = this.#counts[k]! + w;
  }

  /** Folds every bucket below `newLo` into `newLo`, so the range becomes [newLo, max(hi, newHi)]. */
  #collapse(newLo: number, newHi: number): void {
    if (this.#lo >= newLo) return;
    let folded = 0;
    const top = Math.min(this.#hi, newLo - 1);
    for (let i = this.#lo; i <= top; i++) {
      const k = i - this.#offset;
      folded += this.#counts[k]!;
      this.#counts[k] = 0;
    }
    this.#ensure(newLo, Math.max(newHi, this.#hi));
    const k = newLo - this.#offset;
    this.#counts[k] = this.#counts[k]! + folded;
    if (this.#hi < newLo) this.#hi = newLo;
    this.#lo = newLo;
  }

  /** Drops the store's unused slack (for a sketch that is kept but no longer added to). */
  compact(): void {
    if (this.#lo > this.#hi) {
      this.#counts = new Float64Array(0);
      return;
    }
    if (this.#counts.length === this.#hi - this.#lo + 1) return;
    this.#counts = this.#counts.slice(this.#lo - this.#offset, this.#hi - this.#offset + 1);
    this.#offset = this.#lo;
  }

  /** Makes the store cover [lo, hi], with slack so growth is amortized. */
  #ensure(lo: number, hi: number): void {
    const start = this.#offset;
    const end = start + this.#counts.length - 1;
    if (this.#counts.length > 0 && lo >= start && hi <= end) return;
    // Geometric growth: a window of few records whose latencies span hundreds of buckets would
    // otherwise copy its store every 32 buckets.
    const slack = Math.max(32, this.#counts.length >> 1);
    const newStart = Math.min(lo, this.#lo > this.#hi ? lo : this.#lo) - slack;
    const newEnd = Math.max(hi, this.#lo > this.#hi ? hi : this.#hi) + slack;
    const next = new Float64Array(newEnd - newStart + 1);
    if (this.#lo <= this.#hi) {
      next.set(
        this.#counts.subarray(this.#lo - this.#offset, this.#hi - this.#offset + 1),
        this.#lo - newStart,
      );
    }
    this.#counts = next;
    this.#offset = newStart;
  }

  /** Used buckets as [lowest index, counts]; counts is empty for an empty store. */
  buckets(): { offset: number; counts: Float64Array } {
    if (this.#lo > this.#hi) return { offset: 0, counts: new Float64Array(0) };
    return {
      offset: this.#lo,
      counts: this.#counts.slice(this.#lo - this.#offset, this.#hi - this.#offset + 1),
    };
  }

  /** Adds `counts` as buckets offset, offset + 1, ... (used by merge and deserialization). */
  addBuckets(offset: number, counts: ArrayLike<number>): void {
    // Highest first, so a collapse (if any) keeps the top of the range.
    for (let k = counts.length - 1; k >= 0; k--) {
      const c = counts[k]!;
      if (c !== 0) this.#addToBucket(offset + k, c);
    }
  }

  /**
   * The q-quantile (nearest rank, see the module comment), or null when empty.
   */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    // The extremes are kept exactly: answer them exactly.
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const target = rankTarget(q, this.count);
    // Zero-bucket values are all below MIN_INDEXABLE: the smallest of them stands for them.
    if (this.zeroCount > 0 && this.zeroCount >= target) return this.min;
    let cum = this.zeroCount;
    const counts = this.#counts;
    for (let i = this.#lo; i <= this.#hi; i++) {
      cum += counts[i - this.#offset]!;
      if (cum >= target) return Math.min(this.max, Math.max(this.min, this.value(i)));
    }
    return this.max;
  }

  /** A new sketch with both inputs' values; throws RangeError when the alphas differ. */
  static merge(a: DDSketch, b: DDSketch): DDSketch {
    return DDSketch.mergeAll([a, b]);
  }

  /**
   * A new sketch with every input's values (at least one input; equal alphas, else RangeError).
   * The store is sized once for the union of the inputs' ranges, so merging many sketches costs
   * one pass over their buckets.
   */
  static mergeAll(sketches: readonly DDSketch[]): DDSketch {
    const first = sketches[0];
    if (first === undefined) throw new RangeError('DDSketch.mergeAll needs at least one sketch');
    const out = new DDSketch(first.alpha);
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const s of sketches) {
      if (s.alpha !== first.alpha) {
        throw new RangeError(`DDSketch alphas differ (${first.alpha} and ${s.alpha})`);
      }
      if (s.#lo <= s.#hi) {
        if (s.#lo < lo) lo = s.#lo;
        if (s.#hi > hi) hi = s.#hi;
      }
    }
    // Within the bucket limit the union fits at once; past it, `addBuckets` collapses as it goes.
    if (lo <= hi && hi - lo + 1 <= out.#maxBuckets) out.#ensure(lo, hi);
    for (const s of sketches) {
      const { offset, counts } = s.buckets();
      out.addBuckets(offset, counts);
      out.zeroCount += s.zeroCount;
      out.count += s.count;
      out.sum += s.sum;
      if (s.min < out.min) out.min = s.min;
      if (s.max > out.max) out.max = s.max;
    }
    return out;
  }
}
