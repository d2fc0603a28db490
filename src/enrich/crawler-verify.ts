/**
 * Crawler verification: is the client address of a request whose user agent claims a crawler
 * (Googlebot, bingbot) inside the address ranges its operator publishes? Anyone can write
 * `Googlebot` in a user agent; only Google's addresses can send it. The check is on the full
 * address, before the privacy policy truncates or hashes it (a /24 says nothing about a /27).
 *
 * A crawler's prefixes are parsed the first time a record claims it, into sorted, disjoint
 * intervals searched by bisection: IPv4 as 32-bit numbers, IPv6 as four 32-bit words. Checking an
 * IPv4 address allocates nothing; an IPv6 one parses its text (IPv6 crawler traffic is rare).
 */
import type { CrawlerVerdict } from '../model/classes.js';
import { CRAWLER_RANGES, GOOGLEBOT_FAMILY } from './crawler-ranges.js';
import { mappedIPv4, parseIPv6, parseIp, withoutPort } from './ip.js';

export type { CrawlerVerdict };

/** Most prefixes accepted for one crawler in `crawlerRanges` (Googlebot publishes about 300). */
export const MAX_CRAWLER_PREFIXES = 10_000;

/**
 * Longest address text looked at: the longest IPv6 text with a port and brackets is 53
 * characters (`[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535`); longer text is not an
 * address and is not parsed.
 */
export const MAX_ADDRESS_TEXT = 64;

/** A parsed prefix: its first and last address (IPv6 as four 32-bit words, most significant first). */
export type CidrRange =
  | { readonly version: 4; readonly first: number; readonly last: number }
  | {
      readonly version: 6;
      readonly first: readonly [number, number, number, number];
      readonly last: readonly [number, number, number, number];
    };

/**
 * The value of dotted-quad IPv4 text between `from` and `to` (four decimal octets 0-255, no
 * leading zeros: the rule of `parseIp`), or -1. Allocates nothing.
 */
export function ipv4Value(text: string, from = 0, to = text.length): number {
  if (to - from < 7 || to - from > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let first = 0;
  let dots = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || (digits > 1 && first === 0) || octet > 255) return -1;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57 || digits === 3) return -1;
    if (digits === 0) first = c - 48;
    octet = octet * 10 + (c - 48);
    digits++;
  }
  if (dots !== 3 || digits === 0 || (digits > 1 && first === 0) || octet > 255) return -1;
  return value * 256 + octet;
}

/** The mask of the top `bits` (0-32) bits of a 32-bit word, unsigned. */
function maskOf(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}

function v4Range(value: number, length: number): CidrRange {
  const mask = maskOf(length);
  const first = (value & mask) >>> 0;
  return { version: 4, first, last: (first | ~mask) >>> 0 };
}

/** Four 32-bit words of 8 hextets. */
function wordsOf(parts: readonly number[], out: Uint32Array | number[]): void {
  for (let k = 0; k < 4; k++) out[k] = parts[2 * k]! * 65_536 + parts[2 * k + 1]!;
}

/**
 * Parses a prefix in CIDR notation (`66.249.64.0/27`, `2001:4860:4801:10::/64`), or a single
 * address (a range of one). Host bits are ignored (`66.249.66.1/24` is `66.249.66.0/24`); an
 * IPv4-mapped IPv6 prefix of length 96 or more (`::ffff:66.249.66.0/120`) is the IPv4 prefix it
 * maps. `null` for anything else.
 *
 * @example
 * parseCidr('66.249.64.0/27'); // { version: 4, first: 1123631104, last: 1123631135 }
 * parseCidr('66.249.64.0/33'); // null
 */
export function parseCidr(text: string): CidrRange | null {
  if (typeof text !== 'string' || text.length > MAX_ADDRESS_TEXT) return null;
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  let length = -1;
  if (slash !== -1) {
    const bits = text.slice(slash + 1);
    if (!/^(?:0|[1-9]\d{0,2})$/.test(bits)) return null;
    length = Number(bits);
  }
  const v4 = ipv4Value(address);
  if (v4 >= 0) return length > 32 ? null : v4Range(v4, length === -1 ? 32 : length);
  if (address.indexOf(':') === -1 || address.indexOf('%') !== -1) return null;
  const parts = parseIPv6(address);
  if (parts === null || length > 128) return null;
  const bits = length === -1 ? 128 : length;
  const mapped = mappedIPv4(parts);
  if (mapped !== null && bits >= 96) {
    return v4Range(
      ((mapped[0]! << 24) | (mapped[1]! << 16) | (mapped[2]! << 8) | mapped[3]!) >>> 0,
      bits - 96,
    );
  }
  const words = [0, 0, 0, 0];
  wordsOf(parts, words);
  const first: [number, number, number, number] = [0, 0, 0, 0];
  const last: [number, number, number, number] = [0, 0, 0, 0];
  for (let k = 0; k < 4; k++) {
    const mask = maskOf(bits - 32 * k);
    const f = (words[k]! & mask) >>> 0;
    first[k] = f;
    last[k] = (f | ~mask) >>> 0;
  }
  return { version: 6, first, last };
}

/** -1, 0 or 1 as words `a[ai..ai+3]` are below, equal to or above `b[bi..bi+3]`. */
function compare(a: ArrayLike<number>, ai: number, b: ArrayLike<number>, bi: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[ai + k]!;
    const y = b[bi + k]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** A crawler's ranges as sorted, disjoint intervals. */
class CidrSet {
  readonly #first4: Float64Array;
  readonly #last4: Float64Array;
  readonly #first6: Uint32Array;
  readonly #last6: Uint32Array;

  constructor(prefixes: readonly string[]) {
    const v4: [number, number][] = [];
    const v6: [readonly number[], readonly number[]][] = [];
    for (const p of prefixes) {
      const r = parseCidr(p);
      if (r === null) continue;
      if (r.version === 4) v4.push([r.first, r.last]);
      else v6.push([r.first, r.last]);
    }
    // Sorted by first address, overlapping intervals joined: then the only candidate for an
    // address is the last interval starting at or below it.
    v4.sort((a, b) => a[0] - b[0]);
    const m4: [number, number][] = [];
    for (const [f, l] of v4) {
      const top = m4[m4.length - 1];
      if (top !== undefined && f <= top[1]) top[1] = Math.max(top[1], l);
      else m4.push([f, l]);
    }
    this.#first4 = Float64Array.from(m4, (r) => r[0]);
    this.#last4 = Float64Array.from(m4, (r) => r[1]);
    v6.sort((a, b) => compare(a[0], 0, b[0], 0));
    const m6: [readonly number[], number[]][] = [];
    for (const [f, l] of v6) {
      const top = m6[m6.length - 1];
      if (top !== undefined && compare(f, 0, top[1], 0) <= 0) {
        if (compare(l, 0, top[1], 0) > 0) top[1] = [...l];
      } else m6.push([f, [...l]]);
    }
    this.#first6 = Uint32Array.from(m6.flatMap((r) => r[0]));
    this.#last6 = Uint32Array.from(m6.flatMap((r) => r[1]));
  }

  has4(x: number): boolean {
    const first = this.#first4;
    let lo = 0;
    let hi = first.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (first[mid]! <= x) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at !== -1 && x <= this.#last4[at]!;
  }

  has6(words: Uint32Array): boolean {
    const first = this.#first6;
    let lo = 0;
    let hi = first.length / 4 - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(first, mid * 4, words, 0) <= 0) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return at !== -1 && compare(words, 0, this.#last6, at * 4) <= 0;
  }
}

/** Checks crawler claims against one table of published ranges. */
export interface CrawlerVerifier {
  /**
   * The crawler of the table a bot name is checked against (`Googlebot` for `Googlebot-Image`),
   * or null when the table has none for it.
   */
  crawlerOf(botName: string | null | undefined): string | null;
  /**
   * `verified` when `address` (a client address as CloudFront or a proxy wrote it: IPv4, IPv6,
   * IPv4-mapped IPv6, with a port or brackets) is in the ranges of the crawler `botName` claims,
   * `spoofed` when it is not; null when the bot is not one the table verifies, or the text is not
   * an address. Never throws.
   */
  verify(botName: string | null | undefined, address: string | null | undefined): CrawlerVerdict | null;
}

/**
 * A verifier over `ranges` (crawler name -> prefixes; default the bundled `CRAWLER_RANGES`).
 * A table without `Googlebot` leaves Google's crawlers unchecked; its other names are bot names
 * as `ua.botName` gives them. Prefixes that do not parse are skipped (the enricher's options
 * refuse them first). Each crawler's prefixes are parsed when a record first claims it.
 *
 * @example
 * const v = createCrawlerVerifier();
 * v.verify('Googlebot', '66.249.66.1');  // 'verified'
 * v.verify('Googlebot', '203.0.113.7');  // 'spoofed'
 * v.verify('curl', '203.0.113.7');       // null
 */
export function createCrawlerVerifier(
  ranges: Readonly<Record<string, readonly string[]>> = CRAWLER_RANGES,
): CrawlerVerifier {
  const sets = new Map<string, CidrSet>();
  const words = new Uint32Array(4);
  const own = (name: string) => Object.hasOwn(ranges, name);
  const google = own('Googlebot');
  const family = new Set(GOOGLEBOT_FAMILY);

  function crawlerOf(botName: string | null | undefined): string | null {
    if (typeof botName !== 'string' || botName === '') return null;
    if (own(botName)) return botName;
    return google && family.has(botName) ? 'Googlebot' : null;
  }

  function setOf(crawler: string): CidrSet {
    let set = sets.get(crawler);
    if (set === undefined) {
      const prefixes = ranges[crawler];
      set = new CidrSet(Array.isArray(prefixes) ? prefixes : []);
      sets.set(crawler, set);
    }
    return set;
  }

  return {
    crawlerOf,
    verify(botName, address) {
      const crawler = crawlerOf(botName);
      if (crawler === null || typeof address !== 'string' || address.length > MAX_ADDRESS_TEXT) return null;
      const text = withoutPort(address);
      const v4 = ipv4Value(text);
      const set = setOf(crawler);
      if (v4 >= 0) return set.has4(v4) ? 'verified' : 'spoofed';
      if (text.indexOf(':') === -1) return null;
      const ip = parseIp(text);
      if (ip === null || ip.version !== 6) return null;
      const mapped = mappedIPv4(ip.parts);
      if (mapped !== null) {
        const value = mapped[0]! * 16_777_216 + mapped[1]! * 65_536 + mapped[2]! * 256 + mapped[3]!;
        return set.has4(value) ? 'verified' : 'spoofed';
      }
      wordsOf(ip.parts, words);
      return set.has6(words) ? 'verified' : 'spoofed';
    },
  };
}

const verifiers = new WeakMap<object, CrawlerVerifier>();

/**
 * Whether a request claiming crawler `botName` (a `ua.botName`) from `address` came from that
 * crawler's published ranges: `verified`, `spoofed`, or null when the crawler publishes none in
 * `ranges` (default: the bundled `CRAWLER_RANGES`) or the address is not one. The enricher sets
 * `ua.crawler` with it.
 *
 * @example
 * verifyCrawler('Googlebot', '66.249.66.1');              // 'verified'
 * verifyCrawler('bingbot', '66.249.66.1');                // 'spoofed'
 * verifyCrawler('Googlebot', '::ffff:66.249.66.1');       // 'verified'
 * verifyCrawler('Googlebot', '203.0.113.7', { Googlebot: ['203.0.113.0/24'] }); // 'verified'
 */
export function verifyCrawler(
  botName: string | null | undefined,
  address: string | null | undefined,
  ranges: Readonly<Record<string, readonly string[]>> = CRAWLER_RANGES,
): CrawlerVerdict | null {
  let v = verifiers.get(ranges);
  if (v === undefined) {
    v = createCrawlerVerifier(ranges);
    verifiers.set(ranges, v);
  }
  return v.verify(botName, address);
}
