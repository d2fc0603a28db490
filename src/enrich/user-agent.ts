/**
 * User agents: a bot flag and name (isbot, maintained upstream), browser family and major
 * version, OS and device type (ua-parser-js 1.x, MIT; 2.x is AGPL). Both are regex-heavy
 * (tens of µs a string), and a site sees few distinct user agents, so results are cached by
 * the user agent string.
 */
import { isbotMatch } from 'isbot';
import { UAParser } from 'ua-parser-js';
import { flatCopy } from '../model/flat-copy.js';
import { botName } from './bot-names.js';
import { type BoundedCache, createBoundedCache } from './lru.js';
import type { CrawlerVerdict, DeviceType, UserAgentFields } from './types.js';

/** What `ua` holds for one user agent string. */
export type UserAgentInfo = UserAgentFields['ua'];

/** Default number of distinct user agents remembered. */
export const DEFAULT_USER_AGENT_CACHE_SIZE = 5_000;

/** User agents longer than this are parsed on their first 512 characters (ua-parser-js 1.x does the same: UA_MAX_LENGTH 500). */
export const USER_AGENT_MAX_LENGTH = 512;

/**
 * A frozen `ua` value. Every one is made here, by one object literal, so all of them (unknown,
 * browsers, bots, crawler verdicts) share one hidden class: the aggregator reads them on every
 * record, and a fourth or fifth shape would turn those reads polymorphic or megamorphic.
 */
function info(
  browser: string | null,
  browserMajor: string | null,
  os: string | null,
  device: DeviceType,
  isBot: boolean,
  botName: string | null,
  crawler: CrawlerVerdict | null,
): UserAgentInfo {
  return Object.freeze({ browser, browserMajor, os, device, isBot, botName, crawler });
}

const UNKNOWN: UserAgentInfo = info(null, null, null, 'unknown', false, null, null);

/**
 * `ua` with a crawler verdict (frozen, of the same shape); the enricher keeps one of each per
 * classified user agent, so records share them.
 */
export function withCrawlerVerdict(ua: UserAgentInfo, crawler: CrawlerVerdict | null): UserAgentInfo {
  return info(ua.browser, ua.browserMajor, ua.os, ua.device, ua.isBot, ua.botName, crawler);
}

/** ua-parser-js device types this library folds into `other`. */
const DEVICE_BY_TYPE: Readonly<Record<string, DeviceType>> = {
  mobile: 'mobile',
  tablet: 'tablet',
  smarttv: 'other',
  console: 'other',
  wearable: 'other',
  embedded: 'other',
  xr: 'other',
};

/** Operating systems whose user agents, without a device type, are desktops and laptops. */
const DESKTOP_OS = new Set([
  'Windows',
  'Mac OS',
  'macOS',
  'Linux',
  'Ubuntu',
  'Debian',
  'Fedora',
  'Chromium OS',
  'Chrome OS',
  'FreeBSD',
  'OpenBSD',
  'NetBSD',
  'Mint',
  'Arch',
  'Gentoo',
  'SUSE',
  'Red Hat',
  'CentOS',
  'Solaris',
  'Manjaro',
]);

/** ua-parser-js names a few browsers by platform; the platform is what `device` says. */
const BROWSER_FAMILY: Readonly<Record<string, string>> = {
  'Mobile Safari': 'Safari',
  'Mobile Firefox': 'Firefox',
  'Mobile Chrome': 'Chrome',
  'Chrome Mobile': 'Chrome',
  'Chrome WebView': 'Chrome WebView',
  'Opera Mobi': 'Opera',
  'Opera Touch': 'Opera',
};

/**
 * True for a user agent that says nothing: absent, empty, `-` or blank.
 *
 * @example
 * isEmptyUserAgent('-'); // true
 */
export function isEmptyUserAgent(ua: string | null | undefined): boolean {
  return ua === null || ua === undefined || ua === '-' || ua.trim() === '';
}

/** Parses one user agent, uncached. */
function parseUserAgent(parser: UAParser, ua: string): UserAgentInfo {
  if (isEmptyUserAgent(ua)) return UNKNOWN;
  const text = ua.length > USER_AGENT_MAX_LENGTH ? ua.slice(0, USER_AGENT_MAX_LENGTH) : ua;
  parser.setUA(text);
  const os = parser.getOS().name ?? null;
  const match = isbotMatch(text);
  // A bot is not a browser: Googlebot's "Chrome/131" token must not count as Chrome.
  if (match !== null) {
    // The crawler verdict depends on the address, not the user agent: the enricher sets it.
    return info(null, null, os, 'bot', true, botName(text, match), null);
  }
  const browser = parser.getBrowser();
  const deviceType = parser.getDevice().type;
  const name = browser.name === undefined ? null : (BROWSER_FAMILY[browser.name] ?? browser.name);
  const device: DeviceType =
    deviceType !== undefined
      ? (DEVICE_BY_TYPE[deviceType] ?? 'other')
      : os !== null && DESKTOP_OS.has(os)
        ? 'desktop'
        : 'other';
  return info(name, name === null ? null : (browser.major ?? null), os, device, false, null, null);
}

/** A user agent classifier with its cache. */
export interface UserAgentClassifier {
  classify(ua: string | null | undefined): UserAgentInfo;
  readonly cache: BoundedCache<string, UserAgentInfo>;
}

/**
 * A user agent classifier; results are cached by string (`cacheSize` distinct user agents).
 * Results are frozen and shared between records: copy one before changing it.
 *
 * @example
 * const ua = createUserAgentClassifier();
 * ua.classify('curl/8.5.0').botName; // 'curl'
 * ua.classify('-').device;           // 'unknown'
 */
export function createUserAgentClassifier(
  cacheSize: number = DEFAULT_USER_AGENT_CACHE_SIZE,
): UserAgentClassifier {
  const parser = new UAParser();
  const cache = createBoundedCache<string, UserAgentInfo>(cacheSize, flatCopy);
  const compute = (ua: string) => parseUserAgent(parser, ua);
  return {
    cache,
    classify(ua) {
      if (ua === null || ua === undefined) return UNKNOWN;
      return cache.getOrCompute(ua, compute);
    },
  };
}
