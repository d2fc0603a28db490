/**
 * CIDR parsing and the responder's rules for what may be blocked, against independent oracles:
 * the WHATWG URL parser's IPv6 serializer (RFC 5952 compression) for canonical text, bit strings
 * for host bits, and node:net's BlockList for overlaps with the special-purpose ranges.
 */
import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, checkBlockCidr, parseCidr, RESERVED_RANGES } from '../../src/respond/cidr.js';

const FLOOR = { minPrefixV4: 16, minPrefixV6: 32 };

const octets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });
const hextets = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });

function bitsOf(parts: readonly number[], width: number): string {
  return parts.map((p) => p.toString(2).padStart(width, '0')).join('');
}

/** The network address of `bits` at `prefix`, as parts again. */
function networkParts(bits: string, prefix: number, width: number): number[] {
  const masked = bits.slice(0, prefix) + '0'.repeat(bits.length - prefix);
  const out: number[] = [];
  for (let i = 0; i < masked.length; i += width) out.push(Number.parseInt(masked.slice(i, i + width), 2));
  return out;
}

/** The WHATWG URL serializer's text of an IPv6 address (RFC 5952: lower case, first longest zero run). */
function urlIPv6(parts: readonly number[]): string {
  return new URL(`http://[${parts.map((p) => p.toString(16)).join(':')}]/`).hostname.slice(1, -1);
}

/** Every address of `text`'s version written out in full, upper case, zero-padded. */
function longForm(parts: readonly number[]): string {
  return parts.map((p) => p.toString(16).toUpperCase().padStart(4, '0')).join(':');
}

describe('parseCidr', () => {
  it('reads any IPv4 network and writes it back as the dotted quad it was', () => {
    fc.assert(
      fc.property(octets, fc.integer({ min: 1, max: 32 }), (o, prefix) => {
        const net = networkParts(bitsOf(o, 8), prefix, 8);
        const text = `${net.join('.')}/${prefix}`;
        const r = parseCidr(text);
        expect(r.ok && r.cidr.text).toBe(text);
        expect(r.ok && r.cidr.version).toBe(4);
      }),
    );
  });

  it('writes any IPv6 network as RFC 5952 text, whatever spelling it was given in', () => {
    fc.assert(
      fc.property(hextets, fc.integer({ min: 1, max: 128 }), (h, prefix) => {
        const net = networkParts(bitsOf(h, 16), prefix, 16);
        const r = parseCidr(`${longForm(net)}/${prefix}`);
        expect(r.ok && r.cidr.text).toBe(`${urlIPv6(net)}/${prefix}`);
        const again = parseCidr(`${urlIPv6(net)}/${prefix}`);
        expect(again.ok && again.cidr.text).toBe(`${urlIPv6(net)}/${prefix}`);
      }),
    );
  });

  it('refuses an address with host bits set, and names the network instead', () => {
    fc.assert(
      fc.property(fc.oneof(octets, hextets), fc.integer({ min: 1, max: 128 }), (parts, p) => {
        const width = parts.length === 4 ? 8 : 16;
        const prefix = Math.min(p, parts.length * width);
        const bits = bitsOf(parts, width);
        const hostBits = bits.slice(prefix).includes('1');
        const text = width === 8 ? `${parts.join('.')}/${prefix}` : `${longForm(parts)}/${prefix}`;
        const r = parseCidr(text);
        expect(r.ok).toBe(!hostBits);
        if (!r.ok) {
          const net = networkParts(bits, prefix, width);
          const shown = width === 8 ? net.join('.') : urlIPv6(net);
          expect(r.reason).toBe(`host bits are set: the network is ${shown}/${prefix}`);
        }
      }),
    );
  });

  it('never throws on hostile text, and accepts only address/prefix text', () => {
    const shaped = /^[0-9A-Fa-f:.]+\/[1-9]\d{0,2}$/;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 60 }),
          fc.stringMatching(/^[0-9a-f:./%\s[\]-]{0,50}$/),
          fc.anything(),
        ),
        (input) => {
          const r = parseCidr(input);
          if (r.ok) expect(typeof input === 'string' && shaped.test(input)).toBe(true);
          else expect(r.reason).toMatch(/^[a-z]/);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it.each([
    ['203.0.113.0/0', 'has no valid prefix length'],
    ['203.0.113.0/024', 'has no valid prefix length'],
    ['203.0.113.0/+24', 'has no valid prefix length'],
    ['203.0.113.0/33', 'longer than IPv4'],
    ['2001:db8::/129', 'longer than IPv6'],
    ['203.0.113.0', 'has no prefix length'],
    [' 203.0.113.0/24', 'is not an IPv4 address'],
    ['203.0.113.0/24 ', 'has no valid prefix length'],
    ['203.000.113.0/24', 'is not an IPv4 address'],
    ['203.0.113/24', 'is not an IPv4 address'],
    ['fe80::%eth0/64', 'has a zone'],
    ['[2001:db8::]/48', 'is not an IPv6 address'],
    ['2001:db8:::/48', 'is not an IPv6 address'],
    ['203.0.113.0/24/24', 'has no valid prefix length'],
    ['x'.repeat(200), 'is too long'],
  ])('refuses %j (%s)', (text, reason) => {
    const r = parseCidr(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(reason);
  });
});

describe('checkBlockCidr', () => {
  const reserved = { 4: new BlockList(), 6: new BlockList() };
  for (const r of RESERVED_RANGES) {
    const [net, prefix] = r.cidr.text.split('/') as [string, string];
    reserved[r.cidr.version].addSubnet(net, Number(prefix), r.cidr.version === 4 ? 'ipv4' : 'ipv6');
  }

  /** BlockList's answer: the block holds a reserved address, or a reserved range starts in it. */
  function overlapsReserved(text: string, version: 4 | 6): boolean {
    const [net, prefix] = text.split('/') as [string, string];
    const type = version === 4 ? 'ipv4' : 'ipv6';
    if (reserved[version].check(net, type)) return true;
    const mine = new BlockList();
    mine.addSubnet(net, Number(prefix), type);
    return RESERVED_RANGES.some(
      (r) => r.cidr.version === version && mine.check(r.cidr.text.split('/')[0]!, type),
    );
  }

  it('refuses exactly the blocks that are too broad or share an address with a special-purpose range', () => {
    fc.assert(
      fc.property(
        fc.oneof(octets, hextets),
        fc.integer({ min: 1, max: 128 }),
        fc.integer({ min: 8, max: 32 }),
        fc.integer({ min: 16, max: 128 }),
        (parts, p, minPrefixV4, minPrefixV6) => {
          const width = parts.length === 4 ? 8 : 16;
          const version = width === 8 ? 4 : 6;
          const prefix = Math.min(p, parts.length * width);
          const net = networkParts(bitsOf(parts, width), prefix, width);
          const text = version === 4 ? `${net.join('.')}/${prefix}` : `${urlIPv6(net)}/${prefix}`;
          const tooBroad = prefix < (version === 4 ? minPrefixV4 : minPrefixV6);
          const r = checkBlockCidr(text, { minPrefixV4, minPrefixV6 });
          expect(r.ok).toBe(!tooBroad && !overlapsReserved(text, version));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it.each([
    ['10.1.0.0/16', 'overlaps 10.0.0.0/8'],
    ['172.0.0.0/8', 'is broader than /16'],
    ['192.168.4.0/24', 'private'],
    ['100.64.0.0/24', 'carrier-grade NAT'],
    ['127.0.0.1/32', 'loopback'],
    ['224.1.2.0/24', 'multicast'],
    ['255.255.255.255/32', 'reserved and broadcast'],
    ['::ffff:203.0.113.0/120', 'reserved by the IETF'],
    ['::1/128', 'reserved by the IETF'],
    ['fd00:1::/48', 'unique local'],
    ['fe80::/64', 'link-local'],
    ['2001::/16', 'is broader than /32'],
  ])('refuses %s (%s)', (text, reason) => {
    const r = checkBlockCidr(text, FLOOR);
    expect(!r.ok && r.reason).toContain(reason);
  });

  it.each(['203.0.113.0/24', '198.51.100.7/32', '2001:db8:1::/48', '2a00:1450:4001::/48'])(
    'accepts %s',
    (text) => {
      const r = checkBlockCidr(text, FLOOR);
      expect(r.ok && r.cidr.text).toBe(text);
    },
  );

  it('gives the canonical text of what WAF returns, or null for an entry that does not parse', () => {
    expect(canonicalAddress('2001:DB8:0001:0000::/48')).toBe('2001:db8:1::/48');
    expect(canonicalAddress('203.0.113.0/24')).toBe('203.0.113.0/24');
    expect(canonicalAddress('not an address')).toBeNull();
  });
});
