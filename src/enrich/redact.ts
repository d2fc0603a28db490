/**
 * Redaction of secrets and personal data in request headers and URLs: values are replaced by
 * `[redacted]`, names are kept (which header or parameter was sent is useful, and not a secret).
 *
 * The policy, by name (docs/enrich.md, "Redaction policy"; the table of real names it is tested
 * against is test/hostile/fixtures/header-names.ts):
 * - credential-like names, headers and parameters alike: a name containing a secret-looking part
 *   (`token`, `secret`, `passw`, `signature`, `credential`, `apikey`, `csrf`, `oidc`, ...), or one of
 *   whose words (split on punctuation and camelCase) is a secret-looking word (`key`, `sig`, `auth`,
 *   `session`, `pin`, ...), or an exact name (`code`, the OAuth authorization code);
 * - address-like headers (unless the client address policy is `keep`): any name with a word such as
 *   `ip`, `addr`, `address`, or `forwarded` with `for` (`X-Original-Forwarded-For`), or a part such
 *   as `clientip`, `connectingip` (`CF-Connecting-IPv6`), and `Forwarded` itself;
 * - viewer location headers (unless `keep`): every `CloudFront-Viewer-*` header but a short list of
 *   ones that say nothing about where the viewer is (`-Country`, `-TLS`, `-JA3-Fingerprint`, ...),
 *   and location words of other CDNs (`city`, `latitude`, `postal`, `geo`, ...);
 * - in every header value, URL and query kept: the values of `name=value` pairs whose name is
 *   credential-like (query, fragment, `;matrix=` and `/path=` parameters, `a=1; b=2` lists).
 *
 * Every function here is a single pass over its input: no regular expression runs on log data
 * (a backtracking one on a hostile name cost seconds per record).
 */
import { flatCopy } from '../model/flat-copy.js';
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
 * Headers that carry the viewer's address by exact name; redacted unless the client address policy
 * is `keep`, or they would undo truncation and hashing of `c-ip`. Names matching
 * `ADDRESS_NAME_WORDS` are redacted too.
 */
export const ADDRESS_HEADERS: readonly string[] = [
  'x-forwarded-for',
  'forwarded',
  'x-forwarded',
  'x-real-ip',
  'true-client-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'cloudfront-viewer-address',
];

/** Words of a header name that make it address-like (`Client-IP`, `X-Remote-Addr`, `X-Azure-SocketIP`). */
export const ADDRESS_NAME_WORDS: readonly string[] = [
  'ip',
  'ips',
  'ipv4',
  'ipv6',
  'addr',
  'address',
  'ipaddr',
  'ipaddress',
  'clientip',
  'realip',
  'remoteip',
  'remoteaddr',
  'socketip',
  'connectingip',
  'originatingip',
];

/**
 * Parts that make a header name address-like wherever they occur in it, case and punctuation
 * ignored (`CF-Connecting-IPv6`, whose camelCase words are `i` and `pv6`).
 */
export const ADDRESS_NAME_PARTS: readonly string[] = [
  'clientip',
  'connectingip',
  'realip',
  'remoteip',
  'remoteaddr',
  'socketip',
  'originatingip',
  'userip',
  'ipaddr',
];

/**
 * `CloudFront-Viewer-*` headers that say nothing about where the viewer is: kept. Every other
 * `CloudFront-Viewer-*` header (City, Postal-Code, Latitude, Longitude, Metro-Code, Time-Zone,
 * Country-Region, Country-Region-Name, Address, and any CloudFront adds) is redacted unless `keep`.
 * The country stays: it is `c-country`, a dimension.
 */
export const VIEWER_HEADERS_KEPT: readonly string[] = [
  'cloudfront-viewer-country',
  'cloudfront-viewer-country-name',
  'cloudfront-viewer-http-version',
  'cloudfront-viewer-tls',
  'cloudfront-viewer-forwarded-proto',
  'cloudfront-viewer-header-order',
  'cloudfront-viewer-header-count',
  'cloudfront-viewer-asn',
  'cloudfront-viewer-ja3-fingerprint',
  'cloudfront-viewer-ja4-fingerprint',
];

/** Words of a header name that make it a viewer location (`CF-IPCity`, `X-AppEngine-CityLatLong`). */
export const LOCATION_NAME_WORDS: readonly string[] = [
  'city',
  'ipcity',
  'latitude',
  'iplatitude',
  'longitude',
  'iplongitude',
  'latlong',
  'citylatlong',
  'lat',
  'lon',
  'lng',
  'postal',
  'postalcode',
  'zipcode',
  'metro',
  'metrocode',
  'timezone',
  'geo',
  'geolocation',
];

/**
 * Words that make a header or query parameter name look like a secret, matched against the
 * name's words (split on punctuation and camelCase): `X-Amz-Signature`, `access_token`, `apiKey`
 * and `client-secret` match; `monkey`, `keyword` and `authuser` do not.
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
  'ticket',
  'hmac',
  'email',
];

/**
 * Parts that make a name secret wherever they occur in it, case and punctuation ignored:
 * `accesstoken`, `x-authtoken`, `x-csrftoken`, `secretkey`, `x-amzn-oidc-data`, `SAMLResponse`.
 */
export const SECRET_NAME_PARTS: readonly string[] = [
  'token',
  'secret',
  'passw',
  'passphrase',
  'signature',
  'credential',
  'apikey',
  'accesskey',
  'privatekey',
  'sessionid',
  'sessid',
  'csrf',
  'xsrf',
  'oidc',
  'saml',
  'bearer',
  'jwt',
  'cookie',
];

/** Names redacted as they are (case-insensitive): `code` is OAuth's authorization code. */
export const SECRET_NAMES: readonly string[] = ['code'];

/**
 * Names longer than this are not judged: they are redacted. Real names are short; a longer one is
 * hostile, and judging it (or testing a user pattern on it) would cost in proportion.
 */
export const MAX_NAME_LENGTH = 256;

/** A name to redact: a string is an exact name (case-insensitive), a RegExp is tested on the name. */
export type NamePattern = string | RegExp;

const NAME_CACHE_SIZE = 4_096;

enum Kind {
  Other = 0,
  Lower = 1,
  Upper = 2,
  Digit = 3,
}

function kindOf(c: number): Kind {
  if (c >= 97 && c <= 122) return Kind.Lower;
  if (c >= 65 && c <= 90) return Kind.Upper;
  if (c >= 48 && c <= 57) return Kind.Digit;
  return Kind.Other;
}

/**
 * The lower-case words of a name: split on anything not a letter or digit, before an upper-case
 * letter that follows a lower-case one or a digit (`apiKey`), and before the last upper-case letter
 * of a run followed by a lower-case one (`SAMLResponse` -> `saml`, `response`). One pass.
 *
 * @example
 * wordsOf('X-Amz-Signature'); // ['x', 'amz', 'signature']
 * wordsOf('HTTPServerURL');   // ['http', 'server', 'url']
 */
export function wordsOf(name: string): string[] {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i <= name.length; i++) {
    const k = i < name.length ? kindOf(name.charCodeAt(i)) : Kind.Other;
    if (k === Kind.Other) {
      if (start !== -1) words.push(name.slice(start, i).toLowerCase());
      start = -1;
      continue;
    }
    if (start === -1) {
      start = i;
      continue;
    }
    const prev = kindOf(name.charCodeAt(i - 1));
    const next = i + 1 < name.length ? kindOf(name.charCodeAt(i + 1)) : Kind.Other;
    const boundary =
      k === Kind.Upper &&
      (prev === Kind.Lower || prev === Kind.Digit || (prev === Kind.Upper && next === Kind.Lower));
    if (boundary) {
      words.push(name.slice(start, i).toLowerCase());
      start = i;
    }
  }
  return words;
}

/** The name lower-cased with everything but letters and digits removed (`X-Auth_Token` -> `xauthtoken`). */
function joinedOf(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (kindOf(c) !== Kind.Other) out += name[i]!;
  }
  return out.toLowerCase();
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

/** What a name matcher looks for, beside exact names and patterns. */
export interface NameRules {
  /** Credential-like names (`SECRET_NAME_WORDS`, `SECRET_NAME_PARTS`, `SECRET_NAMES`). */
  readonly secrets?: boolean;
  /** Address-like header names (`ADDRESS_HEADERS`, `ADDRESS_NAME_WORDS`). */
  readonly addresses?: boolean;
  /** Viewer location headers (`CloudFront-Viewer-*` but `VIEWER_HEADERS_KEPT`, `LOCATION_NAME_WORDS`). */
  readonly locations?: boolean;
}

const VIEWER_PREFIX = 'cloudfront-viewer-';

/**
 * A cached predicate over names: exact names, user patterns, and the rules asked for (`true` for
 * `rules` is `{ secrets: true }`). Names repeat endlessly, so each is judged once.
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
  rules: boolean | NameRules,
): (name: string) => boolean {
  const r: NameRules = typeof rules === 'boolean' ? { secrets: rules } : rules;
  const names = new Set(exact.map((n) => n.toLowerCase()));
  if (r.secrets === true) for (const n of SECRET_NAMES) names.add(n);
  if (r.addresses === true) for (const n of ADDRESS_HEADERS) names.add(n);
  const words = new Set<string>([
    ...(r.secrets === true ? SECRET_NAME_WORDS : []),
    ...(r.addresses === true ? ADDRESS_NAME_WORDS : []),
    ...(r.locations === true ? LOCATION_NAME_WORDS : []),
  ]);
  const parts = [
    ...(r.secrets === true ? SECRET_NAME_PARTS : []),
    ...(r.addresses === true ? ADDRESS_NAME_PARTS : []),
  ];
  const viewerKept = new Set(VIEWER_HEADERS_KEPT);
  const cache = createBoundedCache<string, boolean>(NAME_CACHE_SIZE, flatCopy);
  const judge = (raw: string): boolean => {
    if (raw.length > MAX_NAME_LENGTH) return true;
    const name = decodeName(raw).trim();
    const lower = name.toLowerCase();
    if (names.has(lower)) return true;
    for (const p of patterns) {
      p.lastIndex = 0;
      if (p.test(name)) return true;
    }
    if (r.locations === true && lower.startsWith(VIEWER_PREFIX) && !viewerKept.has(lower)) return true;
    if (words.size > 0 || parts.length > 0) {
      const ws = wordsOf(name);
      for (const w of ws) if (words.has(w)) return true;
      // `Forwarded-For` in any dress (`X-Original-Forwarded-For`); `X-Forwarded-Proto` is kept.
      if (r.addresses === true && ws.includes('forwarded') && ws.includes('for')) return true;
      if (parts.length > 0) {
        const joined = joinedOf(name);
        for (const p of parts) if (joined.includes(p)) return true;
      }
    }
    return false;
  };
  // A hostile long name is neither judged nor remembered (the cache would hold it).
  return (name) => (name.length > MAX_NAME_LENGTH ? true : cache.getOrCompute(name, judge));
}

// Character codes the scanner stops at.
const AMP = 38;
const SEMI = 59;
const COMMA = 44;
const HASH = 35;
const QUESTION = 63;
const SLASH = 47;
const EQUALS = 61;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * Replaces the values of `name=value` pairs whose name `isSecret` judges secret, in one pass.
 * `url`: the text is a URL or path; before its first `?` or `#`, pairs are path segments and
 * matrix parameters (`/a;jsessionid=x/b`, `/dl/sig=x/f`: the value ends at `/`, `;`, `?` or `#`);
 * after it (and in text that is not a URL) pairs are separated by `&`, `;`, `,`, `#` or white space,
 * and a value runs to the next separator (so a value with `/` or `+` is redacted whole).
 * Returns the same string when nothing matched.
 *
 * @example
 * const isSecret = createNameMatcher([], [], true);
 * redactParams('/a;jsessionid=XYZ/b?page=2&access_token=abc#id_token=def', isSecret, true);
 * // '/a;jsessionid=[redacted]/b?page=2&access_token=[redacted]#id_token=[redacted]'
 */
export function redactParams(text: string, isSecret: (name: string) => boolean, url: boolean): string {
  if (text.indexOf('=') === -1) return text;
  let out = '';
  let copied = 0;
  let inPath = url;
  let segment = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === EQUALS) {
      const name = text.slice(segment, i).trim();
      // The value: up to the next separator of the part of the text it is in.
      let end = i + 1;
      while (end < n) {
        const d = text.charCodeAt(end);
        if (inPath ? d === SLASH || d === SEMI || d === QUESTION || d === HASH : isSeparator(d)) break;
        end++;
      }
      if (end > i + 1 && name !== '' && isSecret(name)) {
        out += text.slice(copied, i + 1) + REDACTED;
        copied = end;
      }
      i = end;
      segment = end;
      continue;
    }
    if (inPath) {
      if (c === QUESTION || c === HASH) {
        inPath = false;
        segment = i + 1;
      } else if (c === SLASH || c === SEMI) segment = i + 1;
    } else if (isSeparator(c)) segment = i + 1;
    i++;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function isSeparator(c: number): boolean {
  return c === AMP || c === SEMI || c === COMMA || c === HASH || c === QUESTION || isSpace(c);
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
  return redactParams(query, isSecret, false);
}

/**
 * As `redactQuery`, for a URL or path (`/a?token=x`, `https://h/p?sig=y#f`), with its matrix and
 * path parameters (`/a;token=x/b`).
 *
 * @example
 * redactUrlQuery('/dl?X-Amz-Signature=abc&x=1', createNameMatcher([], [], true));
 * // '/dl?X-Amz-Signature=[redacted]&x=1'
 */
export function redactUrlQuery(url: string, isSecret: (name: string) => boolean): string {
  return redactParams(url, isSecret, true);
}

/** True for a header value that is a URL or a path (`Referer`, `X-Original-URL`, `Origin`). */
export function looksLikeUrl(value: string): boolean {
  return value.charCodeAt(0) === SLASH || value.startsWith('http://') || value.startsWith('https://');
}

let defaultSecretNames: ((name: string) => boolean) | undefined;

/**
 * The built-in credential-name rule alone (no user patterns), shared: what an aggregator applies to
 * a referer or path it reads from a record no enricher protected.
 */
export function defaultSecretNameMatcher(): (name: string) => boolean {
  defaultSecretNames ??= createNameMatcher([], [], true);
  return defaultSecretNames;
}
