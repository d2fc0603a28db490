/**
 * The keyed hash of client addresses for distinct-client counting.
 *
 * A distinct-client sketch keeps up to 1,536 hashes per cell (its exact phase) and is stored
 * (DynamoDB, files). An unkeyed hash of an address is an address: IPv4 has 2^32 of them, so
 * anyone holding the state can hash every one and match. So the hash is SipHash-2-4 (Aumasson and
 * Bernstein's keyed PRF, 64-bit output) under a 128-bit key derived from a secret: without the
 * secret a stored hash tests no address. Same secret, same hashes: sketches merge across
 * invocations, processes and shards.
 *
 * Why SipHash and not HMAC-SHA256: it runs once per record on a short address. Measured (Node 20,
 * same process, 20,000 addresses sliced from lines as the parser gives them): SipHash-2-4 ~175 ns
 * an address, the unkeyed MurmurHash3 it replaces ~40 ns, `createHmac(...).digest()` 1.5-6 us.
 * In the line aggregator that is ~0.25 us a record (~7% of the stream-wide pipeline). No memo: a
 * bounded Map of address -> hash, tried in the pipeline benchmark, gained nothing (a lookup keyed
 * by the parser's slice costs about what hashing does). The secret is stretched into the SipHash
 * key by HMAC-SHA256 once.
 *
 * Input: the text's Latin-1 bytes (addresses are ASCII), or its UTF-16LE bytes under another key
 * when a code unit is wider (see `sipHash24`). Nothing outside this library reads the values.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { MIN_SECRET_BYTES, secretBytes, secretKeyIssues } from '../model/secret-key.js';
import { AggregatorOptionsError } from './errors.js';

/** Shortest secret accepted: 128 bits (NIST SP 800-107's floor for HMAC keys). */
export const MIN_CLIENT_KEY_BYTES = MIN_SECRET_BYTES;

/** What a secret may be: text (UTF-8) or bytes. */
export type ClientKey = string | Uint8Array;

/**
 * The key id of sketches written before keyed hashing (unkeyed MurmurHash3): such state can be read
 * and summarized, but never merged with keyed state (the same client would count twice).
 */
export const LEGACY_CLIENT_KEY_ID = 'unkeyed-murmur3';

/** Output slots of a client hasher (reused: the hot path allocates nothing). */
export interface Hash64 {
  hi: number;
  lo: number;
}

/** A keyed 64-bit hash of address text, with an id of its key. */
export interface ClientHasher {
  /**
   * Identifies the key without revealing it (the first 64 bits of HMAC-SHA256(secret, a constant)):
   * stored beside the sketch so that state hashed under another key is refused, never merged.
   * An ephemeral (random) key's id starts with `ephemeral:`.
   */
  readonly keyId: string;
  /** Hashes `text` into `out.hi`, `out.lo` (unsigned 32-bit each). */
  hash(text: string, out: Hash64): void;
}

const KEY_LABEL = 'cloudfront-realtime-logs/distinct-clients/siphash-2-4/v1';
const KEY_ID_LABEL = 'cloudfront-realtime-logs/distinct-clients/key-id/v1';
const EPHEMERAL_PREFIX = 'ephemeral:';

const keyBytes = secretBytes;

/** What is wrong with a secret (the library's one rule for keys), as issues at `path`. */
export const clientKeyIssues = secretKeyIssues;

/**
 * A hasher keyed by `secret` (at least 16 bytes; kept secret and stable where state is stored).
 *
 * @example
 * const h = createClientHasher(process.env.CFRT_HMAC_KEY!);
 * const out = { hi: 0, lo: 0 };
 * h.hash('203.0.113.7', out); // out.hi, out.lo: meaningless without the secret
 */
export function createClientHasher(secret: ClientKey): ClientHasher {
  const issues = clientKeyIssues(secret, 'clientKey');
  if (issues.length > 0) throw new AggregatorOptionsError(issues);
  const raw = keyBytes(secret);
  const k = createHmac('sha256', raw).update(KEY_LABEL).digest();
  const id = createHmac('sha256', raw).update(KEY_ID_LABEL).digest('hex').slice(0, 16);
  return hasherOf(k, id);
}

let ephemeral: ClientHasher | undefined;

/**
 * The hasher of an aggregator built without a key: a random key made once per process. Sketches
 * merge within the process; stored state hashed with it is refused by any other process (its key
 * id differs), so nothing is silently counted twice. Store state only with a configured key.
 */
export function ephemeralClientHasher(): ClientHasher {
  if (ephemeral === undefined) {
    const k = randomBytes(32);
    ephemeral = hasherOf(k, `${EPHEMERAL_PREFIX}${randomBytes(8).toString('hex')}`);
  }
  return ephemeral;
}

/** True for the key id of a per-process random key. */
export function isEphemeralKeyId(keyId: string): boolean {
  return keyId.startsWith(EPHEMERAL_PREFIX);
}

function hasherOf(k: Uint8Array, keyId: string): ClientHasher {
  const view = Buffer.from(k.buffer, k.byteOffset, k.byteLength);
  const k0lo = view.readUInt32LE(0);
  const k0hi = view.readUInt32LE(4);
  const k1lo = view.readUInt32LE(8);
  const k1hi = view.readUInt32LE(12);
  return {
    keyId,
    hash: (text, out) => sipHash24(k0hi, k0lo, k1hi, k1lo, text, out),
  };
}

/**
 * SipHash-2-4 of `text` under the key (k0, k1), 64-bit lanes as 32-bit halves. The message is the
 * text's Latin-1 bytes when every code unit is below 256 (addresses: 15 characters are 2 blocks,
 * not 4), else its UTF-16LE bytes under the key with k1's low bit flipped, so the two encodings
 * never collide. The rounds are written out with locals: a helper per round, or lanes in an array,
 * cost 2-3x (measured).
 */
export function sipHash24(
  k0hi: number,
  k0lo: number,
  k1hi: number,
  k1lo: number,
  text: string,
  out: Hash64,
): void {
  // Latin-1 first (every address); a wider code unit met on the way restarts as UTF-16 (one pass,
  // not a scan for wide units and then the hash: measured 10% of the hash's cost).
  if (!sipCore(k0hi, k0lo, k1hi, k1lo, text, out, false))
    sipCore(k0hi, k0lo, k1hi, k1lo ^ 1, text, out, true);
}

function sipCore(
  k0hi: number,
  k0lo: number,
  k1hi: number,
  k1lo: number,
  text: string,
  out: Hash64,
  wide: boolean,
): boolean {
  const n = text.length;
  // Lanes as int32 halves (`| 0`): V8 keeps them in registers; uint32 (`>>> 0`) ones above 2^31
  // become doubles, measured 2x slower. Carries compare the halves as unsigned.
  // "somepseudorandomlygeneratedbytes"
  let v0h = (k0hi ^ 0x736f6d65) | 0;
  let v0l = (k0lo ^ 0x70736575) | 0;
  let v1h = (k1hi ^ 0x646f7261) | 0;
  let v1l = (k1lo ^ 0x6e646f6d) | 0;
  let v2h = (k0hi ^ 0x6c796765) | 0;
  let v2l = (k0lo ^ 0x6e657261) | 0;
  let v3h = (k1hi ^ 0x74656462) | 0;
  let v3l = (k1lo ^ 0x79746573) | 0;
  // Code units per 8-byte block, and the message's length in bytes.
  const per = wide ? 4 : 8;
  const bytes = wide ? 2 * n : n;
  const full = n - (n % per);
  let mh = 0;
  let ml = 0;
  let t = 0;
  let lo = 0;
  // Full blocks, then the tail block with the byte length (mod 256) in the top byte.
  for (let i = 0; i <= full; i += per) {
    const end = i < full ? i + per : n;
    ml = 0;
    mh = 0;
    if (wide) {
      for (let j = i; j < end; j++) {
        const c = text.charCodeAt(j);
        const at = (j - i) * 16;
        if (at < 32) ml |= c << at;
        else mh |= c << (at - 32);
      }
    } else if (end - i === 8) {
      const c0 = text.charCodeAt(i);
      const c1 = text.charCodeAt(i + 1);
      const c2 = text.charCodeAt(i + 2);
      const c3 = text.charCodeAt(i + 3);
      const c4 = text.charCodeAt(i + 4);
      const c5 = text.charCodeAt(i + 5);
      const c6 = text.charCodeAt(i + 6);
      const c7 = text.charCodeAt(i + 7);
      if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7) > 0xff) return false;
      ml = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
      mh = c4 | (c5 << 8) | (c6 << 16) | (c7 << 24);
    } else {
      for (let j = i; j < end; j++) {
        const c = text.charCodeAt(j);
        if (c > 0xff) return false;
        const at = (j - i) * 8;
        if (at < 32) ml |= c << at;
        else mh |= c << (at - 32);
      }
    }
    if (i === full) mh |= (bytes & 0xff) << 24;
    v3h = (v3h ^ mh) | 0;
    v3l = (v3l ^ ml) | 0;
    for (let c = 0; c < 2; c++) {
      // v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32)
      lo = (v0l + v1l) | 0;
      v0h = (v0h + v1h + (lo >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
      v0l = lo;
      t = (v1h << 13) | (v1l >>> 19) | 0;
      v1l = (v1l << 13) | (v1h >>> 19) | 0;
      v1h = (t ^ v0h) | 0;
      v1l = (v1l ^ v0l) | 0;
      t = v0h;
      v0h = v0l;
      v0l = t;
      // v2 += v3; v3 = rotl(v3, 16); v3 ^= v2
      lo = (v2l + v3l) | 0;
      v2h = (v2h + v3h + (lo >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
      v2l = lo;
      t = (v3h << 16) | (v3l >>> 16) | 0;
      v3l = (v3l << 16) | (v3h >>> 16) | 0;
      v3h = (t ^ v2h) | 0;
      v3l = (v3l ^ v2l) | 0;
      // v0 += v3; v3 = rotl(v3, 21); v3 ^= v0
      lo = (v0l + v3l) | 0;
      v0h = (v0h + v3h + (lo >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
      v0l = lo;
      t = (v3h << 21) | (v3l >>> 11) | 0;
      v3l = (v3l << 21) | (v3h >>> 11) | 0;
      v3h = (t ^ v0h) | 0;
      v3l = (v3l ^ v0l) | 0;
      // v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32)
      lo = (v2l + v1l) | 0;
      v2h = (v2h + v1h + (lo >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
      v2l = lo;
      t = (v1h << 17) | (v1l >>> 15) | 0;
      v1l = (v1l << 17) | (v1h >>> 15) | 0;
      v1h = (t ^ v2h) | 0;
      v1l = (v1l ^ v2l) | 0;
      t = v2h;
      v2h = v2l;
      v2l = t;
    }
    v0h = (v0h ^ mh) | 0;
    v0l = (v0l ^ ml) | 0;
  }
  v2l = (v2l ^ 0xff) | 0;
  // The same SipRound as above, written out again rather than called: a function would have to
  // return eight lanes (an object per round), and the lanes stay in registers only as locals.
  for (let c = 0; c < 4; c++) {
    lo = (v0l + v1l) | 0;
    v0h = (v0h + v1h + (lo >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = lo;
    t = (v1h << 13) | (v1l >>> 19) | 0;
    v1l = (v1l << 13) | (v1h >>> 19) | 0;
    v1h = (t ^ v0h) | 0;
    v1l = (v1l ^ v0l) | 0;
    t = v0h;
    v0h = v0l;
    v0l = t;
    lo = (v2l + v3l) | 0;
    v2h = (v2h + v3h + (lo >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = lo;
    t = (v3h << 16) | (v3l >>> 16) | 0;
    v3l = (v3l << 16) | (v3h >>> 16) | 0;
    v3h = (t ^ v2h) | 0;
    v3l = (v3l ^ v2l) | 0;
    lo = (v0l + v3l) | 0;
    v0h = (v0h + v3h + (lo >>> 0 < v0l >>> 0 ? 1 : 0)) | 0;
    v0l = lo;
    t = (v3h << 21) | (v3l >>> 11) | 0;
    v3l = (v3l << 21) | (v3h >>> 11) | 0;
    v3h = (t ^ v0h) | 0;
    v3l = (v3l ^ v0l) | 0;
    lo = (v2l + v1l) | 0;
    v2h = (v2h + v1h + (lo >>> 0 < v2l >>> 0 ? 1 : 0)) | 0;
    v2l = lo;
    t = (v1h << 17) | (v1l >>> 15) | 0;
    v1l = (v1l << 17) | (v1h >>> 15) | 0;
    v1h = (t ^ v2h) | 0;
    v1l = (v1l ^ v2l) | 0;
    t = v2h;
    v2h = v2l;
    v2l = t;
  }
  out.hi = (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
  out.lo = (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
  return true;
}
