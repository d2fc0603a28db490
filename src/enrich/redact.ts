/**
 * Redaction of secrets in request headers and URLs: values are replaced by `REDACTED`, names are
 * kept (which header or parameter was sent is useful, and not a secret).
 */
import { createBoundedCache } from './lru.js';

/** What a redacted value becomes. */
export const REDACTED = '[redacted]';

/** Headers always redacted (credentials and session state), case-insensitive. */
export const DEFAULT_REDACTED_HEADERS: readonly string[] = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'x-amz-security-token',
];

/**
 * Headers that carry the viewer's address; redacted unless the client address policy is `keep`,
 * or they would undo truncation and hashing of `c-ip`.
 */
export const ADDRESS_HEADERS: readonly string[] = [
  'x-forwarded-for',
  'forwarded',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'cloudfront-viewer-address',
];

/**
 * Words that make a header or query parameter name look like a secret, matched against the
 * name's words (split on `-`, `_`, `.` and camelCase): `X-Amz-Signature`, `access_token`,
 * `apiKey` and `client-secret` match; `monkey`, `keyword` and `authuser` do not.
 */
export const SECRET_NAME_WORDS: readonly string[] = [
  'token',
  'secret',
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'signature',
  'sig',
  'key',
  'apikey',
  'credential',
  'credentials',
  'auth',
  'authorization',
  'session',
  'sessionid',
  'sid',
  'phpsessid',
  'jsessionid',
  'jwt',
  'otp',
  'pin',
  'ssn',
];

/** A name to redact: a string is an exact name (case-insensitive), a RegExp is tested on the name. */
export type NamePattern = string | RegExp;

const NAME_CACHE_SIZE = 4_096;

function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/);
}

/** Decodes a query parameter name as a server would (`+` is a space, `%XX` once). */
function decodeName(name: string): string {
  const spaced = name.indexOf('+') === -1 ? name : name.replaceAll('+', ' ');
  if (spaced.indexOf('%') === -1) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * A cached predicate over names: exact names, user patterns, and (when `secretWords`) the
 * secret-looking words. Names repeat endlessly, so each is judged once.
 *
 * @example
 * const isSecret = createNameMatcher(['x-tenant'], [/^x-internal-/i], true);
 * isSecret('X-Tenant');       // true
 * isSecret('access_token');   // true (secret word)
 * isSecret('keyword');        // false
 */
export function createNameMatcher(
  exact: readonly string[],
  patterns: readonly RegExp[],
  secretWords: boolean,
): (name: string) => boolean {
  const names = new Set(exact.map((n) => n.toLowerCase()));
  const words = new Set(secretWords ? SECRET_NAME_WORDS : []);
  const cache = createBoundedCache<string, boolean>(NAME_CACHE_SIZE);
  const judge = (raw: string): boolean => {
    const name = decodeName(raw).trim();
    if (names.has(name.toLowerCase())) return true;
    for (const p of patterns) {
      p.lastIndex = 0;
      if (p.test(name)) return true;
    }
    if (words.size > 0) for (const w of wordsOf(name)) if (words.has(w)) return true;
    return false;
  };
  return (name) => cache.getOrCompute(name, judge);
}

/**
 * Replaces the values of secret-looking parameters in a query string (`a=1&token=x` ->
 * `a=1&token=[redacted]`). Returns the same string when nothing matched.
 *
 * @example
 * const isSecret = createNameMatcher([], [], true);
 * redactQuery('page=2&access_token=abc', isSecret); // 'page=2&access_token=[redacted]'
 */
export function redactQuery(query: string, isSecret: (name: string) => boolean): string {
  if (query.indexOf('=') === -1) return query;
  const parts = query.split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) continue;
    if (isSecret(part.slice(0, eq))) {
      parts[i] = `${part.slice(0, eq + 1)}${REDACTED}`;
      changed = true;
    }
  }
  return changed ? parts.join('&') : query;
}

/**
 * As `redactQuery`, for a URL or path with a query (`/a?token=x`, `https://h/p?sig=y#f`).
 *
 * @example
 * redactUrlQuery('/dl?X-Amz-Signature=abc&x=1', createNameMatcher([], [], true));
 * // '/dl?X-Amz-Signature=[redacted]&x=1'
 */
export function redactUrlQuery(url: string, isSecret: (name: string) => boolean): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const hash = url.indexOf('#', q + 1);
  const end = hash === -1 ? url.length : hash;
  const query = url.slice(q + 1, end);
  const redacted = redactQuery(query, isSecret);
  return redacted === query ? url : `${url.slice(0, q + 1)}${redacted}${url.slice(end)}`;
}
