/**
 * Space-Saving heavy hitters (Metwally, Agrawal, El Abbadi, "Efficient computation of frequent and
 * top-k elements in data streams", 2005) with the mergeable-summary merge of Cafaro et al.
 * ("A parallel space saving algorithm for frequent items", 2016).
 *
 * With k counters and n (weighted) items: every key whose true count exceeds n / k is present;
 * each reported count overestimates the true count by at most its `error` <= min counter <= n / k;
 * when at most k distinct keys were seen, counts are exact (error 0).
 *
 * Counters live in an indexed binary min-heap (a Map from key to heap slot): an update is a Map
 * lookup plus a sift, O(log k); evicting the minimum is O(log k) instead of a scan of k counters.
 */

/** One counter: a key, its (over-)estimated count and the bound on the overestimate. */
export interface Counter {
  readonly key: string;
  readonly count: number;
  readonly error: number;
}

export class SpaceSaving {
  readonly capacity: number;
  #keys: string[] = [];
  #counts: number[] = [];
  #errors: number[] = [];
  #slot = new Map<string, number>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#keys.length;
  }

  /** The bound on the count of any key not held: the minimum counter when full, else 0. */
  get floor(): number {
    return this.#keys.length === this.capacity ? this.#counts[0]! : 0;
  }

  /** Counts `key` with weight `w` (> 0). */
  add(key: string, w = 1): void {
    const slot = this.#slot.get(key);
    if (slot !== undefined) {
      this.#counts[slot]! += w;
      this.#down(slot);
      return;
    }
    const n = this.#keys.length;
    if (n < this.capacity) {
      this.#keys.push(key);
      this.#counts.push(w);
      this.#errors.push(0);
      this.#slot.set(key, n);
      this.#up(n);
      return;
    }
    // Full: the new key takes over the minimum counter and inherits its count as error.
    const min = this.#counts[0]!;
    this.#slot.delete(this.#keys[0]!);
    this.#keys[0] = key;
    this.#counts[0] = min + w;
    this.#errors[0] = min;
    this.#slot.set(key, 0);
    this.#down(0);
  }

  #swap(i: number, j: number): void {
    const keys = this.#keys;
    const counts = this.#counts;
    const errors = this.#errors;
    const k = keys[i]!;
    keys[i] = keys[j]!;
    keys[j] = k;
    const c = counts[i]!;
    counts[i] = counts[j]!;
    counts[j] = c;
    const e = errors[i]!;
    errors[i] = errors[j]!;
    errors[j] = e;
    this.#slot.set(keys[i]!, i);
    this.#slot.set(keys[j]!, j);
  }

  #up(i: number): void {
    const counts = this.#counts;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (counts[parent]! <= counts[i]!) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const counts = this.#counts;
    const n = counts.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const child = r < n && counts[r]! < counts[l]! ? r : l;
      if (counts[i]! <= counts[child]!) return;
      this.#swap(i, child);
      i = child;
    }
  }

  /** Every counter, largest count first, ties by key (a canonical order). */
  counters(): Counter[] {
    const out: Counter[] = this.#keys.map((key, i) => ({
      key,
      count: this.#counts[i]!,
      error: this.#errors[i]!,
    }));
    out.sort(compareCounters);
    return out;
  }

  /** Rebuilds a summary from counters (e.g. deserialized); keeps the `capacity` largest. */
  static from(capacity: number, counters: readonly Counter[]): SpaceSaving {
    const s = new SpaceSaving(capacity);
    const sorted = [...counters].sort(compareCounters).slice(0, capacity);
    // Largest first into a min-heap: insert from the end so the heap is built bottom-up cheaply.
    for (const c of sorted) {
      const n = s.#keys.length;
      s.#keys.push(c.key);
      s.#counts.push(c.count);
      s.#errors.push(c.error);
      s.#slot.set(c.key, n);
      s.#up(n);
    }
    return s;
  }

  /**
   * Merges two summaries into a new one with min(capacity) counters: a key missing from a full
   * summary may have had up to that summary's `floor` occurrences, so the floor is added to its
   * count and error; then the largest counters are kept.
   */
  static merge(a: SpaceSaving, b: SpaceSaving): SpaceSaving {
    const capacity = Math.min(a.capacity, b.capacity);
    const fa = a.floor;
    const fb = b.floor;
    const merged = new Map<string, { count: number; error: number }>();
    for (const [key, i] of a.#slot) {
      merged.set(key, { count: a.#counts[i]! + fb, error: a.#errors[i]! + fb });
    }
    for (const [key, i] of b.#slot) {
      const m = merged.get(key);
      if (m === undefined) merged.set(key, { count: fa + b.#counts[i]!, error: fa + b.#errors[i]! });
      else {
        // Present in both: replace the assumed floor of b by b's own counter.
        m.count = a.#counts[a.#slot.get(key)!]! + b.#counts[i]!;
        m.error = a.#errors[a.#slot.get(key)!]! + b.#errors[i]!;
      }
    }
    const counters: Counter[] = [];
    for (const [key, m] of merged) counters.push({ key, count: m.count, error: m.error });
    return SpaceSaving.from(capacity, counters);
  }
}

function compareCounters(x: Counter, y: Counter): number {
  return y.count - x.count || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
}
