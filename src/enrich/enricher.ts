/**
 * `createEnricher`: one object that derives the enriched keys of a record (`derive`), applies the
 * privacy policy to its CloudFront fields (`protect`), or both (`enrich`). Options are validated
 * and every lookup table, cache and matcher is built here, once; per record, the enricher only
 * tests which fields exist, indexes, looks up and caches.
 */

import type { CrawlerVerdict } from '../model/classes.js';
import { blankFieldKeys, deriveFieldKeys, type FieldKeys } from '../model/derive.js';
import { createAddressProtector, firstPublicAddress } from './client-address.js';
import { CRAWLER_RANGES } from './crawler-ranges.js';
import { createCrawlerVerifier } from './crawler-verify.js';
import { edgeLocation } from './edge.js';
import { type CityLocator, createCityLocator, resolveGeoIp } from './geo.js';
import { withoutPort } from './ip.js';
import type { CacheStats } from './lru.js';
import { type EnricherOptions, resolveEnricherOptions } from './options.js';
import { createRecordCopier } from './record-copier.js';
import {
  createNameMatcher,
  DEFAULT_REDACTED_HEADERS,
  looksLikeUrl,
  REDACTED,
  redactParams,
  redactQuery,
  redactUrlQuery,
} from './redact.js';
import type { DefaultEnricherShape, Derived, EnricherShape } from './types.js';
import { urlInfo } from './url.js';
import {
  createUserAgentClassifier,
  type UserAgentClassifier,
  type UserAgentInfo,
  withCrawlerVerdict,
} from './user-agent.js';

/** Cache sizes and hit counts, for sizing the caches on real traffic. */
export interface EnricherStats {
  readonly userAgent: CacheStats | null;
  readonly geo: CacheStats | null;
  readonly address: CacheStats | null;
}

/**
 * The half of `derive` that needs an enricher's tables, caches and policy: user agent, edge location,
 * geography by city, the protected client and referer. For a consumer that owns a record and reads
 * the other keys from its fields itself (the line pipeline derives these in place on the records
 * it parses, and leaves classes, path and airport to the aggregator's `deriveFieldKeys`).
 */
export interface EnricherLookups {
  /** The record fields the lookups read: what a parser must keep for `deriveInto`. */
  readonly fields: readonly string[];
  /**
   * Adds `ua`, `edge`, `geo`, `client` and `referer` to `out` as `derive` would, from `record`'s
   * fields (`out` may be `record` itself), except `geo` when it would only repeat `c-country`
   * (geography by country): an aggregator reads `c-country` itself. Never throws.
   */
  deriveInto(record: object, out: object): void;
}

/**
 * `derive` and `protect` on a record the caller owns (one it just parsed, say), without the copy
 * each of them makes: the same keys, values and key order as `derive` and `protect` give, on the
 * record itself. For the handler's record path, which parses a record, derives it, counts it and
 * protects it for the sinks: one object per line where the copies made three (measured on the
 * 40-field layout's bench, see bench/cases/handler-records.ts).
 */
export interface EnricherInPlace {
  /** Adds the keys `derive` adds, to `record` itself. Never throws. */
  derive(record: object): void;
  /** Applies the privacy policy `protect` applies, to `record` itself. Never throws. */
  protect(record: object): void;
}

/** Derives and protects records; build once, use for every record. */
export interface Enricher<O extends EnricherShape = DefaultEnricherShape> {
  /**
   * The record with the derived keys added (`statusClass`, `isError`, `cacheClass`,
   * `originShield`, `errorKind`, `url`, `ua`, `edge`, `geo`, `client`, `referer`), each only when
   * the fields it needs are keys of the record. CloudFront's fields are left as they are (the raw
   * `c-ip` is still there, for counting distinct clients under a keyed hash); `client`, `referer`
   * and `url.path` are already protected, and they are what an aggregator reads.
   * Never throws; the input is not modified.
   */
  derive<R extends object>(record: R): Derived<R, O>;
  /**
   * The record with the privacy policy applied to CloudFront's own fields: `c-ip` and
   * `x-forwarded-for` as `client`, credential and address headers redacted in `cs-headers`,
   * secret query values redacted in `cs-uri-stem`, `cs-uri-query` and `cs-referer`, `cs-cookie`
   * `null` unless kept. Apply it once (hashing a hash gives another hash). Never throws.
   */
  protect<R extends object>(record: R): R;
  /** `protect(derive(record))` in one copy: what leaves the process. */
  enrich<R extends object>(record: R): Derived<R, O>;
  /** The lookup half of `derive`, for a consumer that derives in place (see `EnricherLookups`). */
  readonly lookups: EnricherLookups;
  /** `derive` and `protect` without copying, for a record the caller owns (see `EnricherInPlace`). */
  readonly inPlace: EnricherInPlace;
  /** Loads the geography database now (with `geo: 'city'`), e.g. in a Lambda's init phase. */
  warmUp(): void;
  stats(): EnricherStats;
}

type Fields = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Builds an enricher. Throws `EnricherOptionsError` for options that cannot work, and
 * `GeoIpUnavailableError` for `geo: 'city'` without geoip-lite installed.
 *
 * @example
 * const parser = createParser(['timestamp', 'c-ip', 'sc-status', 'cs-user-agent'] as const);
 * const enricher = createEnricher();
 * const result = parser.parseLine(line);
 * if (result.ok) {
 *   const derived = enricher.derive(result.record); // derived.ua.isBot, derived.statusClass, derived.client
 *   aggregator.add(derived);                          // counts distinct clients on the raw c-ip
 *   sink.write([enricher.protect(derived)]);           // no raw address, cookie or secret leaves
 * }
 *
 * @example
 * // Keyed hashing instead of truncation, city-level geography:
 * createEnricher({ clientIp: 'hash', hmacKey: process.env.CFRT_HMAC_KEY, geo: 'city' });
 */
export function createEnricher<const O extends EnricherOptions = DefaultEnricherShape>(
  options?: O,
): Enricher<O> {
  const opts = resolveEnricherOptions(options);
  const copyFields = createRecordCopier();

  const ua: UserAgentClassifier | null = opts.userAgent
    ? createUserAgentClassifier(opts.userAgentCacheSize)
    : null;
  let city: CityLocator | null = null;
  if (opts.geo === 'city') {
    const injected = opts.geoip;
    city = createCityLocator(injected === undefined ? resolveGeoIp() : () => injected, opts.geoCacheSize);
  }
  // Parsed when a record first claims a crawler: nothing at construction or cold start.
  const crawlers = createCrawlerVerifier(opts.crawlerRanges ?? CRAWLER_RANGES);
  /** Per classified user agent of a verifiable crawler, its two verdict forms (frozen, shared). */
  const verdicts = new WeakMap<UserAgentInfo, Readonly<Record<CrawlerVerdict, UserAgentInfo>>>();
  /** `info` with the crawler verdict on `address`: the same object for every record, never a copy per record. */
  function withCrawler(info: UserAgentInfo, address: string | null): UserAgentInfo {
    if (!info.isBot || crawlers.crawlerOf(info.botName) === null) return info;
    const verdict = crawlers.verify(info.botName, address);
    if (verdict === null) return info;
    let forms = verdicts.get(info);
    if (forms === undefined) {
      forms = {
        verified: withCrawlerVerdict(info, 'verified'),
        spoofed: withCrawlerVerdict(info, 'spoofed'),
      };
      verdicts.set(info, forms);
    }
    return forms[verdict];
  }
  const countryGeo = opts.geo !== 'none';
  const fromXff = opts.clientAddress === 'x-forwarded-for';
  const addresses = createAddressProtector({
    policy: opts.clientIp,
    hmacKey: opts.hmacKey,
    cacheSize: opts.addressCacheSize,
  });
  const protectAddress = addresses.protect;
  const keepAddresses = opts.clientIp === 'keep';

  const split = (patterns: readonly (string | RegExp)[]) => ({
    names: patterns.filter((p): p is string => typeof p === 'string'),
    regexps: patterns.filter((p): p is RegExp => p instanceof RegExp),
  });
  const headerPatterns = split(opts.redactHeaders);
  const isSecretHeader = createNameMatcher(
    [...(opts.redactSecrets ? DEFAULT_REDACTED_HEADERS : []), ...headerPatterns.names],
    headerPatterns.regexps,
    // Address and viewer-location headers would undo truncation or hashing of c-ip.
    { secrets: opts.redactSecrets, addresses: !keepAddresses, locations: !keepAddresses },
  );
  const queryPatterns = split(opts.redactQueryParams);
  const isSecretParam = createNameMatcher(queryPatterns.names, queryPatterns.regexps, opts.redactSecrets);
  const redactUrls = opts.redactSecrets || opts.redactQueryParams.length > 0;
  /** A URL or path as it may be output: secret query, fragment, matrix and path values redacted. */
  const protectUrl = (url: string): string => (redactUrls ? redactUrlQuery(url, isSecretParam) : url);

  function rawClient(r: Fields, hasIp: boolean, hasXff: boolean): string | null {
    if (fromXff && hasXff) {
      const xff = r['x-forwarded-for'];
      const first = Array.isArray(xff) ? firstPublicAddress(xff.filter((x) => typeof x === 'string')) : null;
      if (first !== null) return first;
    }
    return hasIp ? str(r['c-ip']) : null;
  }

  const fieldKeys: FieldKeys = blankFieldKeys();

  /** The keys computed from the record's own fields (by the model's one rule), and URL facts. */
  function deriveClassesInto(r: Fields, out: Fields): void {
    const hasStatus = 'sc-status' in r;
    const hasResult = 'x-edge-result-type' in r || 'x-edge-response-result-type' in r;
    if (hasStatus || hasResult) {
      const keys = deriveFieldKeys(r, fieldKeys);
      if (hasStatus) {
        out.statusClass = keys.statusClass;
        out.isError = keys.isError;
      }
      if (hasResult) {
        out.cacheClass = keys.cacheClass;
        out.originShield = keys.originShield;
        out.errorKind = keys.errorKind;
      }
    }
    if ('cs-uri-stem' in r) {
      const info = urlInfo(
        str(r['cs-uri-stem']),
        str(r['cs-uri-query']),
        str(r['cache-behavior-path-pattern']),
        str(r['sc-content-type']),
      );
      // `/a;jsessionid=x/b`: the path as top paths may show it.
      const path = info.path;
      if (path !== null && path.indexOf('=') !== -1) {
        const safe = protectUrl(path);
        if (safe !== path) info.path = safe;
      }
      out.url = info;
    }
  }

  /**
   * The keys that need the enricher's tables, caches and policy: user agent, edge location,
   * geography, protected client (`lookups.deriveInto`, with `forAggregation`).
   */
  function deriveLookupsInto(r: Fields, out: Fields, forAggregation = false): void {
    const hasIp = 'c-ip' in r;
    const hasXff = fromXff && 'x-forwarded-for' in r;
    const hasClient = hasIp || hasXff;
    const hasCountry = 'c-country' in r;
    // The full address, as the policy below receives it: what a crawler claim is checked against.
    const raw = hasClient ? rawClient(r, hasIp, hasXff) : null;
    if (ua !== null && 'cs-user-agent' in r) out.ua = withCrawler(ua.classify(str(r['cs-user-agent'])), raw);
    if ('x-edge-location' in r) out.edge = edgeLocation(str(r['x-edge-location']));
    if (city !== null) {
      if (hasCountry || hasClient) {
        const place = raw === null ? null : city.locate(raw);
        const country = hasCountry ? str(r['c-country']) : null;
        out.geo = {
          country: country ?? place?.country ?? null,
          region: place?.region ?? null,
          city: place?.city ?? null,
          latitude: place?.latitude ?? null,
          longitude: place?.longitude ?? null,
          timezone: place?.timezone ?? null,
        };
      }
    } else if (countryGeo && hasCountry && !forAggregation) {
      // An aggregator reads `c-country` itself when `geo` is absent: the same value, no object.
      out.geo = { country: str(r['c-country']) };
    }
    if (hasClient) out.client = raw === null ? null : protectAddress(raw);
    if ('cs-referer' in r) {
      const referer = str(r['cs-referer']);
      out.referer = referer === null ? null : protectUrl(referer);
    }
  }

  function deriveInto(r: Fields, out: Fields): void {
    deriveClassesInto(r, out);
    deriveLookupsInto(r, out);
  }

  /** The protected form of one address-list item (`[redacted]` when nothing of it is safe). */
  const protectItem = (item: unknown): string =>
    typeof item === 'string' ? (protectAddress(withoutPort(item)) ?? REDACTED) : REDACTED;

  function protectHeader(h: unknown): unknown {
    if (!Array.isArray(h) || typeof h[0] !== 'string') return h === null ? null : [REDACTED, REDACTED];
    const name: string = h[0];
    const value: unknown = h[1];
    if (value === '') return h;
    if (typeof value !== 'string') return [name, REDACTED];
    // The matcher caches its verdict per name: names repeat on every record.
    if (isSecretHeader(name)) return [name, REDACTED];
    // A kept header's own `name=value` pairs: a URL's query (`Referer`, `X-Original-URL`), a list.
    if (redactUrls && value.indexOf('=') !== -1) {
      const redacted = redactParams(value, isSecretParam, looksLikeUrl(value));
      return redacted === value ? h : [name, redacted];
    }
    return h;
  }

  /** The headers with secrets redacted; the same array when nothing changed (most records). */
  function protectHeaders(headers: readonly unknown[]): readonly unknown[] {
    let out: unknown[] | null = null;
    for (let i = 0; i < headers.length; i++) {
      const h = headers[i];
      const p = protectHeader(h);
      if (out === null && p !== h) out = headers.slice(0, i);
      if (out !== null) out.push(p);
    }
    return out ?? headers;
  }

  function protectInPlace(out: Fields): void {
    if (!keepAddresses) {
      if ('c-ip' in out) {
        const ip = out['c-ip'];
        out['c-ip'] = typeof ip === 'string' ? protectAddress(ip) : null;
      }
      if ('x-forwarded-for' in out) {
        const xff = out['x-forwarded-for'];
        out['x-forwarded-for'] = Array.isArray(xff)
          ? xff.map(protectItem)
          : typeof xff === 'string'
            ? xff.split(',').map((s) => protectItem(s.trim()))
            : null;
      }
    }
    if ('cs-headers' in out) {
      const headers = out['cs-headers'];
      if (Array.isArray(headers)) out['cs-headers'] = protectHeaders(headers);
      // Not the parser's shape: nothing in it can be vouched for.
      else if (headers !== null) out['cs-headers'] = null;
    }
    if (redactUrls) {
      for (const field of ['cs-uri-stem', 'cs-referer'] as const) {
        const v = out[field];
        if (typeof v === 'string') out[field] = protectUrl(v);
      }
      const q = out['cs-uri-query'];
      if (typeof q === 'string') out['cs-uri-query'] = redactQuery(q, isSecretParam);
    }
    if (!opts.keepCookies && 'cs-cookie' in out) out['cs-cookie'] = null;
  }

  const lookups: EnricherLookups = {
    fields: fromXff ? LOOKUP_FIELDS : LOOKUP_FIELDS.filter((f) => f !== 'x-forwarded-for'),
    deriveInto: (record, out) => deriveLookupsInto(record as Fields, out as Fields, true),
  };

  const inPlace: EnricherInPlace = {
    derive: (record) => deriveInto(record as Fields, record as Fields),
    protect: (record) => protectInPlace(record as Fields),
  };

  const enricher: Enricher<O> = {
    lookups,
    inPlace,
    derive<R extends object>(record: R): Derived<R, O> {
      const out = copyFields(record);
      deriveInto(record as Fields, out);
      return out as Derived<R, O>;
    },
    protect<R extends object>(record: R): R {
      const out = copyFields(record);
      protectInPlace(out);
      return out as R;
    },
    enrich<R extends object>(record: R): Derived<R, O> {
      const out = copyFields(record);
      deriveInto(record as Fields, out);
      protectInPlace(out);
      return out as Derived<R, O>;
    },
    warmUp() {
      // The first lookup loads the database; any address will do.
      city?.locate('0.0.0.0');
    },
    stats() {
      return {
        userAgent: ua?.cache.stats() ?? null,
        geo: city?.cache.stats() ?? null,
        address: addresses.stats(),
      };
    },
  };
  return enricher;
}

/** What `deriveLookupsInto` reads. */
const LOOKUP_FIELDS: readonly string[] = [
  'cs-user-agent',
  'cs-referer',
  'x-edge-location',
  'c-ip',
  'x-forwarded-for',
  'c-country',
];
