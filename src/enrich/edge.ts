import { airportOf } from '../model/classes.js';
import { EDGE_AIRPORTS } from './edge-locations.js';
import type { EdgeFields } from './types.js';

/** What `edge` holds for one `x-edge-location`. */
export type EdgeInfo = EdgeFields['edge'];

const NO_EDGE: EdgeInfo = Object.freeze({ airport: null, city: null, country: null, continent: null });

const byLocation = new Map<string, EdgeInfo>();
/** Distinct `x-edge-location` values remembered: CloudFront has ~600 POPs; beyond that, no cache. */
export const EDGE_CACHE_LIMIT = 4_096;

/**
 * Airport (`airportOf`), city, country and continent of an `x-edge-location`; an unknown airport
 * passes through with the other fields `null`. Results are frozen and shared.
 *
 * @example
 * edgeLocation('IAD89-C1'); // { airport: 'IAD', city: 'Ashburn', country: 'US', continent: 'NA' }
 * edgeLocation('ZZZ1-C1');  // { airport: 'ZZZ', city: null, country: null, continent: null }
 */
export function edgeLocation(location: string | null | undefined): EdgeInfo {
  if (location === null || location === undefined || location === '') return NO_EDGE;
  const cached = byLocation.get(location);
  if (cached !== undefined) return cached;
  // Not null: the location is a non-empty string.
  const airport = airportOf(location)!;
  const row = Object.hasOwn(EDGE_AIRPORTS, airport) ? EDGE_AIRPORTS[airport] : undefined;
  const info: EdgeInfo = Object.freeze(
    row === undefined
      ? { airport, city: null, country: null, continent: null }
      : { airport, city: row[0], country: row[1], continent: row[2] },
  );
  // A module-level cache of a pure function: the same value for everyone, bounded.
  if (byLocation.size < EDGE_CACHE_LIMIT) byLocation.set(location, info);
  return info;
}
