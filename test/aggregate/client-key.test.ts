import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createClientHasher,
  ephemeralClientHasher,
  isEphemeralKeyId,
  sipHash24,
} from '../../src/aggregate/client-key.js';
import { AggregatorOptionsError } from '../../src/aggregate/errors.js';

const M = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint) => ((x << b) | (x >> (64n - b))) & M;

/** SipHash-2-4 over bytes, written from the paper with BigInt: the oracle of the fast version. */
function reference(k0: bigint, k1: bigint, bytes: readonly number[]): bigint {
  let v0 = k0 ^ 0x736f6d6570736575n;
  let v1 = k1 ^ 0x646f72616e646f6dn;
  let v2 = k0 ^ 0x6c7967656e657261n;
  let v3 = k1 ^ 0x7465646279746573n;
  const round = () => {
    v0 = (v0 + v1) & M;
    v1 = rotl(v1, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & M;
    v3 = rotl(v3, 16n) ^ v2;
    v0 = (v0 + v3) & M;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & M;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
  };
  const n = bytes.length;
  const full = n - (n % 8);
  for (let i = 0; i <= full; i += 8) {
    let m = 0n;
    if (i < full) for (let j = 7; j >= 0; j--) m = (m << 8n) | BigInt(bytes[i + j]!);
    else {
      m = BigInt(n & 0xff) << 56n;
      for (let j = 0; j < n - full; j++) m |= BigInt(bytes[i + j]!) << BigInt(8 * j);
    }
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  v2 ^= 0xffn;
  for (let r = 0; r < 4; r++) round();
  return v0 ^ v1 ^ v2 ^ v3;
}

const K0 = 0x0706050403020100n;
const K1 = 0x0f0e0d0c0b0a0908n;
const halves = (k: bigint) => [Number(k >> 32n), Number(k & 0xffffffffn)] as const;

function fast(k0: bigint, k1: bigint, text: string): bigint {
  const out = { hi: 0, lo: 0 };
  sipHash24(...halves(k0), ...halves(k1), text, out);
  return (BigInt(out.hi) << 32n) | BigInt(out.lo);
}

describe('client key (keyed hash of client addresses)', () => {
  it('the oracle gives the SipHash-2-4 paper vectors (key 00..0f; messages of 0 and 15 bytes)', () => {
    expect(reference(K0, K1, []).toString(16)).toBe('726fdb47dd0e0e31');
    expect(reference(K0, K1, [...Array(15).keys()]).toString(16)).toBe('a129ca6149be45e5');
  });

  it('is SipHash-2-4 of the Latin-1 bytes of text below U+0100, any key and length', () => {
    expect(fast(K0, K1, String.fromCharCode(...Array(15).keys())).toString(16)).toBe('a129ca6149be45e5');
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: M }),
        fc.bigInt({ min: 0n, max: M }),
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }),
        (k0, k1, bytes) => {
          expect(fast(k0, k1, String.fromCharCode(...bytes))).toBe(reference(k0, k1, bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('is SipHash-2-4 of the UTF-16LE bytes under k1 ^ 1 for wider text (the encodings never collide)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: M }),
        fc.bigInt({ min: 0n, max: M }),
        fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 30 }),
        (k0, k1, units) => {
          const text = `${String.fromCharCode(...units)}\u0100`;
          const bytes = text.split('').flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8]);
          expect(fast(k0, k1, text)).toBe(reference(k0, k1 ^ 1n, bytes));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('same secret, same hashes (state merges across processes); another secret, other hashes and key id', () => {
    const a = createClientHasher('a-secret-of-at-least-16-bytes');
    const b = createClientHasher(Buffer.from('a-secret-of-at-least-16-bytes'));
    const c = createClientHasher('another-secret-of-16-bytes');
    const ha = { hi: 0, lo: 0 };
    const hb = { hi: 0, lo: 0 };
    const hc = { hi: 0, lo: 0 };
    a.hash('203.0.113.7', ha);
    b.hash('203.0.113.7', hb);
    c.hash('203.0.113.7', hc);
    expect(hb).toEqual(ha);
    expect(hc).not.toEqual(ha);
    expect(a.keyId).toBe(b.keyId);
    expect(a.keyId).not.toBe(c.keyId);
    expect(a.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(isEphemeralKeyId(a.keyId)).toBe(false);
  });

  it('without a key: one random key per process, marked ephemeral', () => {
    expect(ephemeralClientHasher()).toBe(ephemeralClientHasher());
    expect(isEphemeralKeyId(ephemeralClientHasher().keyId)).toBe(true);
  });

  it('refuses a secret shorter than 16 bytes', () => {
    expect(() => createClientHasher('short')).toThrow(AggregatorOptionsError);
    expect(() => createClientHasher('short')).toThrow(/at least 16 bytes/);
  });
});
