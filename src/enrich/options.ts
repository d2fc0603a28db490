/**
 * The options of `createEnricher`, their defaults and their validation: everything a user can get
 * wrong is found here, once, with a message that says what to change.
 */

import * as z from 'zod/mini';
import type { ConfigIssue } from '../model/errors.js';
import {
  checkOptions,
  flag,
  type OptionShape,
  oneOf,
  unknownOptionIssues,
  wholeNumber,
} from '../model/options.js';
import { secretKeyIssues } from '../model/secret-key.js';
import { MAX_CRAWLER_PREFIXES, parseCidr } from './crawler-verify.js';
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
  /**
   * The published address ranges of crawlers, by name, that `ua.crawler` checks claims against:
   * this table replaces the bundled `CRAWLER_RANGES` (Google's and Bing's files as of the release;
   * they change). Names are bot names as `ua.botName` gives them, without spaces; `Googlebot` also
   * covers the crawlers Google lists under the same file (`GOOGLEBOT_FAMILY`). Prefixes in CIDR
   * notation, IPv4 or IPv6, at most `MAX_CRAWLER_PREFIXES` a crawler. `{}` verifies nothing.
   */
  readonly crawlerRanges?: Readonly<Record<string, readonly string[]>> | undefined;
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
  /** `undefined`: the bundled `CRAWLER_RANGES`. */
  readonly crawlerRanges: Readonly<Record<string, readonly string[]>> | undefined;
}

/** Default number of distinct client addresses whose protected form is remembered. */
export const DEFAULT_ADDRESS_CACHE_SIZE = 10_000;

/** Largest cache accepted: a million entries is already hundreds of MB of strings. */
export const MAX_CACHE_SIZE = 1_000_000;

const CIDR_MESSAGE = 'must be an address range in CIDR notation (66.249.64.0/27, 2001:4860:4801:10::/64)';

const cacheSize = (fallback: number) =>
  z._default(
    wholeNumber(0, MAX_CACHE_SIZE, `must be a whole number from 0 (no cache) to ${MAX_CACHE_SIZE}`),
    fallback,
  );

/**
 * The enricher's plain options, declared once: allowed values, default and message. The handler
 * and the CLI compose these (`CFRT_GEO`, `--geo`) instead of restating them.
 */
export const ENRICHER_OPTIONS = {
  geo: z._default(oneOf(['none', 'country', 'city']), 'country'),
  geoCacheSize: cacheSize(DEFAULT_GEO_CACHE_SIZE),
  userAgent: z._default(flag(), true),
  userAgentCacheSize: cacheSize(DEFAULT_USER_AGENT_CACHE_SIZE),
  clientAddress: z._default(oneOf(['c-ip', 'x-forwarded-for']), 'c-ip'),
  clientIp: z._default(oneOf(['truncate', 'hash', 'keep']), 'truncate'),
  addressCacheSize: cacheSize(DEFAULT_ADDRESS_CACHE_SIZE),
  redactSecrets: z._default(flag(), true),
  keepCookies: z._default(flag(), false),
  crawlerRanges: z.optional(
    z.record(
      z.string(),
      z
        .array(
          z.string({ error: CIDR_MESSAGE }).check(z.refine((p) => parseCidr(p) !== null, CIDR_MESSAGE)),
          { error: 'must be a list of address ranges in CIDR notation' },
        )
        .check(z.maxLength(MAX_CRAWLER_PREFIXES, `must list at most ${MAX_CRAWLER_PREFIXES} prefixes`)),
      { error: 'must be an object of crawler names to lists of address ranges' },
    ),
  ),
} as const satisfies OptionShape;

const declared = z.object(ENRICHER_OPTIONS);

const OPTION_NAMES = [
  ...(Object.keys(ENRICHER_OPTIONS) as (keyof typeof ENRICHER_OPTIONS)[]),
  'geoip',
  'hmacKey',
  'redactHeaders',
  'redactQueryParams',
] as const satisfies readonly (keyof EnricherOptions)[];

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function patternIssues(name: string, value: unknown): ConfigIssue[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    return [{ path: [name], message: 'must be a list of header or parameter names (strings or RegExps)' }];
  }
  return value.flatMap((p, i): ConfigIssue[] =>
    p instanceof RegExp || (typeof p === 'string' && p.trim() !== '')
      ? []
      : [{ path: [name, i], message: `must be a non-empty string or a RegExp; got ${show(p)}` }],
  );
}

/** Crawler names are the first word of spoofed-crawler keys (`<crawler> <client>`): no spaces. */
function crawlerNameIssues(ranges: unknown): ConfigIssue[] {
  if (typeof ranges !== 'object' || ranges === null) return [];
  return Object.keys(ranges).flatMap((name): ConfigIssue[] =>
    name === '' || /\s/.test(name) || name.length > 64
      ? [
          {
            path: ['crawlerRanges', name],
            message: 'must be a bot name (as ua.botName gives it) without spaces',
          },
        ]
      : [],
  );
}

/**
 * Checks options against their declarations and fills in defaults; throws `EnricherOptionsError`
 * listing every problem (structured `issues`).
 *
 * @example
 * resolveEnricherOptions({ clientIp: 'hash', hmacKey: 'a-long-secret-key-from-ssm' }).geo; // 'country'
 */
export function resolveEnricherOptions(options: EnricherOptions = {}): ResolvedEnricherOptions {
  if (typeof options !== 'object' || options === null) {
    throw new EnricherOptionsError([
      { path: [], message: `enricher options must be an object, not ${show(options)}` },
    ]);
  }
  const issues: ConfigIssue[] = [...unknownOptionIssues(options, OPTION_NAMES)];
  // Options given as `undefined` take their defaults (the declarations' inputs are optional).
  const checked = checkOptions(declared, options);
  issues.push(...checked.issues);
  const hmacKey = options.hmacKey;
  if (checked.value?.clientIp === 'hash' && hmacKey === undefined) {
    issues.push({
      path: ['hmacKey'],
      message:
        "is required with clientIp: 'hash' (a secret string or bytes, e.g. from Secrets Manager or SSM; CFRT_HMAC_KEY for the handler)",
    });
  }
  issues.push(...secretKeyIssues(hmacKey, 'hmacKey'));
  const geoip = options.geoip;
  if (
    geoip !== undefined &&
    (typeof geoip !== 'object' || geoip === null || typeof geoip.lookup !== 'function')
  ) {
    issues.push({
      path: ['geoip'],
      message: 'must be the geoip-lite module (an object with a lookup function)',
    });
  }
  issues.push(...patternIssues('redactHeaders', options.redactHeaders));
  issues.push(...patternIssues('redactQueryParams', options.redactQueryParams));
  issues.push(...crawlerNameIssues(options.crawlerRanges));
  if (!checked.ok || issues.length > 0) throw new EnricherOptionsError(issues);
  const c = checked.value;
  return {
    ...c,
    geoip,
    hmacKey,
    redactHeaders: options.redactHeaders ?? [],
    redactQueryParams: options.redactQueryParams ?? [],
    crawlerRanges: c.crawlerRanges,
  };
}
