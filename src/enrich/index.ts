/**
 * `cloudfront-realtime-logs/enrich`: `createEnricher`, its options and result types, its errors,
 * and the shared vocabulary (status, cache and device classes, the derived keys). The tables,
 * matchers and caches behind it are internal.
 */
export {
  airportOf,
  CACHE_CLASSES,
  type CacheClass,
  cacheClass,
  type DerivedKeys,
  type DeviceType,
  deriveFieldKeys,
  type FieldKeys,
  isErrorStatus,
  pathOf,
  STATUS_CLASSES,
  type StatusClass,
  statusClass,
} from '../model/index.js';
export { CLIENT_IP_POLICIES, type ClientIpPolicy, HMAC_MIN_KEY_BYTES } from './client-address.js';
export {
  CRAWLER_RANGES,
  CRAWLER_RANGES_SOURCES,
  type CrawlerRangesSource,
  GOOGLEBOT_FAMILY,
} from './crawler-ranges.js';
export { MAX_CRAWLER_PREFIXES, verifyCrawler } from './crawler-verify.js';
export {
  createEnricher,
  type Enricher,
  type EnricherInPlace,
  type EnricherLookups,
  type EnricherStats,
} from './enricher.js';
export { EnricherOptionsError, GeoIpUnavailableError } from './errors.js';
export { DEFAULT_GEO_CACHE_SIZE, type GeoIpLookup, type GeoIpModule } from './geo.js';
export type { CacheStats } from './lru.js';
export { type EnricherOptions, resolveEnricherOptions } from './options.js';
export { DEFAULT_REDACTED_HEADERS, REDACTED } from './redact.js';
export type {
  CacheFields,
  CityGeoFields,
  ClientAddressSource,
  ClientFields,
  ClientIpMode,
  ContentCategory,
  CrawlerVerdict,
  DefaultEnricherShape,
  Derived,
  EdgeFields,
  EnrichedFields,
  EnricherShape,
  GeoFields,
  GeoMode,
  RefererFields,
  StatusFields,
  UrlFields,
  UserAgentFields,
} from './types.js';
