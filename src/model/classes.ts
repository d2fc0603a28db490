/**
 * Status and cache classes: small pure lookups every room uses (enrichers add them to records,
 * aggregates count them, sinks name metrics after them).
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
