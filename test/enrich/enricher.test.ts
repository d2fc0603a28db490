import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EDGE_LOCATIONS, generateLines, USER_AGENTS } from '../../fixtures/generator.js';
import { createEnricher, type EnricherOptions, EnricherOptionsError } from '../../src/enrich/index.js';
import { RealtimeLogError } from '../../src/parser/errors.js';
import { FIELD_CATALOGUE, type FieldKind } from '../../src/parser/fields.js';
import { createParser, splitFieldList } from '../../src/parser/index.js';

/** A value of each kind the parser produces (`null` always possible). */
const kindValue: { readonly [K in FieldKind]: fc.Arbitrary<unknown> } = {
  timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  int: fc.oneof(fc.nat(), fc.constant(0)),
  seconds: fc.double({ min: 0, max: 1e6, noNaN: true }),
  text: fc.oneof(
    fc.string(),
    fc.ipV4(),
    fc.ipV6(),
    fc.constantFrom('IAD89-C1', 'Hit', 'Error', '/a?token=x'),
  ),
  'ip-list': fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), { minLength: 1, maxLength: 4 }),
  'header-names': fc.array(fc.string(), { minLength: 1, maxLength: 5 }),
  headers: fc.array(
    fc.tuple(fc.oneof(fc.string(), fc.constantFrom('Authorization', 'Referer')), fc.string()),
    {
      minLength: 1,
      maxLength: 5,
    },
  ),
  cmcd: fc.oneof(fc.nat(), fc.string()),
};

/** Any parsed record: a random subset of the catalogue, each value of its kind or null. */
const anyRecord = fc
  .subarray([...FIELD_CATALOGUE])
  .chain((specs) =>
    fc.record(Object.fromEntries(specs.map((s) => [s.name, fc.option(kindValue[s.kind], { freq: 4 })]))),
  );

const OPTION_SETS: readonly EnricherOptions[] = [
  {},
  { geo: 'none', userAgent: false },
  { clientIp: 'hash', hmacKey: 'k'.repeat(16), clientAddress: 'x-forwarded-for' },
  { clientIp: 'keep', keepCookies: true, redactSecrets: false },
  { geo: 'city', geoip: { lookup: () => null } },
];

/** Which derived keys a record with these fields must get (default options). */
function expectedKeys(r: object): string[] {
  const has = (f: string) => f in r;
  return [
    ...(has('sc-status') ? ['statusClass', 'isError'] : []),
    ...(has('x-edge-result-type') || has('x-edge-response-result-type')
      ? ['cacheClass', 'originShield', 'errorKind']
      : []),
    ...(has('cs-uri-stem') ? ['url'] : []),
    ...(has('cs-user-agent') ? ['ua'] : []),
    ...(has('x-edge-location') ? ['edge'] : []),
    ...(has('c-country') ? ['geo'] : []),
    ...(has('c-ip') ? ['client'] : []),
    ...(has('cs-referer') ? ['referer'] : []),
  ].sort();
}

describe('createEnricher', () => {
  it('never throws on any parsed record, with any options', () => {
    const enrichers = OPTION_SETS.map((o) => createEnricher(o));
    fc.assert(
      fc.property(anyRecord, (record) => {
        for (const e of enrichers) {
          e.derive(record);
          e.protect(record);
          JSON.stringify(e.enrich(record));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('adds a derived key exactly when the fields it needs are keys of the record', () => {
    const e = createEnricher();
    fc.assert(
      fc.property(anyRecord, (record) => {
        const derived = e.derive(record) as Record<string, unknown>;
        const added = Object.keys(derived).filter((k) => !(k in record));
        expect(added.sort()).toEqual(expectedKeys(record));
      }),
      { numRuns: 300 },
    );
  });

  it('derive leaves CloudFront fields as they are and never modifies its input', () => {
    const e = createEnricher();
    fc.assert(
      fc.property(anyRecord, (record) => {
        const before = structuredClone(record);
        const derived = e.derive(record) as Record<string, unknown>;
        for (const k of Object.keys(record)) expect(derived[k]).toEqual(before[k]);
        e.protect(record);
        e.enrich(record);
        expect(record).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('enrich equals protect(derive())', () => {
    const e = createEnricher();
    fc.assert(
      fc.property(anyRecord, (record) => {
        expect(e.enrich(record)).toEqual(e.protect(e.derive(record)));
      }),
      { numRuns: 200 },
    );
  });

  it('turns off geography and user agents when asked', () => {
    const e = createEnricher({ geo: 'none', userAgent: false });
    const d = e.derive({ 'c-country': 'DE', 'cs-user-agent': 'curl/8.5.0', 'sc-status': 200 }) as Record<
      string,
      unknown
    >;
    expect(d.geo).toBeUndefined();
    expect(d.ua).toBeUndefined();
    expect(d.statusClass).toBe('2xx');
  });

  it('passes asn through untouched', () => {
    expect(createEnricher().enrich({ asn: 16509 }).asn).toBe(16509);
  });

  describe('on generated traffic (40-field layout), against the generator as oracle', () => {
    const fields = splitFieldList(
      readFileSync(new URL('../../fixtures/real/fields.txt', import.meta.url), 'utf8'),
    );
    const parser = createParser(fields);
    const lines = generateLines({ fields, count: 2_000, seed: 11 });
    const e = createEnricher();
    const countryOf = new Map(EDGE_LOCATIONS.map(([code, country]) => [code, country]));
    const bots = new Set(
      USER_AGENTS.map(([ua]) => ua).filter((ua) =>
        /bot|curl|python|Go-http|okhttp|Headless|CloudFront|Uptime/i.test(ua),
      ),
    );

    it('derives every record as the generated values say', () => {
      for (const { line, expected } of lines) {
        const result = parser.parseLine(line);
        expect(result.ok).toBe(true);
        if (!result.ok || expected === null) continue;
        const d = e.enrich(result.record);
        const status = expected['sc-status'] as number;
        expect(d.statusClass).toBe(status === 0 ? '000' : `${String(status)[0]}xx`);
        expect(d.edge?.country).toBe(countryOf.get(expected['x-edge-location'] as string));
        expect(d.geo?.country).toBe(expected['c-country']);
        const ua = expected['cs-user-agent'] as string | null;
        expect(d.ua?.isBot).toBe(ua !== null && bots.has(ua));
        if (ua === null) expect(d.ua?.device).toBe('unknown');
        const ip = expected['c-ip'] as string;
        const oracle = ip.includes(':')
          ? new URL(`http://[${ip.split(':').slice(0, 3).join(':')}::]/`).hostname.slice(1, -1)
          : ip.replace(/\.\d+$/, '.0');
        expect(d.client).toBe(oracle);
        expect(d['c-ip']).toBe(oracle);
        expect(d['cs-cookie']).toBeNull();
        const stem = expected['cs-uri-stem'] as string;
        expect(d.url?.path).toBe(stem.split('?')[0]);
        if (stem.includes('token=')) expect(d['cs-uri-stem']).toContain('token=[redacted]');
      }
    });
  });
});

describe('options', () => {
  it.each([
    [{ geo: 'City' }, ['geo'], 'must be "none", "country" or "city"; got "City"'],
    [{ clientIp: 'hash' }, ['hmacKey'], "is required with clientIp: 'hash'"],
    [{ clientIp: 'hash', hmacKey: 'short' }, ['hmacKey'], 'must be at least 16 bytes (it has 5)'],
    // Bytes, not characters: 8 two-byte characters are 16 bytes.
    [{ clientIp: 'hash', hmacKey: 'é'.repeat(7) }, ['hmacKey'], 'must be at least 16 bytes (it has 14)'],
    [{ clientIp: 'anonymize' }, ['clientIp'], 'must be "truncate", "hash" or "keep"; got "anonymize"'],
    [
      { userAgentCacheSize: -1 },
      ['userAgentCacheSize'],
      'must be a whole number from 0 (no cache) to 1000000; got -1',
    ],
    [{ geoCacheSize: 1.5 }, ['geoCacheSize'], 'must be a whole number from 0 (no cache) to 1000000; got 1.5'],
    [{ userAgent: 'yes' }, ['userAgent'], 'must be true or false; got "yes"'],
    [{ clientAddres: 'c-ip' }, ['clientAddres'], 'is not an option; did you mean clientAddress?'],
    [{ redactHeaders: 'authorization' }, ['redactHeaders'], 'must be a list'],
    [{ redactQueryParams: [''] }, ['redactQueryParams', 0], 'must be a non-empty string or a RegExp'],
    [{ geoip: {} }, ['geoip'], 'must be the geoip-lite module'],
  ] as const)('rejects %j at construction, saying what to change', (options, path, message) => {
    const build = () => createEnricher(options as EnricherOptions);
    expect(build).toThrow(EnricherOptionsError);
    expect(build).toThrow(RealtimeLogError);
    expect(build).toThrow(message);
    try {
      build();
    } catch (error) {
      const [issue, ...more] = (error as EnricherOptionsError).issues;
      expect(more).toEqual([]);
      expect(issue?.path).toEqual(path);
      expect(issue?.message).toContain(message);
    }
  });

  it('lists every problem at once', () => {
    try {
      createEnricher({ geo: 'x', userAgent: 1 } as unknown as EnricherOptions);
      expect.unreachable();
    } catch (error) {
      expect((error as EnricherOptionsError).problems).toHaveLength(2);
    }
  });

  it('accepts a key as bytes', () => {
    expect(() => createEnricher({ clientIp: 'hash', hmacKey: new Uint8Array(32) })).not.toThrow();
  });
});
