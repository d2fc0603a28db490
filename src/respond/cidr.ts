/**
 * CIDR blocks as the WAF responder accepts them: parsed exactly, written in one canonical form,
 * and checked against the ranges no finding may ever block. Pure: no I/O, no clock, no env.
 *
 * A finding's CIDR comes from an event anyone allowed to put events on the bus could have written,
 * so it is hostile input: it must be a network address (host bits clear), no broader than the
 * configured minimum prefix, and outside every special-purpose range (private, loopback,
 * link-local, multicast, reserved), so that one bad finding can never block a continent or the
 * operator's own network.
 */
import { formatIPv6, parseIPv4, parseIPv6 } from '../enrich/ip.js';

/** An address version, as WAF names the IP set that holds it (an IP set holds one version). */
export type IpVersion = 4 | 6;

/** A parsed CIDR block: its version, network bits as a number, prefix and canonical text. */
export interface Cidr {
  readonly version: IpVersion;
  /** The network address as an unsigned integer (32 or 128 bits). */
  readonly network: bigint;
  readonly prefix: number;
  /** `203.0.113.0/24`, `2001:db8:1::/48`: dotted quad or RFC 5952 text, then `/prefix`. */
  readonly text: string;
}

/** What `parseCidr` and `checkBlockCidr` return: the block, or why it was refused. */
export type CidrResult =
  | { readonly ok: true; readonly cidr: Cidr }
  | { readonly ok: false; readonly reason: string };

/** The longest CIDR text there is (`ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128` is 49). */
const MAX_CIDR_TEXT = 49;

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

function toBigInt(parts: readonly number[], bitsPerPart: number): bigint {
  let n = 0n;
  for (const p of parts) n = (n << BigInt(bitsPerPart)) | BigInt(p);
  return n;
}

function maskOf(version: IpVersion, prefix: number): bigint {
  const bits = BigInt(BITS[version]);
  return ((1n << BigInt(prefix)) - 1n) << (bits - BigInt(prefix));
}

/** The canonical text of a network: dotted quad, or RFC 5952 IPv6 (lower case, `::` compressed). */
function textOf(version: IpVersion, network: bigint, prefix: number): string {
  if (version === 4) {
    const o = [24n, 16n, 8n, 0n].map((s) => Number((network >> s) & 255n));
    return `${o.join('.')}/${prefix}`;
  }
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((network >> BigInt(i * 16)) & 0xffffn));
  return `${formatIPv6(parts)}/${prefix}`;
}

/**
 * Parses CIDR text: an IPv4 dotted quad with `/1`-`/32`, or IPv6 text with `/1`-`/128`. Refuses
 * `/0` (WAF does too), a missing or padded prefix, zones (`%eth0`), brackets, surrounding space,
 * and set host bits (`203.0.113.7/24` names a host, not a network: what it means is unclear, so
 * it is refused rather than guessed). The address may be written in any valid form; `text` is
 * the canonical one, so two spellings of one block compare equal.
 *
 * @example
 * parseCidr('2001:DB8:1:0::/48'); // { ok: true, cidr: { version: 6, prefix: 48, text: '2001:db8:1::/48', ... } }
 * parseCidr('203.0.113.7/24');    // { ok: false, reason: 'host bits are set: the network is 203.0.113.0/24' }
 */
export function parseCidr(text: unknown): CidrResult {
  if (typeof text !== 'string') return { ok: false, reason: 'is not text' };
  if (text.length > MAX_CIDR_TEXT) return { ok: false, reason: 'is too long for a CIDR' };
  const slash = text.indexOf('/');
  if (slash === -1) return { ok: false, reason: 'has no prefix length (address/prefix)' };
  const address = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  if (!/^[1-9]\d{0,2}$/.test(prefixText))
    return { ok: false, reason: 'has no valid prefix length (a whole number, no sign or leading zero)' };
  const prefix = Number(prefixText);
  let version: IpVersion;
  let value: bigint;
  if (address.includes(':')) {
    // parseIPv6 drops a zone; a zone has no meaning in an IP set.
    if (address.includes('%')) return { ok: false, reason: 'has a zone, which an IP set cannot hold' };
    const parts = parseIPv6(address);
    if (parts === null) return { ok: false, reason: 'is not an IPv6 address' };
    version = 6;
    value = toBigInt(parts, 16);
  } else {
    const octets = parseIPv4(address);
    if (octets === null) return { ok: false, reason: 'is not an IPv4 address' };
    version = 4;
    value = toBigInt(octets, 8);
  }
  if (prefix > BITS[version]) {
    return { ok: false, reason: `has prefix /${prefix}, longer than IPv${version}'s ${BITS[version]} bits` };
  }
  const network = value & maskOf(version, prefix);
  if (network !== value) {
    return {
      ok: false,
      reason: `host bits are set: the network is ${textOf(version, network, prefix)}`,
    };
  }
  return { ok: true, cidr: { version, network, prefix, text: textOf(version, network, prefix) } };
}

/** Whether two blocks of one version share any address: they agree on the shorter prefix's bits. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.version !== b.version) return false;
  const mask = maskOf(a.version, Math.min(a.prefix, b.prefix));
  return (a.network & mask) === (b.network & mask);
}

function block(text: string): Cidr {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(`bad built-in range ${text}: ${r.reason}`);
  return r.cidr;
}

/**
 * Special-purpose ranges a finding may never block, with the registry that reserves them. The
 * IPv4 list is the enricher's test of a public address (src/enrich/ip.ts), as ranges. The
 * documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are left
 * out on purpose, as the enricher leaves them out: they never reach CloudFront from the Internet,
 * and the detector's examples and tests use them.
 */
export const RESERVED_RANGES: readonly { readonly cidr: Cidr; readonly why: string }[] = [
  { cidr: block('0.0.0.0/8'), why: '"this network" (RFC 791)' },
  { cidr: block('10.0.0.0/8'), why: 'private (RFC 1918)' },
  { cidr: block('100.64.0.0/10'), why: 'carrier-grade NAT (RFC 6598)' },
  { cidr: block('127.0.0.0/8'), why: 'loopback (RFC 1122)' },
  { cidr: block('169.254.0.0/16'), why: 'link-local (RFC 3927)' },
  { cidr: block('172.16.0.0/12'), why: 'private (RFC 1918)' },
  { cidr: block('192.0.0.0/24'), why: 'IETF protocol assignments (RFC 6890)' },
  { cidr: block('192.168.0.0/16'), why: 'private (RFC 1918)' },
  { cidr: block('198.18.0.0/15'), why: 'benchmarking (RFC 2544)' },
  { cidr: block('224.0.0.0/4'), why: 'multicast (RFC 5771)' },
  { cidr: block('240.0.0.0/4'), why: 'reserved and broadcast (RFC 1112, RFC 919)' },
  {
    cidr: block('::/8'),
    why: 'reserved by the IETF: unspecified, loopback, IPv4-mapped and -translated (RFC 4291)',
  },
  { cidr: block('fc00::/7'), why: 'unique local (RFC 4193)' },
  { cidr: block('fe80::/10'), why: 'link-local (RFC 4291)' },
  { cidr: block('ff00::/8'), why: 'multicast (RFC 4291)' },
];

/** The broadest blocks a finding may ask for, by version (`CFRT_WAF_MIN_PREFIX_V4`, `_V6`). */
export interface PrefixFloor {
  readonly minPrefixV4: number;
  readonly minPrefixV6: number;
}

/**
 * `parseCidr`, then the responder's rules for what may be blocked: no broader than the configured
 * minimum prefix of its version, and sharing no address with a special-purpose range.
 *
 * @example
 * checkBlockCidr('203.0.113.0/24', { minPrefixV4: 16, minPrefixV6: 32 }).ok; // true
 * checkBlockCidr('10.1.0.0/16', { minPrefixV4: 16, minPrefixV6: 32 });
 * // { ok: false, reason: 'overlaps 10.0.0.0/8, private (RFC 1918)' }
 */
export function checkBlockCidr(text: unknown, floor: PrefixFloor): CidrResult {
  const parsed = parseCidr(text);
  if (!parsed.ok) return parsed;
  const { cidr } = parsed;
  const min = cidr.version === 4 ? floor.minPrefixV4 : floor.minPrefixV6;
  if (cidr.prefix < min) {
    return { ok: false, reason: `is broader than /${min}, the narrowest IPv${cidr.version} prefix allowed` };
  }
  for (const r of RESERVED_RANGES) {
    if (overlaps(cidr, r.cidr)) return { ok: false, reason: `overlaps ${r.cidr.text}, ${r.why}` };
  }
  return parsed;
}

/**
 * The canonical text of an address WAF returned, for matching it against managed blocks; `null`
 * when it does not parse (an operator's entry the responder will keep as it is, never touch).
 * Host bits are kept as WAF keeps them: such an entry is never one the responder wrote.
 *
 * @example
 * canonicalAddress('2001:DB8:1::/48'); // '2001:db8:1::/48'
 */
export function canonicalAddress(text: string): string | null {
  const r = parseCidr(text);
  return r.ok ? r.cidr.text : null;
}
