/**
 * The class vocabularies every room shares (enrichers add them to records, aggregates count them,
 * sinks name metrics after them) and the rules that give a field its class, path or airport. These
 * rules are written here only: `deriveFieldKeys` (./derive.ts) applies them to a record.
 */

/** HTTP status class; `000` is a request the viewer abandoned before the response. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx' | '000';

/** Every status class, in display order. */
export const STATUS_CLASSES: readonly StatusClass[] = ['1xx', '2xx', '3xx', '4xx', '5xx', '000'];

const CLASS_BY_HUNDRED: readonly (StatusClass | null)[] = [null, '1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * The class of an HTTP status; `null` for a missing or out-of-range status.
 *
 * @example
 * statusClass(404); // '4xx'
 * statusClass(0);   // '000'
 */
export function statusClass(status: number | null | undefined): StatusClass | null {
  if (status === 0) return '000';
  if (status === null || status === undefined || status < 100 || status > 599) return null;
  return CLASS_BY_HUNDRED[Math.floor(status / 100)] ?? null;
}

/** True for a status the viewer saw as a failure: >= 400, or `000` (aborted). */
export function isErrorStatus(status: number | null | undefined): boolean {
  return status === 0 || (status !== null && status !== undefined && status >= 400);
}

/**
 * Cache outcome, as CloudFront defines the cache hit ratio: `hit` (Hit, RefreshHit) over
 * `hit` + `miss`; `error` and `redirect` are outside both; `other` is a value this library does
 * not know yet (kept out of the ratio rather than guessed).
 */
export type CacheClass = 'hit' | 'miss' | 'error' | 'redirect' | 'other';

/** Every cache class, in display order. */
export const CACHE_CLASSES: readonly CacheClass[] = ['hit', 'miss', 'error', 'redirect', 'other'];

const CACHE_CLASS_BY_RESULT: ReadonlyMap<string, CacheClass> = new Map<string, CacheClass>([
  ['Hit', 'hit'],
  ['RefreshHit', 'hit'],
  ['OriginShieldHit', 'hit'],
  ['Miss', 'miss'],
  ['Error', 'error'],
  ['LimitExceeded', 'error'],
  ['CapacityExceeded', 'error'],
  ['Redirect', 'redirect'],
]);

/**
 * The cache class of an `x-edge-result-type` (or `x-edge-response-result-type`) value; `null`
 * when the value is missing.
 *
 * @example
 * cacheClass('RefreshHit'); // 'hit'
 * cacheClass('LimitExceeded'); // 'error'
 */
export function cacheClass(resultType: string | null | undefined): CacheClass | null {
  if (resultType === null || resultType === undefined) return null;
  return CACHE_CLASS_BY_RESULT.get(resultType) ?? 'other';
}

/**
 * The path of a `cs-uri-stem` without its query string (real-time logs put the query in the stem).
 *
 * @example
 * pathOf('/a/b.js?v=3'); // '/a/b.js'
 */
export function pathOf(uriStem: string | null | undefined): string | null {
  if (uriStem === null || uriStem === undefined) return null;
  const q = uriStem.indexOf('?');
  return q === -1 ? uriStem : uriStem.slice(0, q);
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * The airport code of an `x-edge-location`: its three leading letters, upper-cased, when exactly
 * three letters lead (`IAD89-C1`, `iad89-c1` and `IAD` are all `IAD`). A value of any other shape
 * (`ABCD1`, `A1`, `weird`) passes through whole, so unrelated locations are never merged into one
 * airport; `null` for a missing or empty value. The enricher's `edge.airport` and the aggregator's
 * `airport` dimension both come from this rule.
 *
 * @example
 * airportOf('IAD89-C1'); // 'IAD'
 * airportOf('iad89-c1'); // 'IAD'
 * airportOf('weird');    // 'weird'
 */
export function airportOf(location: string | null | undefined): string | null {
  if (location === null || location === undefined || location === '') return null;
  if (
    location.length >= 3 &&
    isLetter(location.charCodeAt(0)) &&
    isLetter(location.charCodeAt(1)) &&
    isLetter(location.charCodeAt(2)) &&
    (location.length === 3 || !isLetter(location.charCodeAt(3)))
  ) {
    const code = location.length === 3 ? location : location.slice(0, 3);
    // Real locations are upper case already: no new string for them.
    return code.charCodeAt(0) <= 90 && code.charCodeAt(1) <= 90 && code.charCodeAt(2) <= 90
      ? code
      : code.toUpperCase();
  }
  return location;
}

/** Device type from the user agent. `unknown` for an empty or `-` user agent. */
export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other' | 'unknown';

/**
 * What the enricher concluded about a user agent that claims a crawler whose operator publishes its
 * address ranges (Googlebot, bingbot): `verified` when the full client address is in them,
 * `spoofed` when it is not. Records that claim no such crawler, or carry no address, have none.
 */
export type CrawlerVerdict = 'verified' | 'spoofed';
