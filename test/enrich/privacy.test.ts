import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EnricherOptions } from '../../src/enrich/index.js';
import { createEnricher, REDACTED } from '../../src/enrich/index.js';
import { truncateIp } from '../../src/enrich/ip.js';

const KEY = 'a-test-key-of-32-bytes-0123456789';

/** Secrets are long random tokens, so finding one in the output can only mean it leaked. */
const secret = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/).map((s) => `S3CR3T${s}`);
/** Addresses whose truncation differs from the address (host bits set). */
const ipv4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 255 }))
  .map((o) => o.join('.'));
const ipv6 = fc
  .tuple(
    fc.integer({ min: 0x2000, max: 0x3fff }),
    fc.nat(0xffff),
    fc.nat(0xffff),
    fc.integer({ min: 1, max: 0xffff }),
  )
  .map(
    ([a, b, c, d]) =>
      `${a.toString(16)}:${b.toString(16)}:${c.toString(16)}:${d.toString(16)}::${d.toString(16)}`,
  );
const address = fc.oneof(ipv4, ipv6);

const SENSITIVE_HEADERS = [
  'Authorization',
  'proxy-authorization',
  'Cookie',
  'set-cookie',
  'X-Api-Key',
  'x-amz-security-token',
  'X-CSRF-Token',
  'x-forwarded-for',
  'True-Client-IP',
  'CloudFront-Viewer-Address',
];
const SECRET_PARAMS = [
  'token',
  'access_token',
  'api_key',
  'apiKey',
  'password',
  'sig',
  'Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
  'client_secret',
  'sessionid',
  'tok%65n',
];
const PLAIN_PARAMS = ['page', 'q', 'v', 'utm_source', 'keyword', 'monkey'];

interface Leaky {
  readonly record: Record<string, unknown>;
  /** Raw values that must not appear in the output. */
  readonly secrets: readonly string[];
  readonly addresses: readonly string[];
}

const leakyRecord: fc.Arbitrary<Leaky> = fc
  .record({
    ip: address,
    xff: fc.array(address, { minLength: 1, maxLength: 3 }),
    headers: fc.array(fc.tuple(fc.constantFrom(...SENSITIVE_HEADERS), secret), {
      minLength: 1,
      maxLength: 4,
    }),
    plainHeader: fc.tuple(fc.constantFrom('Accept', 'Host', 'X-Request-Id'), fc.constantFrom('*/*', 'ok')),
    params: fc.array(fc.tuple(fc.constantFrom(...SECRET_PARAMS), secret), { minLength: 1, maxLength: 3 }),
    plain: fc.array(fc.tuple(fc.constantFrom(...PLAIN_PARAMS), fc.constantFrom('1', 'x', 'blue')), {
      maxLength: 3,
    }),
    cookie: secret,
    refererSecret: secret,
    subset: fc.subarray([
      'c-ip',
      'x-forwarded-for',
      'cs-headers',
      'cs-uri-stem',
      'cs-uri-query',
      'cs-cookie',
      'cs-referer',
    ]),
  })
  .map(({ ip, xff, headers, plainHeader, params, plain, cookie, refererSecret, subset }) => {
    const query = [...plain, ...params].map(([n, v]) => `${n}=${v}`).join('&');
    const full: Record<string, unknown> = {
      'c-ip': ip,
      'x-forwarded-for': xff,
      'cs-headers': [
        plainHeader,
        ...headers,
        ['Referer', `https://example.com/p?x=1&access_token=${refererSecret}`],
      ],
      'cs-uri-stem': `/a/b.js?${query}`,
      'cs-uri-query': query,
      'cs-cookie': `session=${cookie}; theme=dark`,
      'cs-referer': `https://example.com/p?token=${refererSecret}`,
      'sc-status': 200,
      'cs-user-agent': 'curl/8.5.0',
    };
    const record: Record<string, unknown> = { 'sc-status': 200, 'cs-user-agent': 'curl/8.5.0' };
    for (const f of subset) record[f] = full[f];
    return {
      record,
      secrets: [...headers.map(([, v]) => v), ...params.map(([, v]) => v), cookie, refererSecret],
      addresses: [ip, ...xff],
    };
  });

function assertNoLeak(options: EnricherOptions, { record, secrets, addresses }: Leaky): void {
  const out = JSON.stringify(createEnricher(options).enrich(record));
  for (const s of secrets) expect(out).not.toContain(s);
  for (const a of addresses) if (truncateIp(a) !== a) expect(out).not.toContain(a);
}

describe('privacy', () => {
  it('with the defaults, no raw address, redacted header value or secret query value leaves', () => {
    fc.assert(
      fc.property(leakyRecord, (leaky) => assertNoLeak({}, leaky)),
      { numRuns: 300 },
    );
  });

  it('with hashing, neither', () => {
    fc.assert(
      fc.property(leakyRecord, (leaky) => assertNoLeak({ clientIp: 'hash', hmacKey: KEY }, leaky)),
      { numRuns: 200 },
    );
  });

  it('the leak check itself catches leaks when privacy is off (so the properties above can fail)', () => {
    const off: EnricherOptions = { clientIp: 'keep', redactSecrets: false, keepCookies: true };
    expect(() =>
      fc.assert(
        fc.property(leakyRecord, (leaky) => assertNoLeak(off, leaky)),
        { numRuns: 50 },
      ),
    ).toThrow();
  });

  it('keeps what is not secret: plain headers and parameters, paths, header names', () => {
    const e = createEnricher();
    const out = e.enrich({
      'cs-headers': [
        ['Host', 'example.com'],
        ['Authorization', 'Bearer abc'],
      ] as [string, string][],
      'cs-uri-stem': '/a?page=2&token=abc&keyword=shoes',
      'cs-uri-query': 'page=2&token=abc&keyword=shoes',
    });
    expect(out['cs-headers']).toEqual([
      ['Host', 'example.com'],
      ['Authorization', REDACTED],
    ]);
    expect(out['cs-uri-stem']).toBe(`/a?page=2&token=${REDACTED}&keyword=shoes`);
    expect(out['cs-uri-query']).toBe(`page=2&token=${REDACTED}&keyword=shoes`);
    expect(out.url.queryParamCount).toBe(3);
  });

  it('truncates c-ip and x-forwarded-for (IPv4 /24, IPv6 /48) and sets client to the same', () => {
    const e = createEnricher();
    const out = e.enrich({
      'c-ip': '2001:db8:85a3:8d3:1319:8a2e:370:7348',
      'x-forwarded-for': ['203.0.113.7', 'unknown', '10.0.0.1', '198.51.100.4:5123', '[2001:db8:1:2::9]:443'],
    });
    expect(out['c-ip']).toBe('2001:db8:85a3::');
    expect(out.client).toBe('2001:db8:85a3::');
    expect(out['x-forwarded-for']).toEqual([
      '203.0.113.0',
      REDACTED,
      '10.0.0.0',
      '198.51.100.0',
      '2001:db8:1::',
    ]);
  });

  it('hashes with HMAC-SHA256 of the canonical address, truncated to 128 bits', () => {
    const e = createEnricher({ clientIp: 'hash', hmacKey: KEY });
    const expected = createHmac('sha256', KEY).update('2001:db8::1').digest('hex').slice(0, 32);
    expect(e.enrich({ 'c-ip': '2001:DB8:0:0::1' }).client).toBe(expected);
    expect(e.enrich({ 'c-ip': '2001:db8::1' })['c-ip']).toBe(expected);
    // Another key, another hash: the hash cannot be reversed by trying every address without the key.
    const other = createEnricher({ clientIp: 'hash', hmacKey: `${KEY}-rotated` });
    expect(other.enrich({ 'c-ip': '2001:db8::1' }).client).not.toBe(expected);
  });

  it('keeps addresses and address headers with clientIp: keep (credentials still redacted)', () => {
    const e = createEnricher({ clientIp: 'keep' });
    const out = e.enrich({
      'c-ip': '203.0.113.7',
      'cs-headers': [
        ['X-Forwarded-For', '198.51.100.4'],
        ['Authorization', 'Basic abc'],
      ] as [string, string][],
    });
    expect(out['c-ip']).toBe('203.0.113.7');
    expect(out.client).toBe('203.0.113.7');
    expect(out['cs-headers']).toEqual([
      ['X-Forwarded-For', '198.51.100.4'],
      ['Authorization', REDACTED],
    ]);
  });

  it('drops cs-cookie unless kept', () => {
    expect(createEnricher().enrich({ 'cs-cookie': 'a=1' })['cs-cookie']).toBeNull();
    expect(createEnricher({ keepCookies: true }).enrich({ 'cs-cookie': 'a=1' })['cs-cookie']).toBe('a=1');
  });

  it('redacts user patterns for headers and parameters, and only those with redactSecrets: false', () => {
    const e = createEnricher({
      redactHeaders: ['X-Tenant', /^x-internal-/i],
      redactQueryParams: ['email', /^utm_/],
      redactSecrets: false,
      clientIp: 'keep',
    });
    const out = e.enrich({
      'cs-headers': [
        ['x-tenant', 'acme'],
        ['X-Internal-Route', 'blue'],
        ['Authorization', 'Bearer kept'],
      ] as [string, string][],
      'cs-uri-query': 'email=a%40b.c&utm_source=x&token=kept',
    });
    expect(out['cs-headers']).toEqual([
      ['x-tenant', REDACTED],
      ['X-Internal-Route', REDACTED],
      ['Authorization', 'Bearer kept'],
    ]);
    expect(out['cs-uri-query']).toBe(`email=${REDACTED}&utm_source=${REDACTED}&token=kept`);
  });

  it('derive keeps the raw address (for distinct counts) while client is protected; protect then removes it', () => {
    const e = createEnricher();
    const derived = e.derive({ 'c-ip': '203.0.113.7', 'cs-cookie': 'a=1' });
    expect(derived['c-ip']).toBe('203.0.113.7');
    expect(derived['cs-cookie']).toBe('a=1');
    expect(derived.client).toBe('203.0.113.0');
    const safe = e.protect(derived);
    expect(safe).toEqual({ 'c-ip': '203.0.113.0', 'cs-cookie': null, client: '203.0.113.0' });
    expect(e.enrich({ 'c-ip': '203.0.113.7', 'cs-cookie': 'a=1' })).toEqual(safe);
  });

  it('reads the client from the first public x-forwarded-for address when asked', () => {
    const e = createEnricher({ clientAddress: 'x-forwarded-for', clientIp: 'keep' });
    expect(
      e.derive({ 'c-ip': '198.51.100.1', 'x-forwarded-for': ['10.0.0.1', '203.0.113.9', '8.8.8.8'] }).client,
    ).toBe('203.0.113.9');
    expect(e.derive({ 'c-ip': '198.51.100.1', 'x-forwarded-for': ['10.0.0.1'] }).client).toBe('198.51.100.1');
    expect(e.derive({ 'c-ip': '198.51.100.1', 'x-forwarded-for': null }).client).toBe('198.51.100.1');
    expect(e.derive({ 'x-forwarded-for': ['192.168.1.1'] }).client).toBeNull();
    expect(e.derive({ 'x-forwarded-for': ['10.0.0.1:80', '203.0.113.9:5123'] }).client).toBe('203.0.113.9');
  });
});
