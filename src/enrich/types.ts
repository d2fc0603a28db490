/**
 * The contract of enriched records: the keys enrichers add to a parsed record. CloudFront's own
 * fields are kebab-case (`sc-status`); added keys are camelCase, so the two never collide.
 * An added key exists only when the fields it is derived from were configured.
 */
import type { CacheClass, StatusClass } from './classes.js';

/** Device type from the user agent. `unknown` for an empty or `-` user agent. */
export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'bot' | 'other' | 'unknown';

/** Content category from the path's extension and cache behavior. */
export type ContentCategory =
  | 'html'
  | 'script'
  | 'style'
  | 'image'
  | 'font'
  | 'video-segment'
  | 'manifest'
  | 'api'
  | 'other';

/** Added when `sc-status` is configured. */
export interface StatusFields {
  statusClass: StatusClass | null;
  /** >= 400 or 000. */
  isError: boolean;
}

/** Added when `x-edge-result-type` or `x-edge-response-result-type` is configured. */
export interface CacheFields {
  cacheClass: CacheClass | null;
  /** `x-edge-detailed-result-type` was `OriginShieldHit`. */
  originShield: boolean;
  /** The specific error from `x-edge-detailed-result-type` (`OriginConnectError`, ...), else null. */
  errorKind: string | null;
}

/** Added when `cs-uri-stem` is configured. */
export interface UrlFields {
  url: {
    /** Path without the query string. */
    path: string | null;
    /** Lower-case extension without the dot, or null. */
    extension: string | null;
    category: ContentCategory;
    queryParamCount: number;
  };
}

/** Added when `cs-user-agent` is configured. */
export interface UserAgentFields {
  ua: {
    browser: string | null;
    browserMajor: string | null;
    os: string | null;
    device: DeviceType;
    isBot: boolean;
    botName: string | null;
  };
}

/** Added when `x-edge-location` is configured. */
export interface EdgeFields {
  edge: {
    /** `IAD89-C1` -> `IAD`. */
    airport: string | null;
    city: string | null;
    country: string | null;
    continent: string | null;
  };
}

/** Added when `c-country` or `c-ip` (with city-level geography asked for) is configured. */
export interface GeoFields {
  geo: {
    country: string | null;
    region?: string | null;
    city?: string | null;
    latitude?: number | null;
    longitude?: number | null;
    timezone?: string | null;
  };
}

/** Added when `c-ip` is configured: the client address after the privacy policy (the key for distinct clients). */
export interface ClientFields {
  client: string | null;
}

/** Every key an enricher may add, for consumers (aggregates, sinks) that read whichever are there. */
export type EnrichedFields = StatusFields &
  CacheFields &
  UrlFields &
  UserAgentFields &
  EdgeFields &
  GeoFields &
  ClientFields & { asn?: number | null };
