/**
 * The shared vocabulary of enrich and aggregate: status, cache and device classes, the derived
 * record type, and `deriveFieldKeys`, the one function that derives classes, path and airport.
 * No public subpath of its own: `cloudfront-realtime-logs/enrich` and the root re-export it.
 */
export {
  airportOf,
  CACHE_CLASSES,
  type CacheClass,
  cacheClass,
  type DeviceType,
  isErrorStatus,
  pathOf,
  STATUS_CLASSES,
  type StatusClass,
  statusClass,
} from './classes.js';
export { blankFieldKeys, type DerivedKeys, deriveFieldKeys, type FieldKeys } from './derive.js';
