/**
 * The options of `createEnricher`, their defaults and their validation: everything a user can get
 * wrong is found here, once, with a message that says what to change.
 */

import { closestName } from '../parser/suggest.js';
import { CLIENT_IP_POLICIES, HMAC_MIN_KEY_BYTES } from './client-address.js';
import { EnricherOptionsError } from './errors.js';
import { DEFAULT_GEO_CACHE_SIZE, type GeoIpModule } from './geo.js';
import type { NamePattern } from './redact.js';
import type { ClientAddressSource, ClientIpMode, EnricherShape, GeoMode } from './types.js';
import { DEFAULT_USER_AGENT_CACHE_SIZE } from './user-agent.js';

/** Options of `createEnricher`. Every one is optional; the defaults are privacy-safe. */
export interface EnricherOptions extends EnricherShape {
  /**
   * `country` (default): `geo.country` from `c-country`, no database. `city`: also region, city,
   * coordinates and time zone of the client address, from geoip-lite (an optional peer
   * dependency, ~150 MB; see docs/enrich.md for its load time and memory). `none`: no `geo`.
   */
  readonly geo?: GeoMode | undefined;
  /** A loaded geoip-lite module, for bundles that cannot resolve it at run time. */
  readonly geoip?: GeoIpModule | undefined;
  /** Distinct addresses whose city is remembered. Default 10,000. */
  readonly geoCacheSize?: number | undefined;
  /** Classify `cs-user-agent` (browser, OS, device, bot). Default `true`. */
  readonly userAgent?: boolean | undefined;
  /** Distinct user agents remembered. Default 5,000. */
  readonly userAgentCacheSize?: number | undefined;
  /**
   * Where the client address comes from: `c-ip` (default: the address that connected to
   * CloudFront) or `x-forwarded-for` (its first public address, else `c-ip`), for viewers behind
   * a proxy you trust.
   */
  readonly clientAddress?: ClientAddressSource | undefined;
  /** What of the client address is output: `truncate` (default), `hash` or `keep`. */
  readonly clientIp?: ClientIpMode | undefined;
  /** The HMAC key for `clientIp: 'hash'`: at least 16 bytes, kept secret, stable across runs. */
  readonly hmacKey?: string | Uint8Array | undefined;
  /** Distinct addresses whose protected form is remembered. Default 10,000. */
  readonly addressCacheSize?: number | undefined;
  /** More request headers whose values are redacted in `cs-headers` (names or RegExps). */
  readonly redactHeaders?: readonly NamePattern[] | undefined;
  /** More query parameters whose values are redacted in URLs (names or RegExps). */
  readonly redactQueryParams?: readonly NamePattern[] | undefined;
  /**
   * Redact the built-in list of credential headers and secret-looking query parameters. Default
   * `true`; `false` leaves only your own `redactHeaders` / `redactQueryParams`.
   */
  readonly redactSecrets?: boolean | undefined;
  /** Keep `cs-cookie` (dropped by default: session cookies are credentials). */
  readonly keepCookies?: boolean | undefined;
}

/** The options with every default filled in. */
export interface ResolvedEnricherOptions {
  readonly geo: GeoMode;
  readonly geoip: GeoIpModule | undefined;
  readonly geoCacheSize: number;
  readonly userAgent: boolean;
  readonly userAgentCacheSize: number;
  readonly clientAddress: ClientAddressSource;
  readonly clientIp: ClientIpMode;
  readonly hmacKey: string | Uint8Array | undefined;
  readonly addressCacheSize: number;
  readonly redactHeaders: readonly NamePattern[];
  readonly redactQueryParams: readonly NamePattern[];
  readonly redactSecrets: boolean;
  readonly keepCookies: boolean;
}

/** Default number of distinct client addresses whose protected form is remembered. */
export const DEFAULT_ADDRESS_CACHE_SIZE = 10_000;

/** Largest cache accepted: a million entries is already hundreds of MB of strings. */
export const MAX_CACHE_SIZE = 1_000_000;

const GEO_MODES: readonly GeoMode[] = ['none', 'country', 'city'];
const SOURCES: readonly ClientAddressSource[] = ['c-ip', 'x-forwarded-for'];

const OPTION_NAMES = [
  'geo',
  'geoip',
  'geoCacheSize',
  'userAgent',
  'userAgentCacheSize',
  'clientAddress',
  'clientIp',
  'hmacKey',
  'addressCacheSize',
  'redactHeaders',
  'redactQueryParams',
  'redactSecrets',
  'keepCookies',
] as const satisfies readonly (keyof EnricherOptions)[];

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/**
 * Validates options and fills in defaults; throws `EnricherOptionsError` listing every problem.
 *
 * @example
 * resolveEnricherOptions({ clientIp: 'hash', hmacKey: 'a-long-secret-key-from-ssm' }).geo; // 'country'
 */
export function resolveEnricherOptions(options: EnricherOptions = {}): ResolvedEnricherOptions {
  const problems: string[] = [];
  if (typeof options !== 'object' || options === null) {
    throw new EnricherOptionsError([`Enricher options must be an object, not ${show(options)}.`]);
  }
  const known = new Set<string>(OPTION_NAMES);
  for (const key of Object.keys(options)) {
    if (known.has(key)) continue;
    const near = closestName(key, OPTION_NAMES);
    problems.push(`Unknown option "${key}"${near === null ? '.' : `; did you mean "${near}"?`}`);
  }
  const oneOf = <T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T => {
    if (value === undefined) return fallback;
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, not ${show(value)}.`);
    return fallback;
  };
  const flag = (name: string, value: unknown, fallback: boolean): boolean => {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    problems.push(`${name} must be true or false, not ${show(value)}.`);
    return fallback;
  };
  const size = (name: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_CACHE_SIZE) {
      return value;
    }
    problems.push(`${name} must be an integer from 0 (no cache) to ${MAX_CACHE_SIZE}, not ${show(value)}.`);
    return fallback;
  };
  const patterns = (name: string, value: unknown): readonly NamePattern[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      problems.push(`${name} must be a list of header or parameter names (strings or RegExps).`);
      return [];
    }
    for (const p of value) {
      if (!(p instanceof RegExp) && (typeof p !== 'string' || p.trim() === '')) {
        problems.push(`${name} items must be non-empty strings or RegExps, not ${show(p)}.`);
      }
    }
    return value as NamePattern[];
  };

  const geo = oneOf('geo', options.geo, GEO_MODES, 'country');
  const clientIp = oneOf('clientIp', options.clientIp, CLIENT_IP_POLICIES, 'truncate');
  const hmacKey = options.hmacKey;
  if (clientIp === 'hash') {
    const bytes =
      typeof hmacKey === 'string'
        ? Buffer.byteLength(hmacKey)
        : hmacKey instanceof Uint8Array
          ? hmacKey.byteLength
          : -1;
    if (bytes === -1) {
      problems.push(
        "clientIp: 'hash' needs hmacKey (a secret string or bytes, e.g. from Secrets Manager or SSM; CFRT_HMAC_KEY for the handler).",
      );
    } else if (bytes < HMAC_MIN_KEY_BYTES) {
      problems.push(`hmacKey must be at least ${HMAC_MIN_KEY_BYTES} bytes (it has ${bytes}).`);
    }
  }
  const geoip = options.geoip;
  if (
    geoip !== undefined &&
    (typeof geoip !== 'object' || geoip === null || typeof geoip.lookup !== 'function')
  ) {
    problems.push('geoip must be the geoip-lite module (an object with a lookup function).');
  }

  const resolved: ResolvedEnricherOptions = {
    geo,
    geoip,
    geoCacheSize: size('geoCacheSize', options.geoCacheSize, DEFAULT_GEO_CACHE_SIZE),
    userAgent: flag('userAgent', options.userAgent, true),
    userAgentCacheSize: size('userAgentCacheSize', options.userAgentCacheSize, DEFAULT_USER_AGENT_CACHE_SIZE),
    clientAddress: oneOf('clientAddress', options.clientAddress, SOURCES, 'c-ip'),
    clientIp,
    hmacKey,
    addressCacheSize: size('addressCacheSize', options.addressCacheSize, DEFAULT_ADDRESS_CACHE_SIZE),
    redactHeaders: patterns('redactHeaders', options.redactHeaders),
    redactQueryParams: patterns('redactQueryParams', options.redactQueryParams),
    redactSecrets: flag('redactSecrets', options.redactSecrets, true),
    keepCookies: flag('keepCookies', options.keepCookies, false),
  };
  if (problems.length > 0) throw new EnricherOptionsError(problems);
  return resolved;
}
