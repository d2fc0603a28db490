import { isIP } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatIPv6,
  isPublicIp,
  parseIp,
  truncateDottedQuad,
  truncateIp,
  withoutPort,
} from '../../src/enrich/ip.js';

/** WHATWG URL serializes IPv6 hosts in RFC 5952 form: an independent oracle. */
const canonical6 = (text: string) => new URL(`http://[${text}]/`).hostname.slice(1, -1);

const hextets = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });
const octets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 });

describe('IP addresses', () => {
  it('parses exactly what node:net accepts (IPv4, IPv6)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 }), fc.ipV4Extended()), (text) => {
        const ip = parseIp(text);
        const net = isIP(text);
        // ipV4Extended produces octal/hex forms, which node:net and this parser both refuse.
        expect(ip === null ? 0 : ip.version).toBe(net);
      }),
      { numRuns: 2000 },
    );
  });

  it('formats IPv6 as RFC 5952 says (checked against WHATWG URL)', () => {
    fc.assert(
      fc.property(hextets, (parts) => {
        const text = formatIPv6(parts);
        expect(text).toBe(canonical6(text));
        expect(parseIp(text)).toEqual({ version: 6, parts });
      }),
      { numRuns: 1000 },
    );
  });

  it('the dotted-quad fast path agrees with truncateIp wherever it answers, and answers for every IPv4', () => {
    const nearIPv4 = fc
      .array(
        fc.oneof(
          fc.constantFrom('.', '0', '00', '255', '256', '1000', ':', 'a', ' '),
          fc.nat(300).map(String),
        ),
        {
          maxLength: 9,
        },
      )
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV4Extended(), nearIPv4, fc.ipV6(), fc.string()), (text) => {
        const fast = truncateDottedQuad(text);
        if (fast !== undefined) expect(fast).toBe(truncateIp(text));
        if (parseIp(text)?.version === 4 && !text.includes(':')) expect(fast).toBeDefined();
      }),
      { numRuns: 3000 },
    );
  });

  it('truncates IPv4 to /24 and IPv6 to /48', () => {
    fc.assert(
      fc.property(octets, (o) => {
        expect(truncateIp(o.join('.'))).toBe(`${o[0]}.${o[1]}.${o[2]}.0`);
      }),
    );
    fc.assert(
      fc.property(hextets, (h) => {
        const t = truncateIp(formatIPv6(h));
        expect(t).toBe(canonical6(`${h[0]!.toString(16)}:${h[1]!.toString(16)}:${h[2]!.toString(16)}::`));
        // Every address of the /48 truncates to the same network, and truncation is idempotent.
        expect(truncateIp(formatIPv6([h[0]!, h[1]!, h[2]!, 1, 2, 3, 4, 5]))).toBe(t);
        expect(truncateIp(t!)).toBe(t);
      }),
    );
  });

  it.each([
    ['203.0.113.7', '203.0.113.0'],
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:DB8:0:0:1::1', '2001:db8::'],
    ['::ffff:198.51.100.23', '198.51.100.0'],
    ['fe80::1%eth0', 'fe80::'],
    ['[2001:db8::1]', '2001:db8::'],
    ['::', '::'],
    ['unknown', null],
    ['1.2.3', null],
    ['01.2.3.4', null],
    ['1.2.3.256', null],
    ['1.2.3.4::1', null],
    ['', null],
  ])('truncateIp(%j) is %j', (input, expected) => {
    expect(truncateIp(input)).toBe(expected);
  });

  it.each([
    ['10.1.2.3', false],
    ['172.16.0.1', false],
    ['172.32.0.1', true],
    ['192.168.1.1', false],
    ['127.0.0.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['100.128.0.1', true],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['8.8.8.8', true],
    ['203.0.113.9', true],
    ['::1', false],
    ['::', false],
    ['fd12:3456::1', false],
    ['fe80::1', false],
    ['ff02::1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:8.8.8.8', true],
    ['2600:1f18::1', true],
    ['unknown', false],
  ])('isPublicIp(%j) is %j', (input, expected) => {
    expect(isPublicIp(input)).toBe(expected);
  });

  it.each([
    ['203.0.113.7:51234', '203.0.113.7'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8::1', '2001:db8::1'],
    ['host:80', 'host:80'],
    ['[2001:db8::1]', '[2001:db8::1]'],
  ])('withoutPort(%j) is %j', (input, expected) => {
    expect(withoutPort(input)).toBe(expected);
  });
});
