/**
 * The contract of enriched records: the keys enrichers add to a parsed record. CloudFront's own
 * fields are kebab-case (`sc-status`); added keys are camelCase, so the two never collide.
 * An added key exists only when the fields it is derived from were configured.
 */
import type { CacheClass, CrawlerVerdict, DeviceType, StatusClass } from '../model/classes.js';

export type { CrawlerVerdict, DeviceType };

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
    /**
     * For a bot that claims a crawler whose operator publishes its address ranges (Googlebot and
     * the crawlers of googlebot.json, bingbot; see the `crawlerRanges` option): `verified` when
     * the full client address (before truncation or hashing) is in them, `spoofed` when it is
     * not. Null for every other user agent, and without a client address.
     */
    crawler: CrawlerVerdict | null;
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

/**
 * Added when `cs-referer` is configured: the referer with the redaction policy applied (secret
 * query, fragment and matrix values redacted): what top referers count, never the raw field.
 */
export interface RefererFields {
  referer: string | null;
}

/** Every key an enricher may add, for consumers (aggregates, sinks) that read whichever are there. */
export type EnrichedFields = StatusFields &
  CacheFields &
  UrlFields &
  UserAgentFields &
  EdgeFields &
  GeoFields &
  ClientFields &
  RefererFields & { asn?: number | null };

/** `geo` with city-level geography (`geo: 'city'`): every key present, `null` when unknown. */
export interface CityGeoFields {
  geo: {
    country: string | null;
    region: string | null;
    city: string | null;
    latitude: number | null;
    longitude: number | null;
    timezone: string | null;
  };
}

/** Geography: none, country from `c-country`, or city-level from the client address (geoip-lite). */
export type GeoMode = 'none' | 'country' | 'city';

/** Where the client address is read from. */
export type ClientAddressSource = 'c-ip' | 'x-forwarded-for';

/** Client address policy: `truncate` (IPv4 /24, IPv6 /48), `hash` (HMAC-SHA256, keyed), `keep`. */
export type ClientIpMode = 'truncate' | 'hash' | 'keep';

/**
 * The type-level part of the enricher options: what decides which keys `derive` adds.
 * (`EnricherOptions` in `options.ts` is the whole set.)
 */
export interface EnricherShape {
  readonly geo?: GeoMode | undefined;
  readonly userAgent?: boolean | undefined;
  readonly clientAddress?: ClientAddressSource | undefined;
}

/** `true`, `false`, or `boolean` when it cannot be known from the types (a loose record or options). */
type Tri = boolean;
type Or<A extends Tri, B extends Tri> = [A] extends [true]
  ? true
  : [B] extends [true]
    ? true
    : [A | B] extends [false]
      ? false
      : boolean;
type And<A extends Tri, B extends Tri> = [A] extends [false]
  ? false
  : [B] extends [false]
    ? false
    : [A | B] extends [true]
      ? true
      : boolean;
/** Whether `K` is a key of `R`: `boolean` for a record with a string index (a run-time field list). */
type HasKey<R, K extends string> = string extends keyof R ? boolean : K extends keyof R ? true : false;
/** Whether option value `V` (with default `D` when absent) is `T`. */
type Is<V, D, T> = [Resolved<V, D>] extends [T]
  ? true
  : [Extract<Resolved<V, D>, T>] extends [never]
    ? false
    : boolean;
/** Adds `T` when `C` is true, nothing when false, `Partial<T>` when unknown. */
type When<C extends Tri, T> = [C] extends [true] ? T : [C] extends [false] ? unknown : Partial<T>;

type OptionOf<O, K extends keyof EnricherShape> = K extends keyof O ? O[K] : undefined;
/** An option's possible values, its default standing in for `undefined`. */
type Resolved<V, D> = undefined extends V ? Exclude<V, undefined> | D : V;
type GeoModeOf<O> = Resolved<OptionOf<O, 'geo'>, 'country'>;

type HasClient<R, O> = Or<
  HasKey<R, 'c-ip'>,
  And<Is<OptionOf<O, 'clientAddress'>, 'c-ip', 'x-forwarded-for'>, HasKey<R, 'x-forwarded-for'>>
>;
type GeoPart<R, O> = [GeoModeOf<O>] extends ['none']
  ? unknown
  : [GeoModeOf<O>] extends ['country']
    ? When<HasKey<R, 'c-country'>, { geo: { country: string | null } }>
    : [GeoModeOf<O>] extends ['city']
      ? When<Or<HasKey<R, 'c-country'>, HasClient<R, O>>, CityGeoFields>
      : Partial<GeoFields>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The default options, as a type. */
export type DefaultEnricherShape = Record<never, never>;

/**
 * A record after `derive`: the input's own keys, plus each derived key whose fields are keys of
 * the input (and that the options turn on). A union of records (several layouts) derives each.
 * Where the types cannot tell (a field list known only at run time, options not `as const`), the
 * derived keys are optional.
 */
export type Derived<R, O extends EnricherShape = DefaultEnricherShape> = R extends unknown
  ? Simplify<
      R &
        When<HasKey<R, 'sc-status'>, StatusFields> &
        When<Or<HasKey<R, 'x-edge-result-type'>, HasKey<R, 'x-edge-response-result-type'>>, CacheFields> &
        When<HasKey<R, 'cs-uri-stem'>, UrlFields> &
        When<And<Is<OptionOf<O, 'userAgent'>, true, true>, HasKey<R, 'cs-user-agent'>>, UserAgentFields> &
        When<HasKey<R, 'x-edge-location'>, EdgeFields> &
        GeoPart<R, O> &
        When<HasClient<R, O>, ClientFields> &
        When<HasKey<R, 'cs-referer'>, RefererFields>
    >
  : never;
