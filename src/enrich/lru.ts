/**
 * A bounded cache that keeps recently used entries: two generations of at most `capacity / 2`
 * entries each. A hit in the old generation promotes the entry; when the young generation is
 * full, the old one is dropped whole. This approximates LRU (hashlru's scheme) with a plain
 * `Map.get` on the hot path, where a strict LRU pays a delete and a re-insert on every hit.
 */

/** Hit and miss counts of a cache, for sizing it. */
export interface CacheStats {
  readonly capacity: number;
  readonly size: number;
  readonly hits: number;
  readonly misses: number;
}

/** A bounded key-value cache. */
export interface BoundedCache<K, V> {
  /** The cached value, or `undefined`. */
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  /** The cached value, computing and caching it on a miss. */
  getOrCompute(key: K, compute: (key: K) => V): V;
  stats(): CacheStats;
}

/**
 * A cache of at most `capacity` entries (2 for a capacity of 1; 0 disables caching: every call computes).
 *
 * @example
 * const cache = createBoundedCache<string, number>(1000);
 * cache.getOrCompute('a', (k) => k.length); // 1, computed
 * cache.getOrCompute('a', (k) => k.length); // 1, cached
 */
export function createBoundedCache<K, V>(
  capacity: number,
  /**
   * Makes the key the cache keeps from the key it was asked with (`flatCopy` for strings cut from
   * a log line, so that no cached entry keeps its line alive); the key itself by default.
   */
  keep: (key: K) => K = (key) => key,
): BoundedCache<K, V> {
  const half = Math.max(1, Math.floor(capacity / 2));
  let young = new Map<K, V>();
  let old = new Map<K, V>();
  let hits = 0;
  let misses = 0;

  function set(key: K, value: V): void {
    if (capacity === 0) return;
    if (young.size >= half) {
      old = young;
      young = new Map();
    }
    young.set(key, value);
  }

  function get(key: K): V | undefined {
    const y = young.get(key);
    if (y !== undefined) return y;
    const o = old.get(key);
    if (o !== undefined) {
      old.delete(key);
      set(keep(key), o);
    }
    return o;
  }

  return {
    get,
    set,
    getOrCompute(key, compute) {
      const cached = get(key);
      if (cached !== undefined) {
        hits++;
        return cached;
      }
      misses++;
      const value = compute(key);
      set(keep(key), value);
      return value;
    },
    stats() {
      return { capacity, size: young.size + old.size, hits, misses };
    },
  };
}
