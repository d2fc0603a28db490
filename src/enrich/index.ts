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
export type {
  CacheFields,
  ClientFields,
  ContentCategory,
  DeviceType,
  EdgeFields,
  EnrichedFields,
  GeoFields,
  StatusFields,
  UrlFields,
  UserAgentFields,
} from './types.js';
