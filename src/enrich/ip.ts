/**
 * IP address parsing, formatting, truncation and the public/private test, written out by hand:
 * `node:net` has no parser that returns the bytes, and these run once per distinct address
 * (results are cached), so they favour exactness (RFC 4291 text forms, RFC 5952 output) over speed.
 */

/** A parsed address: 4 octets (IPv4) or 8 hextets (IPv6). */
export type ParsedIp =
  | { readonly version: 4; readonly parts: readonly number[] }
  | {
      readonly version: 6;
      readonly parts: readonly number[];
    };

/**
 * For dotted-quad IPv4 text (`203.0.113.7`: four decimal octets 0-255, no leading zeros beyond a
 * lone `0`, which is octal to some parsers and an ambiguity we refuse to resolve), the index of
 * its last dot; -1 for any other text. Allocates nothing: it runs on every record's address (see
 * `truncateDottedQuad`).
 */
function lastDotOfDottedQuad(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let dots = 0;
  let digits = 0;
  let value = 0;
  let first = 0;
  let lastDot = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || (digits > 1 && first === 0) || value > 255) return -1;
      dots++;
      lastDot = i;
      digits = 0;
      value = 0;
      continue;
    }
    if (c < 48 || c > 57) return -1;
    if (digits === 0) first = c - 48;
    value = value * 10 + (c - 48);
    digits++;
  }
  if (dots !== 3 || digits === 0 || digits > 3 || (digits > 1 && first === 0) || value > 255) return -1;
  return lastDot;
}

/** The octets of dotted-quad IPv4 text (see `lastDotOfDottedQuad`), or `null`. */
export function parseIPv4(text: string): number[] | null {
  return lastDotOfDottedQuad(text) === -1 ? null : text.split('.').map(Number);
}

function parseHextet(text: string): number {
  if (text.length === 0 || text.length > 4) return -1;
  let v = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (d === -1) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * Parses IPv6 text: full, `::`-compressed, with a trailing dotted IPv4 (`::ffff:192.0.2.1`), and
 * with a zone (`fe80::1%eth0`, the zone dropped).
 */
export function parseIPv6(text: string): number[] | null {
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  if (text.length < 2 || text.length > 45) return null;
  const gap = text.indexOf('::');
  if (gap !== -1 && text.indexOf('::', gap + 1) !== -1) return null;
  const head = gap === -1 ? text : text.slice(0, gap);
  const tail = gap === -1 ? '' : text.slice(gap + 2);
  const toParts = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const pieces = s.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIPv4(piece);
        if (v4 === null) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        continue;
      }
      const h = parseHextet(piece);
      if (h === -1) return null;
      out.push(h);
    }
    return out;
  };
  const a = toParts(head);
  const b = toParts(tail);
  if (a === null || b === null) return null;
  // A dotted IPv4 is only allowed at the very end.
  if (gap !== -1 && head.includes('.')) return null;
  if (gap === -1) return a.length === 8 ? a : null;
  if (a.length + b.length > 7) return null;
  return [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
}

/**
 * Parses an IPv4 or IPv6 address; `null` for anything else (a hostname, `unknown`, garbage).
 *
 * @example
 * parseIp('203.0.113.7');  // { version: 4, parts: [203, 0, 113, 7] }
 * parseIp('2001:db8::1');   // { version: 6, parts: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1] }
 */
export function parseIp(text: string): ParsedIp | null {
  if (text.includes(':')) {
    // `[2001:db8::1]` as some proxies write it in X-Forwarded-For.
    if (text.charCodeAt(0) === 91 && text.endsWith(']')) text = text.slice(1, -1);
    const parts = parseIPv6(text);
    if (parts === null) return null;
    return { version: 6, parts };
  }
  const parts = parseIPv4(text);
  return parts === null ? null : { version: 4, parts };
}

/**
 * The address of an `address:port` item as some proxies write them in X-Forwarded-For
 * (`203.0.113.7:51234`, `[2001:db8::1]:443`); other text is returned as it is.
 *
 * @example
 * withoutPort('203.0.113.7:51234'); // '203.0.113.7'
 * withoutPort('[2001:db8::1]:443');  // '2001:db8::1'
 */
export function withoutPort(text: string): string {
  if (text.charCodeAt(0) === 91) {
    const close = text.indexOf(']:');
    return close === -1 ? text : text.slice(1, close);
  }
  const colon = text.indexOf(':');
  if (colon === -1 || text.indexOf(':', colon + 1) !== -1) return text;
  return parseIPv4(text.slice(0, colon)) === null ? text : text.slice(0, colon);
}

/** IPv4-mapped IPv6 (`::ffff:a.b.c.d`): the IPv4 octets, else null. */
export function mappedIPv4(parts: readonly number[]): number[] | null {
  for (let i = 0; i < 5; i++) if (parts[i] !== 0) return null;
  if (parts[5] !== 0xffff) return null;
  return [parts[6]! >> 8, parts[6]! & 255, parts[7]! >> 8, parts[7]! & 255];
}

/**
 * RFC 5952 text of 8 hextets: lower-case, no leading zeros, the longest run (>= 2) of zero
 * hextets as `::` (the first of equal runs).
 *
 * @example
 * formatIPv6([0x2001, 0xdb8, 0x85a3, 0, 0, 0, 0, 0]); // '2001:db8:85a3::'
 */
export function formatIPv6(parts: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (p: readonly number[]) => p.map((h) => h.toString(16)).join(':');
  if (bestStart === -1) return hex(parts);
  return `${hex(parts.slice(0, bestStart))}::${hex(parts.slice(bestStart + bestLen))}`;
}

/** The /24 network of IPv4 octets, as text. */
export function truncateIPv4(octets: readonly number[]): string {
  return `${octets[0]}.${octets[1]}.${octets[2]}.0`;
}

/** The /48 network of IPv6 hextets, as RFC 5952 text. */
export function truncateIPv6(parts: readonly number[]): string {
  return formatIPv6([parts[0]!, parts[1]!, parts[2]!, 0, 0, 0, 0, 0]);
}

/**
 * `truncateIp` for canonical dotted-quad IPv4 text, without parsing it into octets: the text up
 * to its last dot, then `0`. `undefined` for anything else (IPv6, invalid text), which needs
 * `truncateIp`. Valid IPv4 text has no leading zeros (see `parseIPv4`), so the octets it keeps
 * are already written as `truncateIPv4` would write them.
 *
 * @example
 * truncateDottedQuad('203.0.113.7'); // '203.0.113.0'
 * truncateDottedQuad('2001:db8::1'); // undefined
 */
export function truncateDottedQuad(text: string): string | undefined {
  const lastDot = lastDotOfDottedQuad(text);
  return lastDot === -1 ? undefined : `${text.slice(0, lastDot + 1)}0`;
}

/**
 * The anonymized network of an address: IPv4 /24 (`203.0.113.0`), IPv6 /48 (`2001:db8:85a3::`);
 * an IPv4-mapped IPv6 address is treated as the IPv4 it carries. `null` for text that is not an
 * address (nothing safe can be kept of it). The GDPR-era convention of Google Analytics' IP
 * anonymization and Matomo's default.
 *
 * @example
 * truncateIp('203.0.113.7');           // '203.0.113.0'
 * truncateIp('2001:db8:85a3:8d3::7');  // '2001:db8:85a3::'
 */
export function truncateIp(text: string): string | null {
  const ip = parseIp(text);
  if (ip === null) return null;
  if (ip.version === 4) return truncateIPv4(ip.parts);
  const v4 = mappedIPv4(ip.parts);
  return v4 === null ? truncateIPv6(ip.parts) : truncateIPv4(v4);
}

function isPublicIPv4(o: readonly number[]): boolean {
  const [a, b] = [o[0]!, o[1]!];
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false; // this-network, private, loopback, multicast, reserved
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT (RFC 6598)
  if (a === 169 && b === 254) return false; // link-local
  if (a === 172 && b >= 16 && b <= 31) return false;
  if (a === 192 && b === 168) return false;
  if (a === 192 && b === 0 && o[2] === 0) return false; // IETF protocol assignments
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking (RFC 2544)
  return true;
}

/**
 * True for an address a proxy chain's client could really have: not private (RFC 1918, unique
 * local fc00::/7), loopback, link-local, carrier-grade NAT, multicast, unspecified or reserved.
 * Documentation ranges (192.0.2.0/24, 2001:db8::/32) count as public: they never reach CloudFront
 * from the Internet, and test data uses them.
 *
 * @example
 * isPublicIp('10.1.2.3');     // false
 * isPublicIp('203.0.113.7');  // true
 */
export function isPublicIp(text: string): boolean {
  const ip = parseIp(text);
  if (ip === null) return false;
  if (ip.version === 4) return isPublicIPv4(ip.parts);
  const p = ip.parts;
  const v4 = mappedIPv4(p);
  if (v4 !== null) return isPublicIPv4(v4);
  if (p.every((h) => h === 0)) return false; // :: unspecified
  if (p.slice(0, 7).every((h) => h === 0) && p[7] === 1) return false; // ::1 loopback
  const h0 = p[0]!;
  if ((h0 & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((h0 & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((h0 & 0xff00) === 0xff00) return false; // multicast ff00::/8
  return true;
}
