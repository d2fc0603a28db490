/**
 * Crawler verification: CIDR containment against an exact oracle (BigInt arithmetic on the
 * address as a number), in IPv4 and IPv6, mapped IPv4, ports and brackets, hostile text; the
 * bundled ranges; and `ua.crawler` as the enricher derives it (full address, chosen as the
 * enricher chooses it, options replacing the table).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCrawlerVerifier, ipv4Value, parseCidr } from '../../src/enrich/crawler-verify.js';
import {
  CRAWLER_RANGES,
  CRAWLER_RANGES_SOURCES,
  createEnricher,
  EnricherOptionsError,
  GOOGLEBOT_FAMILY,
  MAX_CRAWLER_PREFIXES,
  verifyCrawler,
} from '../../src/enrich/index.js';
import { parseIPv4, parseIp, withoutPort } from '../../src/enrich/ip.js';

const GOOGLEBOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';
const IMAGE_UA = 'Googlebot-Image/1.0';
const BINGBOT_UA = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
const ADSBOT_UA = 'AdsBot-Google (+http://www.google.com/adsbot.html)';

// --- the oracle: addresses and prefixes as BigInt ------------------------------------------------

const V4_BITS = 32n;
const V6_BITS = 128n;

function v4Text(x: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((x >> s) & 255n)).join('.');
}

/** Uncompressed, or `::`-compressed (first longest zero run), lower or upper case. */
function v6Text(x: bigint, form: 'full' | 'compressed' | 'upper'): string {
  const parts = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => Number((x >> s) & 0xffffn));
  if (form === 'full') return parts.map((p) => p.toString(16)).join(':');
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (p: number[]) => p.map((h) => h.toString(16)).join(':');
  const text = best === -1 ? hex(parts) : `${hex(parts.slice(0, best))}::${hex(parts.slice(best + bestLen))}`;
  return form === 'upper' ? text.toUpperCase() : text;
}

/** Whether `x` is in `base/length` over `bits`-bit addresses: the same top `length` bits. */
function contains(base: bigint, length: number, x: bigint, bits: bigint): boolean {
  const shift = bits - BigInt(length);
  return base >> shift === x >> shift;
}

const u32 = fc.bigInt({ min: 0n, max: (1n << 32n) - 1n });
const u128 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });

/** An address near the prefix's edges (first - 1, first, last, last + 1) or anywhere. */
function near(base: bigint, length: number, bits: bigint, pick: number, any: bigint): bigint {
  const shift = bits - BigInt(length);
  const first = (base >> shift) << shift;
  const last = first + (1n << shift) - 1n;
  const max = (1n << bits) - 1n;
  const candidates = [first - 1n, first, last, last + 1n, any, first + (any % (1n << shift))];
  const x = candidates[pick % candidates.length]!;
  return x < 0n ? 0n : x > max ? max : x;
}

const verdictOf = (inside: boolean) => (inside ? 'verified' : 'spoofed');

describe('CIDR containment against a BigInt oracle', () => {
  it('IPv4: any prefix, addresses at and past its edges, bare or with a port', () => {
    fc.assert(
      fc.property(
        u32,
        fc.integer({ min: 0, max: 32 }),
        fc.nat(),
        u32,
        fc.boolean(),
        (base, length, pick, any, port) => {
          const x = near(base, length, V4_BITS, pick, any);
          const ranges = { Googlebot: [`${v4Text(base)}/${length}`] };
          const address = port ? `${v4Text(x)}:${pick % 65_536}` : v4Text(x);
          expect(verifyCrawler('Googlebot', address, ranges)).toBe(
            verdictOf(contains(base, length, x, V4_BITS)),
          );
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('IPv6: any prefix, in full, compressed and upper-case text, bracketed with a port', () => {
    fc.assert(
      fc.property(
        u128,
        fc.integer({ min: 0, max: 128 }),
        fc.nat(),
        u128,
        fc.constantFrom('full' as const, 'compressed' as const, 'upper' as const),
        fc.boolean(),
        (base, length, pick, any, form, port) => {
          const x = near(base, length, V6_BITS, pick, any);
          // Mapped IPv4 space reads as IPv4 (both for the prefix and the address): kept out here.
          fc.pre(x >> 32n !== 0xffffn && base >> 32n !== 0xffffn);
          const ranges = { bingbot: [`${v6Text(base, form)}/${length}`] };
          const text = v6Text(x, form);
          const address = port ? `[${text}]:443` : text;
          expect(verifyCrawler('bingbot', address, ranges)).toBe(
            verdictOf(contains(base, length, x, V6_BITS)),
          );
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('many prefixes, overlapping, nested and shuffled: verified exactly when one contains the address', () => {
    const prefix = fc.oneof(
      fc.tuple(fc.constant(4 as const), u32, fc.integer({ min: 0, max: 32 })),
      fc.tuple(fc.constant(6 as const), u128, fc.integer({ min: 0, max: 128 })),
    );
    fc.assert(
      fc.property(
        fc.array(prefix, { minLength: 0, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), u128), { minLength: 1, maxLength: 20 }),
        (prefixes, probes) => {
          const usable = prefixes.filter(([v, base]) => v === 4 || base >> 32n !== 0xffffn);
          const ranges = {
            Googlebot: usable.map(([v, base, len]) =>
              v === 4 ? `${v4Text(base)}/${len}` : `${v6Text(base, 'compressed')}/${len}`,
            ),
          };
          const verifier = createCrawlerVerifier(ranges);
          for (const [which, pick, any] of probes) {
            const [v, base, len] = usable[which % Math.max(1, usable.length)] ?? [4 as const, 0n, 32];
            const bits = v === 4 ? V4_BITS : V6_BITS;
            const x = near(base, len, bits, pick, any & ((1n << bits) - 1n));
            if (v === 6 && x >> 32n === 0xffffn) continue;
            const inside = usable.some(([pv, pb, pl]) => pv === v && contains(pb, pl, x, bits));
            const text = v === 4 ? v4Text(x) : v6Text(x, 'full');
            expect(verifier.verify('Googlebot-Image', text)).toBe(verdictOf(inside));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('IPv4-mapped IPv6 addresses and prefixes are the IPv4 they carry', () => {
    fc.assert(
      fc.property(u32, fc.integer({ min: 0, max: 32 }), fc.nat(), u32, (base, length, pick, any) => {
        const x = near(base, length, V4_BITS, pick, any);
        const expected = verdictOf(contains(base, length, x, V4_BITS));
        const v4 = { Googlebot: [`${v4Text(base)}/${length}`] };
        const mapped = { Googlebot: [`::ffff:${v4Text(base)}/${length + 96}`] };
        for (const ranges of [v4, mapped]) {
          expect(verifyCrawler('Googlebot', `::ffff:${v4Text(x)}`, ranges)).toBe(expected);
          expect(
            verifyCrawler('Googlebot', `::FFFF:${v6Text(x, 'full').split(':').slice(6).join(':')}`, ranges),
          ).toBe(expected);
          expect(verifyCrawler('Googlebot', v4Text(x), ranges)).toBe(expected);
        }
      }),
      { numRuns: 1_000 },
    );
    expect(verifyCrawler('Googlebot', '::ffff:66.249.66.1')).toBe('verified');
    expect(verifyCrawler('Googlebot', '[::ffff:66.249.66.1]:8080')).toBe('verified');
    expect(verifyCrawler('Googlebot', '::ffff:203.0.113.7')).toBe('spoofed');
  });
});

describe('hostile text', () => {
  it('never throws; text that is not an address gets no verdict, an address always one', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.stringMatching(/^[0-9a-fA-F:.[\]%/\s-]{0,60}$/),
      fc.constantFrom(
        '',
        '-',
        ' 66.249.66.1',
        '66.249.66.1 ',
        '066.249.66.1',
        '66.249.66.1.',
        '66.249.66',
        '66.249.66.256',
        '66.249.66.1/27',
        '::ffff:66.249.66.01',
        '2001:4860:4801:10::1%eth0',
        ':::',
        '1::2::3',
        '[2001:4860:4801:10::1',
        `${'1'.repeat(10_000)}.1.1.1`,
        '６６.249.66.1',
      ),
    );
    fc.assert(
      fc.property(
        text,
        fc.constantFrom('Googlebot', 'bingbot', 'GoogleOther', 'curl', '', null),
        (s, bot) => {
          const verdict = verifyCrawler(bot, s);
          const address = s.length > 64 ? null : parseIp(withoutPort(s));
          const claimed = bot === 'Googlebot' || bot === 'bingbot' || bot === 'GoogleOther';
          if (!claimed || address === null) expect(verdict).toBeNull();
          else expect(['verified', 'spoofed']).toContain(verdict);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('reads IPv4 text exactly as the address parser does, allocation-free', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.stringMatching(/^[0-9.]{0,16}$/),
          fc.tuple(u32, fc.nat(3)).map(([x, z]) => v4Text(x).replace(/^/, '0'.repeat(z % 2))),
        ),
        (s) => {
          const octets = parseIPv4(s);
          const value = ipv4Value(s);
          if (octets === null) expect(value).toBe(-1);
          else expect(value).toBe(((octets[0]! * 256 + octets[1]!) * 256 + octets[2]!) * 256 + octets[3]!);
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('parses prefixes strictly: a length in range, written plainly', () => {
    for (const bad of [
      '66.249.64.0/33',
      '66.249.64.0/',
      '66.249.64.0/027',
      '66.249.64.0/-1',
      '66.249.64.0/2 7',
      '/27',
      '66.249.64/27',
      '2001:db8::/129',
      '2001:db8::%eth0/64',
      'fe80::1%1',
      'Googlebot',
      '',
      '0.0.0.0/0/0',
    ]) {
      expect(parseCidr(bad)).toBeNull();
    }
    expect(parseCidr('66.249.66.1/24')).toEqual(parseCidr('66.249.66.0/24'));
    expect(parseCidr('0.0.0.0/0')).toEqual({ version: 4, first: 0, last: 4_294_967_295 });
    expect(parseCidr('66.249.66.1')).toEqual({ version: 4, first: 1_123_631_617, last: 1_123_631_617 });
    expect(parseCidr('::ffff:66.249.66.0/120')).toEqual(parseCidr('66.249.66.0/24'));
    expect(parseCidr('::/0')).toEqual({
      version: 6,
      first: [0, 0, 0, 0],
      last: [4_294_967_295, 4_294_967_295, 4_294_967_295, 4_294_967_295],
    });
  });
});

describe('the bundled ranges', () => {
  it('are the published files, every prefix parsing, with where and when they were taken', () => {
    expect(CRAWLER_RANGES.Googlebot).toHaveLength(315);
    expect(CRAWLER_RANGES.bingbot).toHaveLength(28);
    for (const prefixes of Object.values(CRAWLER_RANGES)) {
      for (const p of prefixes) expect(parseCidr(p), p).not.toBeNull();
    }
    expect(Object.keys(CRAWLER_RANGES_SOURCES).sort()).toEqual(Object.keys(CRAWLER_RANGES).sort());
    expect(Object.isFrozen(CRAWLER_RANGES)).toBe(true);
    expect(Object.isFrozen(CRAWLER_RANGES.Googlebot)).toBe(true);
  });

  it('verify the crawlers that publish them, and the Googlebot family on Googlebot ranges', () => {
    expect(verifyCrawler('Googlebot', '66.249.66.1')).toBe('verified');
    expect(verifyCrawler('Googlebot', '2001:4860:4801:10::1')).toBe('verified');
    expect(verifyCrawler('bingbot', '157.55.39.1')).toBe('verified');
    expect(verifyCrawler('bingbot', '66.249.66.1')).toBe('spoofed');
    expect(verifyCrawler('Googlebot', '157.55.39.1')).toBe('spoofed');
    for (const name of GOOGLEBOT_FAMILY) expect(verifyCrawler(name, '66.249.66.1')).toBe('verified');
    // Special-case crawlers and other bots publish other files or none: not checked.
    expect(verifyCrawler('AdsBot-Google', '203.0.113.7')).toBeNull();
    expect(verifyCrawler('curl', '203.0.113.7')).toBeNull();
    expect(verifyCrawler('Googlebot', null)).toBeNull();
  });
});

describe('ua.crawler as the enricher derives it', () => {
  const record = (ua: string, ip?: string, extra: Record<string, unknown> = {}) => ({
    'cs-user-agent': ua,
    ...(ip === undefined ? {} : { 'c-ip': ip }),
    ...extra,
  });

  it('checks the full address, before truncation or hashing', () => {
    // Two addresses of one /24 (what truncation keeps): one published, one outside every prefix.
    const [inside, outsideSame24] = ((): [string, string] => {
      const v = createCrawlerVerifier();
      for (let c = 0; c < 256; c++) {
        const all = Array.from({ length: 256 }, (_, i) => `66.249.${c}.${i}`);
        const yes = all.find((a) => v.verify('Googlebot', a) === 'verified');
        const no = all.find((a) => v.verify('Googlebot', a) === 'spoofed');
        if (yes !== undefined && no !== undefined) return [yes, no];
      }
      throw new Error('no /24 of 66.249.0.0/16 is partly published');
    })();
    for (const clientIp of ['truncate', 'hash', 'keep'] as const) {
      const e = createEnricher({ clientIp, hmacKey: 'a-test-key-of-at-least-16-bytes' });
      expect(e.derive(record(GOOGLEBOT_UA, inside)).ua.crawler).toBe('verified');
      expect(e.derive(record(GOOGLEBOT_UA, outsideSame24)).ua.crawler).toBe('spoofed');
      const protectedOne = e.enrich(record(GOOGLEBOT_UA, outsideSame24));
      expect(protectedOne.ua.crawler).toBe('spoofed');
      if (clientIp !== 'keep') expect(JSON.stringify(protectedOne)).not.toContain(outsideSame24);
    }
  });

  it('follows the client address the enricher picks (x-forwarded-for when asked)', () => {
    const xff = { 'x-forwarded-for': ['10.0.0.1', '66.249.66.1'] };
    const viaXff = createEnricher({ clientAddress: 'x-forwarded-for' });
    expect(viaXff.derive(record(GOOGLEBOT_UA, '203.0.113.7', xff)).ua.crawler).toBe('verified');
    expect(createEnricher().derive(record(GOOGLEBOT_UA, '203.0.113.7', xff)).ua.crawler).toBe('spoofed');
    expect(viaXff.derive(record(GOOGLEBOT_UA, '66.249.66.1', { 'x-forwarded-for': null })).ua.crawler).toBe(
      'verified',
    );
  });

  it('is null for other user agents, for crawlers that publish nothing, and without an address', () => {
    const e = createEnricher();
    expect(
      e.derive(record('Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0', '66.249.66.1')).ua.crawler,
    ).toBeNull();
    expect(e.derive(record(ADSBOT_UA, '203.0.113.7')).ua.crawler).toBeNull();
    expect(e.derive(record(GOOGLEBOT_UA)).ua.crawler).toBeNull();
    expect(e.derive(record(GOOGLEBOT_UA, '-')).ua.crawler).toBeNull();
    expect(e.derive({ 'cs-user-agent': GOOGLEBOT_UA, 'c-ip': null }).ua.crawler).toBeNull();
    expect(e.derive(record(IMAGE_UA, '66.249.66.1')).ua).toMatchObject({
      botName: 'Googlebot-Image',
      crawler: 'verified',
    });
    expect(e.derive(record(BINGBOT_UA, '157.55.39.200')).ua.crawler).toBe('verified');
  });

  it('shares one frozen ua object per user agent and verdict: nothing made per record', () => {
    const e = createEnricher();
    const a = e.derive(record(GOOGLEBOT_UA, '203.0.113.7')).ua;
    const b = e.derive(record(GOOGLEBOT_UA, '198.51.100.9')).ua;
    const c = e.derive(record(GOOGLEBOT_UA, '66.249.66.1')).ua;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(c).toBe(e.derive(record(GOOGLEBOT_UA, '66.249.66.2')).ua);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('takes the crawlerRanges option instead of the bundled table', () => {
    const mine = createEnricher({ crawlerRanges: { bingbot: ['203.0.113.0/24'], Applebot: ['17.0.0.0/8'] } });
    expect(mine.derive(record(BINGBOT_UA, '203.0.113.7')).ua.crawler).toBe('verified');
    expect(mine.derive(record(BINGBOT_UA, '157.55.39.1')).ua.crawler).toBe('spoofed');
    // Googlebot is not in this table: unchecked.
    expect(mine.derive(record(GOOGLEBOT_UA, '203.0.113.7')).ua.crawler).toBeNull();
    expect(
      mine.derive(
        record('Mozilla/5.0 (Macintosh) (Applebot/0.1; +http://www.apple.com/go/applebot)', '17.1.2.3'),
      ).ua.crawler,
    ).toBe('verified');
    const none = createEnricher({ crawlerRanges: {} });
    expect(none.derive(record(GOOGLEBOT_UA, '203.0.113.7')).ua.crawler).toBeNull();
    const extended = createEnricher({ crawlerRanges: { ...CRAWLER_RANGES, Googlebot: ['203.0.113.0/24'] } });
    expect(extended.derive(record(GOOGLEBOT_UA, '66.249.66.1')).ua.crawler).toBe('spoofed');
    expect(extended.derive(record(BINGBOT_UA, '157.55.39.1')).ua.crawler).toBe('verified');
  });

  it('refuses ranges that cannot work, naming each problem', () => {
    const issuesOf = (crawlerRanges: unknown) => {
      try {
        createEnricher({ crawlerRanges } as Parameters<typeof createEnricher>[0]);
      } catch (error) {
        expect(error).toBeInstanceOf(EnricherOptionsError);
        return (error as EnricherOptionsError).issues;
      }
      return [];
    };
    expect(issuesOf({ Googlebot: ['66.249.64.0/27', '66.249.64.0/33', 7] })).toEqual([
      {
        path: ['crawlerRanges', 'Googlebot', 1],
        message: 'must be an address range in CIDR notation (66.249.64.0/27, 2001:4860:4801:10::/64)',
      },
      {
        path: ['crawlerRanges', 'Googlebot', 2],
        message: 'must be an address range in CIDR notation (66.249.64.0/27, 2001:4860:4801:10::/64); got 7',
      },
    ]);
    expect(issuesOf({ 'Yahoo! Slurp': ['66.249.64.0/27'] })).toEqual([
      {
        path: ['crawlerRanges', 'Yahoo! Slurp'],
        message: 'must be a bot name (as ua.botName gives it) without spaces',
      },
    ]);
    expect(issuesOf({ Googlebot: '66.249.64.0/27' })).toEqual([
      {
        path: ['crawlerRanges', 'Googlebot'],
        message: 'must be a list of address ranges in CIDR notation; got "66.249.64.0/27"',
      },
    ]);
    expect(issuesOf(['66.249.64.0/27'])).toHaveLength(1);
    expect(
      issuesOf({ Googlebot: Array.from({ length: MAX_CRAWLER_PREFIXES + 1 }, () => '66.249.64.0/27') }),
    ).toEqual([
      { path: ['crawlerRanges', 'Googlebot'], message: `must list at most ${MAX_CRAWLER_PREFIXES} prefixes` },
    ]);
  });
});
