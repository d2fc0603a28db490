export {
  CACHE_CLASSES,
  type CacheClass,
  cacheClass,
  isErrorStatus,
  pathOf,
  STATUS_CLASSES,
  type StatusClass,
  statusClass,
} from './classes.js';
export {
  type AddressProtector,
  CLIENT_IP_POLICIES,
  type ClientIpPolicy,
  createAddressProtector,
  firstPublicAddress,
  HMAC_MIN_KEY_BYTES,
} from './client-address.js';
export { airportOf, type EdgeInfo, edgeLocation } from './edge.js';
export { type Continent, EDGE_AIRPORTS } from './edge-locations.js';
export { createEnricher, type Enricher, type EnricherStats } from './enricher.js';
export { EnricherOptionsError, GeoIpUnavailableError } from './errors.js';
export {
  type CityGeo,
  type CityLocator,
  createCityLocator,
  DEFAULT_GEO_CACHE_SIZE,
  type GeoIpLookup,
  type GeoIpModule,
  resolveGeoIp,
} from './geo.js';
export { isPublicIp, parseIp, truncateIp, withoutPort } from './ip.js';
export type { CacheStats } from './lru.js';
export { type EnricherOptions, type ResolvedEnricherOptions, resolveEnricherOptions } from './options.js';
export {
  ADDRESS_HEADERS,
  ADDRESS_NAME_PARTS,
  ADDRESS_NAME_WORDS,
  createNameMatcher,
  DEFAULT_REDACTED_HEADERS,
  LOCATION_NAME_WORDS,
  type NamePattern,
  type NameRules,
  REDACTED,
  redactParams,
  redactQuery,
  redactUrlQuery,
  SECRET_NAME_PARTS,
  SECRET_NAME_WORDS,
  SECRET_NAMES,
  VIEWER_HEADERS_KEPT,
} from './redact.js';
export type {
  CacheFields,
  CityGeoFields,
  ClientAddressSource,
  ClientFields,
  ClientIpMode,
  ContentCategory,
  DefaultEnricherShape,
  Derived,
  DeviceType,
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
export { contentCategory, extensionOf, queryParamCount, type UrlInfo, urlInfo } from './url.js';
export {
  createUserAgentClassifier,
  isEmptyUserAgent,
  type UserAgentClassifier,
  type UserAgentInfo,
} from './user-agent.js';
