/**
 * City-level geography from geoip-lite 1.4.x (GeoLite2 data, ~150 MB on disk). It is an optional
 * peer dependency, resolved when an enricher asking for `geo: 'city'` is built (so a missing
 * install fails at construction, with what to do) and loaded on the first lookup: requiring it
 * reads the whole database synchronously (see docs/enrich.md for the measured time and memory).
 */
import { createRequire } from 'node:module';
import { flatCopy } from '../model/flat-copy.js';
import { GeoIpUnavailableError } from './errors.js';
import { type BoundedCache, createBoundedCache } from './lru.js';

/** The part of geoip-lite's API this library uses (`import geoip from 'geoip-lite'` fits it). */
export interface GeoIpModule {
  lookup(ip: string): GeoIpLookup | null;
}

/** What geoip-lite returns for an address. */
export interface GeoIpLookup {
  readonly country: string;
  readonly region: string;
  readonly city: string;
  readonly timezone: string;
  readonly ll: readonly [number | null, number | null] | readonly number[];
}

/** City-level geography of one address; every field `null` when unknown. */
export interface CityGeo {
  readonly country: string | null;
  readonly region: string | null;
  readonly city: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly timezone: string | null;
}

/** The peer dependency's package name. */
export const GEOIP_MODULE = 'geoip-lite';

/** Default number of distinct addresses remembered. */
export const DEFAULT_GEO_CACHE_SIZE = 10_000;

const NO_GEO: CityGeo = Object.freeze({
  country: null,
  region: null,
  city: null,
  latitude: null,
  longitude: null,
  timezone: null,
});

/**
 * A `require` resolving from this file. Not the bare `require` identifier: bundlers replace it in
 * ESM output with a stub that throws. In the CommonJS build `import.meta` is empty (esbuild), and
 * `__filename` is there instead.
 */
function nodeRequire(): NodeJS.Require {
  const here = import.meta.url as string | undefined;
  return createRequire(here ?? __filename);
}

/**
 * Checks that `specifier` can be resolved, without loading it; throws `GeoIpUnavailableError`.
 * Returns the loader to call on first use.
 *
 * @example
 * const load = resolveGeoIp(); // throws GeoIpUnavailableError when geoip-lite is not installed
 * const geoip = load();        // reads the database (~0.5 s, ~280 MB)
 */
export function resolveGeoIp(specifier: string = GEOIP_MODULE): () => GeoIpModule {
  const req = nodeRequire();
  try {
    req.resolve(specifier);
  } catch (cause) {
    throw new GeoIpUnavailableError(specifier, cause);
  }
  return () => {
    const mod = req(specifier) as GeoIpModule | { default: GeoIpModule };
    return 'lookup' in mod ? mod : mod.default;
  };
}

const empty = (s: string | undefined | null): string | null =>
  s === undefined || s === null || s === '' ? null : s;

/**
 * A geoip-lite result in this library's shape (empty strings become `null`).
 *
 * @example
 * toCityGeo(null).city; // null
 */
export function toCityGeo(found: GeoIpLookup | null): CityGeo {
  if (found === null) return NO_GEO;
  const lat = found.ll[0];
  const lon = found.ll[1];
  return Object.freeze({
    country: empty(found.country),
    region: empty(found.region),
    city: empty(found.city),
    latitude: typeof lat === 'number' ? lat : null,
    longitude: typeof lon === 'number' ? lon : null,
    timezone: empty(found.timezone),
  });
}

/** A cached city lookup. */
export interface CityLocator {
  locate(address: string): CityGeo;
  readonly cache: BoundedCache<string, CityGeo>;
  /** True once the database is loaded. */
  loaded(): boolean;
}

/**
 * A city locator over geoip-lite, loaded on the first `locate` (or given loaded). Results are
 * cached by address; private and unknown addresses give all-`null` geography.
 *
 * @example
 * const geo = createCityLocator(resolveGeoIp());
 * geo.locate('8.8.8.8').country; // 'US' (the first call loads the database)
 */
export function createCityLocator(
  load: () => GeoIpModule,
  cacheSize: number = DEFAULT_GEO_CACHE_SIZE,
): CityLocator {
  let mod: GeoIpModule | null = null;
  const cache = createBoundedCache<string, CityGeo>(cacheSize, flatCopy);
  const compute = (address: string): CityGeo => {
    mod ??= load();
    try {
      return toCityGeo(mod.lookup(address));
    } catch {
      // geoip-lite throws on some malformed text; an unknown place, not a failed record.
      return NO_GEO;
    }
  };
  return {
    cache,
    loaded: () => mod !== null,
    locate: (address) => cache.getOrCompute(address, compute),
  };
}
