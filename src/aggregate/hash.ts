/**
 * Not for addresses: client addresses are hashed under a secret key (client-key.ts), since an
 * unkeyed hash of an address can be tested by hashing every address. This is the hash state was
 * written with before that (key id `unkeyed-murmur3`), kept for tests of the sketch and of that.
 *
 * A 64-bit non-cryptographic string hash for HyperLogLog: MurmurHash3's 32-bit mixing run as two
 * lanes with different seeds over the string's UTF-16 code units (two per 32-bit block), giving a
 * `[hi, lo]` pair. Why this and not a crypto hash: it runs once per record on a short address, so it
 * must cost nanoseconds; MurmurHash3's avalanche is what HyperLogLog needs. Code units rather than
 * UTF-8 bytes because addresses are ASCII and encoding would cost more than hashing; the values are
 * therefore not comparable with other libraries' MurmurHash3 (nothing outside this library reads them).
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
/** Two arbitrary odd seeds: the lanes must differ so the 64 bits are not two copies of 32. */
const SEED_HI = 0x9747b28c;
const SEED_LO = 0x5bd1e995;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The second lane's blocks are rotated so the lanes disagree on structure, not only on the seed. */
function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Output slots of `hash64` (reused: the hot path allocates nothing). */
export interface Hash64 {
  hi: number;
  lo: number;
}

/**
 * Hashes `text` into `out.hi`, `out.lo` (unsigned 32-bit each).
 *
 * @example
 * const h = { hi: 0, lo: 0 };
 * hash64('203.0.113.7', h); // h.hi, h.lo
 */
export function hash64(text: string, out: Hash64): void {
  let h1 = SEED_HI;
  let h2 = SEED_LO;
  const n = text.length;
  const even = n & ~1;
  for (let i = 0; i < even; i += 2) {
    const k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    h1 = mixBlock(h1, k);
    h2 = mixBlock(h2, (k << 8) | (k >>> 24));
  }
  if (n !== even) {
    let k = text.charCodeAt(even);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h1 ^= k;
    h2 ^= (k << 8) | (k >>> 24);
  }
  h1 ^= n;
  h2 ^= n;
  out.hi = fmix(h1);
  out.lo = fmix(h2 ^ out.hi);
}
