/**
 * Space-Saving heavy hitters (Metwally, Agrawal, El Abbadi, "Efficient computation of frequent and
 * top-k elements in data streams", 2005) with the mergeable-summary merge of Cafaro et al.
 * ("A parallel space saving algorithm for frequent items", 2016).
 *
 * With k counters and n (weighted) items: every key whose true count exceeds n / k is present;
 * each reported count overestimates the true count by at most its `error` <= min counter <= n / k;
 * when at most k distinct keys were seen, counts are exact (error 0).
 *
 * Folded in batches rather than evicting on every new key (an indexed heap did that: a sift and
 * two more Map operations per record on a long-tailed list). One Map holds the k counters left by
 * the last fold, counted on in place, plus the keys added since; a new key starts with the last
 * fold's minimum counter as count and error. The Map is then exactly Cafaro's merge of the folded
 * summary with exact counts of what came since, before truncation, so the bounds above hold for
 * its k largest counters; a fold, when the Map reaches (1 + FOLD_SLACK) x k keys, keeps those.
 * Reads never fold: they see the k largest counters, what a fold would keep, so what a reader sees
 * (counters, floor, size, merges, serialized cells) depends only on the adds, never on when or how
 * often it was read.
 */

import {
  clearFigures,
  copyFigures,
  type EntryFigures,
  emptyFigures,
  mergeFigures,
  type Observation,
  observe,
} from './entry-figures.js';
import { flatCopy } from './flat-copy.js';
import { kthLargest } from './kth-largest.js';

/** One counter: a key, its (over-)estimated count and the bound on the overestimate. */
export interface Counter {
  readonly key: string;
  readonly count: number;
  readonly error: number;
  /** The entry's figures, when its list keeps them (see entry-figures.ts); read-only to readers. */
  readonly figures?: EntryFigures | undefined;
}

/**
 * Keys a summary holds between folds, per counter, beyond its k: 3 took 20% off the top-N lists'
 * time (20,000 CloudFront records, k = 100) where 1 took 15% and 5 took 22% for 50% more keys.
 */
export const FOLD_SLACK = 3;

/**
 * Counters live in parallel arrays indexed by slot (key, count, error, figures), and the Map only
 * finds a key's slot: a new key costs a Map entry and three array writes, no object. Measured on
 * 4 dimension sets: the entry objects this replaces (one per new key, most of them dropped by the
 * next fold after surviving a scavenge or two) were most of the pipeline's garbage collection.
 * Slots are assigned in the order keys came and a fold keeps its survivors in that order, so slot
 * order is the order of adds (ties between equal counts go by age, as before).
 */
export class SpaceSaving {
  readonly capacity: number;
  /** Key -> slot, for the last fold's k counters (updated in place) and the keys added since. */
  #slot = new Map<string, number>();
  /** By slot: the key, its count and error (plain arrays of numbers stay unboxed doubles). */
  #keys: string[] = [];
  #counts: number[] = [];
  #errors: number[] = [];
  /** By slot, per-entry figures (made by the first observation); null until a list passes one. */
  #figs: (EntryFigures | null)[] | null = null;
  /**
   * Slots in use. The arrays are not cut back at a fold: past `#n` they hold what the next keys
   * overwrite, so after the first fill the arrays never grow again (cutting them made every fold
   * reallocate four arrays three times over as the keys came back). `compact` cuts them.
   */
  #n = 0;
  /**
   * Figures of keys the last folds dropped, emptied and handed to the next new keys: a list with
   * per-entry figures otherwise made one object per new key, most of them garbage at the next
   * fold after surviving a scavenge or two. At most `#limit` of them; `compact` lets them go.
   */
  #spare: EntryFigures[] = [];
  /** Map size at which `add` folds. */
  readonly #limit: number;
  /** Bound on the count of a key not in the Map: the last fold's minimum counter, else 0. */
  #base = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#limit = capacity * (1 + FOLD_SLACK);
  }

  /** Counters held (at most `capacity`). */
  get size(): number {
    return Math.min(this.#n, this.capacity);
  }

  /** Keys held, counters and keys added since the last fold: at most (1 + FOLD_SLACK) x capacity. */
  get heldKeys(): number {
    return this.#n;
  }

  /** The bound on the count of any key not held: the minimum counter when full, else 0. */
  get floor(): number {
    return this.#n >= this.capacity ? thresholdOf(this.#counts, this.#n, this.capacity) : 0;
  }

  /**
   * Counts `key` with weight `w` (> 0). Returns the equal string the summary holds for it (a flat
   * copy that references nothing else): passing that to `addHeld` of another summary, or looking it
   * up again, skips the copy and compares faster than the sliced string a parser produced.
   */
  add(key: string, w = 1, o?: Observation): string {
    const i = this.#slot.get(key);
    if (i !== undefined) {
      this.#counts[i]! += w;
      if (o !== undefined) this.#observe(i, o, w);
      return this.#keys[i]!;
    }
    return this.#insert(flatCopy(key), w, o);
  }

  /** As `add`, for a string some summary's `add` returned (already a flat copy of its own). */
  addHeld(key: string, w = 1, o?: Observation): string {
    const i = this.#slot.get(key);
    if (i !== undefined) {
      this.#counts[i]! += w;
      if (o !== undefined) this.#observe(i, o, w);
      return this.#keys[i]!;
    }
    return this.#insert(key, w, o);
  }

  #observe(i: number, o: Observation, w: number): void {
    let figs = this.#figs;
    if (figs === null) {
      figs = new Array<EntryFigures | null>(this.#keys.length).fill(null);
      this.#figs = figs;
    }
    let f = figs[i]!;
    if (f === null) {
      const spare = this.#spare.pop();
      f = spare === undefined ? emptyFigures() : clearFigures(spare);
      figs[i] = f;
    }
    observe(f, o, w);
  }

  #insert(key: string, w: number, o: Observation | undefined): string {
    if (this.#n >= this.#limit) this.#fold();
    const base = this.#base;
    const i = this.#n++;
    // In bounds, or one past the end (an append): the arrays stay packed.
    this.#keys[i] = key;
    this.#counts[i] = base + w;
    this.#errors[i] = base;
    if (this.#figs !== null) this.#figs[i] = null;
    this.#slot.set(key, i);
    if (o !== undefined) this.#observe(i, o, w);
    return key;
  }

  /**
   * Drops the keys a fold would drop (for a summary that is kept but no longer added to): what
   * reads see is unchanged, since they already see only the `capacity` largest counters.
   */
  compact(): void {
    if (this.#n > this.capacity) this.#fold();
    // Kept, no longer added to: the arrays need no room for more keys.
    const n = this.#n;
    this.#keys.length = n;
    this.#counts.length = n;
    this.#errors.length = n;
    if (this.#figs !== null) this.#figs.length = n;
    this.#spare = [];
  }

  /** Forgets every entry's figures (counts and bounds unchanged), for a summary kept only for them. */
  dropFigures(): void {
    this.#figs = null;
    this.#spare = [];
  }

  /** Keeps the `capacity` largest counters, in slot order; the smallest kept becomes the base of new keys. */
  #fold(): void {
    const kept = this.#kept();
    const keys = this.#keys;
    const counts = this.#counts;
    const errors = this.#errors;
    const figs = this.#figs;
    const slot = new Map<string, number>();
    let base = Number.POSITIVE_INFINITY;
    if (figs !== null) {
      // The dropped keys' figures, for the next new keys (kept is increasing: a merge walk).
      const spare = this.#spare;
      let next = 0;
      for (let i = 0; i < this.#n; i++) {
        if (next < kept.length && kept[next] === i) next++;
        else {
          const f = figs[i]!;
          if (f !== null && spare.length < this.#limit) spare.push(f);
        }
      }
    }
    // kept is increasing, so each survivor moves down (or stays): compaction in place.
    for (let j = 0; j < kept.length; j++) {
      const i = kept[j]!;
      const c = counts[i]!;
      keys[j] = keys[i]!;
      counts[j] = c;
      errors[j] = errors[i]!;
      if (figs !== null) figs[j] = figs[i]!;
      slot.set(keys[j]!, j);
      if (c < base) base = c;
    }
    // The dropped keys past the survivors are overwritten by the next ones; their figures are
    // let go now (they may be large).
    if (figs !== null) for (let i = kept.length; i < this.#n; i++) figs[i] = null;
    this.#n = kept.length;
    this.#slot = slot;
    // A fold runs only past capacity, so it keeps exactly `capacity` counters: the floor is the least.
    this.#base = base;
  }

  /**
   * The slots of the `capacity` largest counters, in slot order: those above the `capacity`-th
   * largest count, then the first (oldest) of those equal to it. Ties go by age, not key: comparing
   * keys made the fold cost more than the evictions it replaces (measured); any choice among equal
   * counts keeps the bounds, and slot order depends only on the adds.
   */
  #kept(): number[] {
    const counts = this.#counts;
    const k = this.capacity;
    const n = this.#n;
    const out: number[] = [];
    if (n <= k) {
      for (let i = 0; i < n; i++) out.push(i);
      return out;
    }
    const t = thresholdOf(counts, n, k);
    let above = 0;
    for (let i = 0; i < n; i++) if (counts[i]! > t) above++;
    let ties = k - above;
    for (let i = 0; i < n; i++) {
      const c = counts[i]!;
      if (c > t) out.push(i);
      else if (c === t && ties > 0) {
        out.push(i);
        ties--;
      }
    }
    return out;
  }

  /** Every counter, largest count first, ties by key (a canonical order). */
  counters(): Counter[] {
    const figs = this.#figs;
    const out: Counter[] = this.#kept().map((i) => {
      const key = this.#keys[i]!;
      const count = this.#counts[i]!;
      const error = this.#errors[i]!;
      const f = figs === null ? null : figs[i]!;
      return f === null ? { key, count, error } : { key, count, error, figures: f };
    });
    out.sort(compareCounters);
    return out;
  }

  /** Rebuilds a summary from counters (e.g. deserialized); keeps the `capacity` largest. */
  static from(capacity: number, counters: readonly Counter[]): SpaceSaving {
    const s = new SpaceSaving(capacity);
    let candidates = counters;
    if (counters.length > 2 * capacity) {
      // Only counters at or above the capacity-th largest count can be kept: sort just those.
      const counts = new Float64Array(counters.length);
      for (let i = 0; i < counters.length; i++) counts[i] = counters[i]!.count;
      const threshold = kthLargest(counts, counts.length, capacity);
      candidates = counters.filter((c) => c.count >= threshold);
    }
    const sorted = [...candidates].sort(compareCounters).slice(0, capacity);
    for (const c of sorted) {
      const i = s.#n++;
      s.#keys.push(c.key);
      s.#counts.push(c.count);
      s.#errors.push(c.error);
      s.#slot.set(c.key, i);
      if (c.figures !== undefined) {
        if (s.#figs === null) s.#figs = new Array<EntryFigures | null>(i).fill(null);
        s.#figs.push(copyFigures(c.figures));
      } else s.#figs?.push(null);
    }
    s.#base = sorted.length === capacity ? sorted[sorted.length - 1]!.count : 0;
    return s;
  }

  /**
   * Merges two summaries into a new one with min(capacity) counters: a key missing from a full
   * summary may have had up to that summary's `floor` occurrences, so the floor is added to its
   * count and error; then the largest counters are kept.
   */
  static merge(a: SpaceSaving, b: SpaceSaving): SpaceSaving {
    return SpaceSaving.mergeAll([a, b]);
  }

  /**
   * Merges any number of summaries at once (the same rule as `merge`, generalized: a key missing
   * from a full summary may have had up to that summary's floor): one pass over their counters,
   * however many there are, and the result does not depend on their order. A key's error is at
   * most the sum of the floors, so the n / k bound holds for the total n.
   */
  static mergeAll(summaries: readonly SpaceSaving[]): SpaceSaving {
    let capacity = Number.POSITIVE_INFINITY;
    let floors = 0;
    for (const s of summaries) {
      if (s.capacity < capacity) capacity = s.capacity;
      floors += s.floor;
    }
    if (summaries.length === 0) throw new RangeError('SpaceSaving.mergeAll needs at least one summary');
    // Per key: the sum over the summaries that hold it of (count - floor); the floors of the
    // others are then added back as sum(floors) - sum(own floors).
    const acc = new Map<string, { count: number; error: number; f: EntryFigures | null }>();
    for (const s of summaries) {
      const f = s.floor;
      const figs = s.#figs;
      for (const i of s.#kept()) {
        const key = s.#keys[i]!;
        const ef = figs === null ? null : figs[i]!;
        const seen = acc.get(key);
        if (seen === undefined) {
          const figures = ef === null ? null : copyFigures(ef);
          acc.set(key, { count: s.#counts[i]! - f, error: s.#errors[i]! - f, f: figures });
        } else {
          seen.count += s.#counts[i]! - f;
          seen.error += s.#errors[i]! - f;
          if (ef !== null) {
            if (seen.f === null) seen.f = copyFigures(ef);
            else mergeFigures(seen.f, ef);
          }
        }
      }
    }
    const counters: Counter[] = [];
    for (const [key, e] of acc) {
      const c = { key, count: e.count + floors, error: e.error + floors };
      counters.push(e.f === null ? c : { ...c, figures: e.f });
    }
    return SpaceSaving.from(capacity, counters);
  }
}

function compareCounters(x: Counter, y: Counter): number {
  return y.count - x.count || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
}

/** Scratch for `thresholdOf`, grown to the most keys seen (at most (1 + FOLD_SLACK) x MAX_TOP_K). */
let scratch = new Float64Array(0);

/** The `k`-th largest of the first `n` of `counts` (1 <= k <= n); `counts` is left as it was. */
function thresholdOf(counts: readonly number[], n: number, k: number): number {
  if (scratch.length < n) scratch = new Float64Array(n);
  for (let i = 0; i < n; i++) scratch[i] = counts[i]!;
  return kthLargest(scratch, n, k);
}
