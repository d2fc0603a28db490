/**
 * The one rule for the library's secrets (the key of client-address hashing, for distinct clients
 * and for `clientIp: 'hash'`): at least 16 bytes, text counted in UTF-8.
 */
import type { ConfigIssue } from './errors.js';

/** Shortest secret accepted: 128 bits (NIST SP 800-107's floor for HMAC keys). */
export const MIN_SECRET_BYTES = 16;

/** The bytes of a secret given as text (UTF-8) or bytes. */
export function secretBytes(secret: string | Uint8Array): Uint8Array {
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
}

/**
 * What is wrong with a secret, as issues at `path` (empty when fine or not given).
 *
 * @example
 * secretKeyIssues('short', 'hmacKey'); // [{ path: ['hmacKey'], message: 'must be at least 16 bytes (it has 5); use 32 random bytes' }]
 */
export function secretKeyIssues(secret: unknown, ...path: (string | number)[]): ConfigIssue[] {
  if (secret === undefined) return [];
  if (typeof secret !== 'string' && !(secret instanceof Uint8Array)) {
    return [{ path, message: `must be a secret string or bytes (at least ${MIN_SECRET_BYTES} bytes)` }];
  }
  const n = secretBytes(secret).byteLength;
  if (n < MIN_SECRET_BYTES) {
    return [
      { path, message: `must be at least ${MIN_SECRET_BYTES} bytes (it has ${n}); use 32 random bytes` },
    ];
  }
  return [];
}
