/**
 * Per-entry figures of a top-N list: what the requests counted for one path, client, country or
 * edge location looked like (errors, cache hits and misses, bytes, a small latency histogram),
 * carried with the entry's Space-Saving counter and merged with it.
 *
 * What they describe: the requests counted for the key while it held a counter, `n` of them. In a
 * summary that only ever added (and in merges of such), `n` is exactly `count - error`: all of the
 * key's requests when `error` is 0 (at most k distinct keys, as edges and countries usually are),
 * otherwise the ones since it last entered the list (a subset, never a guess). Cells stored before
 * per-entry figures existed carry none, so a merge with them covers less: `n` says how much.
 *
 * Bounds: per entry, 5 numbers and at most `ENTRY_LATENCY_BUCKETS` bucket counts (about 350 bytes
 * of heap at most); latency quantiles within `ENTRY_LATENCY_ALPHA` relative error (nearest rank
 * over the tracked requests, like the cell's sketch but coarser), values at or below 1 ms read as
 * 1 ms, and past `ENTRY_LATENCY_BUCKETS` buckets (a ratio of 47,000 between the fastest and the
 * slowest request) the fastest buckets collapse into one, as the cell's DDSketch does: tails matter.
 */
import { CACHE_CLASSES } from '../model/classes.js';
import { rankTarget } from './ddsketch.js';

/** Relative accuracy of per-entry latency quantiles: gamma = 1.4, so (gamma - 1) / (gamma + 1). */
export const ENTRY_LATENCY_GAMMA = 1.4;
export const ENTRY_LATENCY_ALPHA = (ENTRY_LATENCY_GAMMA - 1) / (ENTRY_LATENCY_GAMMA + 1);
/** Buckets a per-entry histogram keeps at most (1.4^32 = 47,000: 1 ms to 47 s without collapsing). */
export const ENTRY_LATENCY_BUCKETS = 32;
/** Latencies at or below this (seconds) share the lowest bucket and read as this value. */
export const ENTRY_LATENCY_MIN = 0.001;

const INV_LN_GAMMA = 1 / Math.log(ENTRY_LATENCY_GAMMA);
const HIT = CACHE_CLASSES.indexOf('hit');
const MISS = CACHE_CLASSES.indexOf('miss');

/** What a record contributes to the figures of each entry it is counted in (a `RecordView` fits). */
export interface Observation {
  readonly isError: boolean;
  /** Index into CACHE_CLASSES, -1 when unknown. */
  readonly cacheIndex: number;
  readonly bytesOut: number;
  /** The histogram bucket of `time-taken` (`latencyBucket`), -1 when absent: computed once a record. */
  readonly bucket: number;
}

/** The figures of one entry. Mutable: the list that holds it counts into it. */
export interface EntryFigures {
  /** Requests counted (weighted): the figures describe these. */
  n: number;
  errors: number;
  hits: number;
  misses: number;
  bytesOut: number;
  /** Bucket index of `counts[0]`. */
  lo: number;
  /** Latency bucket counts from `lo`, at most ENTRY_LATENCY_BUCKETS; [] when no latency was seen. */
  counts: number[];
}

/** Figures with nothing counted. */
export function emptyFigures(): EntryFigures {
  return { n: 0, errors: 0, hits: 0, misses: 0, bytesOut: 0, lo: 0, counts: [] };
}

/** Empties `f` for another entry (a summary reuses the figures of the keys a fold dropped). */
export function clearFigures(f: EntryFigures): EntryFigures {
  f.n = 0;
  f.errors = 0;
  f.hits = 0;
  f.misses = 0;
  f.bytesOut = 0;
  f.lo = 0;
  f.counts.length = 0;
  return f;
}

/** The histogram bucket of a latency in seconds, -1 when it is not one (NaN, negative, infinite). */
export function latencyBucket(seconds: number): number {
  if (!(seconds >= 0) || seconds === Number.POSITIVE_INFINITY) return -1;
  return seconds <= ENTRY_LATENCY_MIN
    ? 0
    : Math.ceil(Math.log(seconds / ENTRY_LATENCY_MIN) * INV_LN_GAMMA) | 0;
}

/** The value bucket `i` reads as: within ENTRY_LATENCY_ALPHA of every latency in it. */
export function bucketValue(i: number): number {
  return i <= 0
    ? ENTRY_LATENCY_MIN
    : (ENTRY_LATENCY_MIN * 2 * ENTRY_LATENCY_GAMMA ** i) / (ENTRY_LATENCY_GAMMA + 1);
}

/** Adds weight `w` to bucket `i`, growing the range (and collapsing its lowest buckets past the limit). */
function addToBucket(f: EntryFigures, i: number, w: number): void {
  const c = f.counts;
  if (c.length === 0) {
    f.lo = i;
    c.push(w);
    return;
  }
  if (i < f.lo) {
    // Down to `i`, or to the lowest bucket the limit keeps below the highest (it then counts `i`).
    const lo = Math.max(i, f.lo + c.length - ENTRY_LATENCY_BUCKETS);
    for (let k = lo; k < f.lo; k++) c.unshift(0);
    f.lo = lo;
    c[0]! += w;
    return;
  }
  const at = i - f.lo;
  if (at < c.length) {
    c[at]! += w;
    return;
  }
  while (c.length <= at) c.push(0);
  c[at]! += w;
  if (c.length > ENTRY_LATENCY_BUCKETS) collapseTo(f, f.lo + c.length - ENTRY_LATENCY_BUCKETS);
}

/** Folds every bucket below `floor` into bucket `floor`. */
function collapseTo(f: EntryFigures, floor: number): void {
  const c = f.counts;
  const cut = floor - f.lo;
  if (cut <= 0) return;
  let sum = 0;
  for (let k = 0; k <= cut && k < c.length; k++) sum += c[k]!;
  c.splice(0, cut);
  if (c.length === 0) c.push(sum);
  else c[0] = sum;
  f.lo = floor;
}

/** Counts one observation with weight `w` into `f`. */
export function observe(f: EntryFigures, o: Observation, w: number): void {
  f.n += w;
  if (o.isError) f.errors += w;
  const cache = o.cacheIndex;
  if (cache === HIT) f.hits += w;
  else if (cache === MISS) f.misses += w;
  f.bytesOut += o.bytesOut * w;
  if (o.bucket >= 0) addToBucket(f, o.bucket, w);
}

/** `into` += `from` (counts, histogram); `from` is unchanged. */
export function mergeFigures(into: EntryFigures, from: EntryFigures): void {
  into.n += from.n;
  into.errors += from.errors;
  into.hits += from.hits;
  into.misses += from.misses;
  into.bytesOut += from.bytesOut;
  // Highest bucket first, so a collapse (if any) keeps the top of the range.
  for (let k = from.counts.length - 1; k >= 0; k--) {
    const w = from.counts[k]!;
    if (w > 0) addToBucket(into, from.lo + k, w);
  }
}

/** A copy that shares nothing with `f`. */
export function copyFigures(f: EntryFigures): EntryFigures {
  return { ...f, counts: [...f.counts] };
}

/**
 * The q-quantile of the entry's latencies in seconds (nearest rank over the histogram, within
 * ENTRY_LATENCY_ALPHA), or null when no latency was seen.
 *
 * @example
 * figuresQuantile(f, 0.99); // 0.412
 */
export function figuresQuantile(f: EntryFigures, q: number): number | null {
  let total = 0;
  for (const w of f.counts) total += w;
  if (total <= 0) return null;
  const target = Math.max(rankTarget(q, total), Number.MIN_VALUE);
  let acc = 0;
  for (let k = 0; k < f.counts.length; k++) {
    acc += f.counts[k]!;
    if (acc >= target) return bucketValue(f.lo + k);
  }
  return bucketValue(f.lo + f.counts.length - 1);
}
