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

import { detach } from './detach.js';

/** One counter: a key, its (over-)estimated count and the bound on the overestimate. */
export interface Counter {
  readonly key: string;
  readonly count: number;
  readonly error: number;
}

/** A heap slot; `pos` is its index in the heap, so an update needs no second lookup. */
interface Entry {
  key: string;
  count: number;
  error: number;
  pos: number;
}

export class SpaceSaving {
  readonly capacity: number;
  /** Min-heap by count. */
  #heap: Entry[] = [];
  #byKey = new Map<string, Entry>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#heap.length;
  }

  /** The bound on the count of any key not held: the minimum counter when full, else 0. */
  get floor(): number {
    return this.#heap.length === this.capacity ? this.#heap[0]!.count : 0;
  }

  /** Counts `key` with weight `w` (> 0). */
  add(key: string, w = 1): void {
    const e = this.#byKey.get(key);
    if (e !== undefined) {
      e.count += w;
      this.#down(e);
      return;
    }
    const heap = this.#heap;
    key = detach(key);
    if (heap.length < this.capacity) {
      const entry: Entry = { key, count: w, error: 0, pos: heap.length };
      heap.push(entry);
      this.#byKey.set(key, entry);
      this.#up(entry);
      return;
    }
    // Full: the new key takes over the minimum counter and inherits its count as error. The entry
    // is reused: with a long tail of keys most adds are evictions, and allocating showed up as GC.
    const min = heap[0]!;
    this.#byKey.delete(min.key);
    min.key = key;
    min.error = min.count;
    min.count += w;
    this.#byKey.set(key, min);
    this.#down(min);
  }

  #up(e: Entry): void {
    const heap = this.#heap;
    let i = e.pos;
    while (i > 0) {
      const parentIndex = (i - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (parent.count <= e.count) break;
      heap[i] = parent;
      parent.pos = i;
      i = parentIndex;
    }
    heap[i] = e;
    e.pos = i;
  }

  #down(e: Entry): void {
    const heap = this.#heap;
    const n = heap.length;
    let i = e.pos;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = heap[l]!;
      let ci = l;
      if (r < n && heap[r]!.count < child.count) {
        child = heap[r]!;
        ci = r;
      }
      if (e.count <= child.count) break;
      heap[i] = child;
      child.pos = i;
      i = ci;
    }
    heap[i] = e;
    e.pos = i;
  }

  /** Every counter, largest count first, ties by key (a canonical order). */
  counters(): Counter[] {
    const out: Counter[] = this.#heap.map((e) => ({ key: e.key, count: e.count, error: e.error }));
    out.sort(compareCounters);
    return out;
  }

  /** Rebuilds a summary from counters (e.g. deserialized); keeps the `capacity` largest. */
  static from(capacity: number, counters: readonly Counter[]): SpaceSaving {
    const s = new SpaceSaving(capacity);
    const sorted = [...counters].sort(compareCounters).slice(0, capacity);
    for (const c of sorted) {
      const entry: Entry = { key: c.key, count: c.count, error: c.error, pos: s.#heap.length };
      s.#heap.push(entry);
      s.#byKey.set(c.key, entry);
      s.#up(entry);
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
    const counters: Counter[] = [];
    for (const x of a.#heap) {
      const y = b.#byKey.get(x.key);
      counters.push(
        y === undefined
          ? { key: x.key, count: x.count + fb, error: x.error + fb }
          : { key: x.key, count: x.count + y.count, error: x.error + y.error },
      );
    }
    for (const y of b.#heap) {
      if (!a.#byKey.has(y.key)) counters.push({ key: y.key, count: fa + y.count, error: fa + y.error });
    }
    return SpaceSaving.from(capacity, counters);
  }
}

function compareCounters(x: Counter, y: Counter): number {
  return y.count - x.count || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0);
}
