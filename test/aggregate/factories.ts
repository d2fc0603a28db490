/**
 * Record factories for aggregate tests: fast-check arbitraries over small value pools (so exact
 * oracles are easy) and a realistic generator-backed stream.
 */
import fc from 'fast-check';
import type { AggregatableRecord } from '../../src/aggregate/index.js';

/** 2025-03-01T12:00:00Z, a minute boundary. */
export const BASE = Date.UTC(2025, 2, 1, 12, 0, 0);

export const STATUSES = [200, 204, 206, 301, 304, 403, 404, 499, 500, 502, 503, 0, null] as const;
export const RESULT_TYPES = [
  'Hit',
  'RefreshHit',
  'Miss',
  'Error',
  'LimitExceeded',
  'Redirect',
  null,
] as const;
export const COUNTRIES = ['US', 'DE', 'JP', 'BR', null] as const;
export const EDGES = ['IAD89-C1', 'FRA56-P3', 'NRT57-C2', 'GRU3-C1'] as const;
export const HOSTS = ['www.example.com', 'api.example.com', 'img.example.com'] as const;

/** A parsed-looking record over small pools (each pool < 100 values: Space-Saving stays exact). */
export const arbRecord = (spanMs = 5 * 60_000): fc.Arbitrary<AggregatableRecord> =>
  fc.record({
    timestamp: fc.integer({ min: BASE, max: BASE + spanMs - 1 }),
    'c-ip': fc.integer({ min: 0, max: 60 }).map((n) => `198.51.100.${n}`),
    'sc-status': fc.constantFrom(...STATUSES),
    'sc-bytes': fc.oneof(fc.integer({ min: 0, max: 50_000 }), fc.constant(2 ** 40), fc.constant(null)),
    'cs-bytes': fc.integer({ min: 0, max: 4000 }),
    'cs-uri-stem': fc.integer({ min: 0, max: 40 }).map((n) => `/p/${n}${n % 3 === 0 ? '?q=1' : ''}`),
    'x-edge-result-type': fc.constantFrom(...RESULT_TYPES),
    'x-edge-location': fc.constantFrom(...EDGES),
    'cs-host': fc.constantFrom(...HOSTS),
    'c-country': fc.constantFrom(...COUNTRIES),
    'cs-user-agent': fc.constantFrom('curl/8.4.0', 'Mozilla/5.0', null),
    'cs-referer': fc.constantFrom('https://example.com/', null),
    'time-taken': fc.option(
      fc.integer({ min: 0, max: 30_000 }).map((ms) => ms / 1000),
      { nil: null },
    ),
    'time-to-first-byte': fc.option(
      fc.integer({ min: 0, max: 10_000 }).map((ms) => ms / 1000),
      { nil: null },
    ),
  });

/** Assigns each element to one of `parts` parts by the given indexes. */
export function split<T>(items: readonly T[], assignment: readonly number[], parts: number): T[][] {
  const out: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, i) => {
    out[(assignment[i] ?? 0) % parts]!.push(item);
  });
  return out;
}
