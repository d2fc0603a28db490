/**
 * The record schema (src/sinks/record-schema.ts) against what the handler really writes: records
 * of every field layout the catalogue allows (random subsets, random values, hostile text), run
 * through the real parser and enricher (derive + protect, as the handler's record path does),
 * serialized as the Kinesis sink serializes them and read back as Firehose, Athena and OpenSearch
 * read them. Every key and value must fit the schema, and every key and nested field of the
 * schema must be written by some layout (the reverse).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEnricher } from '../../src/enrich/enricher.js';
import type { GeoIpModule } from '../../src/enrich/geo.js';
import { FIELD_CATALOGUE } from '../../src/parser/fields.js';
import { formatLine } from '../../src/parser/format.js';
import { resolveLayout } from '../../src/parser/layout.js';
import { createParser } from '../../src/parser/parser.js';
import {
  DERIVED_KEY_TYPES,
  glueColumns,
  glueName,
  glueType,
  jsonSerdeParameters,
  openSearchIndexTemplate,
  recordKeys,
  typeProblems,
  type ValueType,
} from '../../src/sinks/record-schema.js';
import { fieldsAndRecord, recordFor } from '../parser/arbitraries.js';

/** A stand-in for geoip-lite: city geography for some addresses, none for others. */
const fakeGeoIp: GeoIpModule = {
  lookup: (ip) =>
    ip.endsWith('7')
      ? null
      : { country: 'FR', region: 'IDF', city: 'Paris', timezone: 'Europe/Paris', ll: [48.85, 2.35] },
};

const enricherOptions = fc.record({
  geo: fc.constantFrom('none', 'country', 'city'),
  userAgent: fc.boolean(),
  clientIp: fc.constantFrom('truncate', 'hash', 'keep'),
  clientAddress: fc.constantFrom('c-ip', 'x-forwarded-for'),
  keepCookies: fc.boolean(),
});

type Options = typeof enricherOptions extends fc.Arbitrary<infer T> ? T : never;

const enrichers = new Map<string, ReturnType<typeof createEnricher>>();
const enricherFor = (o: Options) => {
  const key = JSON.stringify(o);
  let e = enrichers.get(key);
  if (e === undefined) {
    e = createEnricher({
      ...o,
      hmacKey: 'k'.repeat(32),
      ...(o.geo === 'city' ? { geoip: fakeGeoIp } : {}),
    } as Parameters<typeof createEnricher>[0]);
    enrichers.set(key, e);
  }
  return e;
};

const schema = new Map(recordKeys().map((k) => [k.key, k.type]));

/** What leaves the handler for a line: parsed, derived, protected, as JSON text and back. */
function processed(fields: readonly string[], line: string, o: Options): Record<string, unknown> | null {
  const result = createParser(fields).parseLine(line);
  if (!result.ok) return null;
  const enricher = enricherFor(o);
  const record = result.record as Record<string, unknown>;
  enricher.inPlace.derive(record);
  enricher.inPlace.protect(record);
  return JSON.parse(JSON.stringify(record)) as Record<string, unknown>;
}

const problemsOf = (record: Record<string, unknown>): string[] =>
  Object.entries(record).flatMap(([key, value]) => {
    const type = schema.get(key);
    return type === undefined ? [`${key}: not in the schema`] : typeProblems(type, value, key);
  });

/** Every path (`url.path`) with a non-null value in `value`, under `prefix`. */
function pathsOf(value: unknown, prefix: string, out: Set<string>): void {
  if (value === null || value === undefined) return;
  out.add(prefix);
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) pathsOf(v, `${prefix}.${k}`, out);
  }
}

/** Every path the schema declares. */
function schemaPaths(): Set<string> {
  const out = new Set<string>();
  const walk = (type: ValueType, path: string) => {
    out.add(path);
    if (type.type === 'struct') for (const [k, t] of Object.entries(type.fields)) walk(t, `${path}.${k}`);
  };
  for (const k of recordKeys()) walk(k.type, k.key);
  return out;
}

/** Hostile text for the text fields: control characters, escapes, JSON and SQL syntax, huge. */
const hostileText = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    '%00%0A%09',
    '"},{"sc-status":1}',
    "'; DROP TABLE records; --",
    '\u2028\u2029',
    '%E2%80%A8',
    '%ZZ',
    '\uFEFF',
    'x'.repeat(5000),
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
);

/** Values real traffic carries, which random text seldom is: a browser, an edge, an error. */
const realistic = fc.record(
  {
    'cs-user-agent': fc.constantFrom(
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    ),
    'x-edge-location': fc.constantFrom('IAD89-C1', 'FRA56-P3', 'NRT12-C2'),
    'cs-uri-stem': fc.constantFrom('/static/app.js', '/index.html', '/api/v1/items'),
    'x-edge-result-type': fc.constantFrom('Error', 'Hit', 'Miss'),
    'x-edge-detailed-result-type': fc.constantFrom('OriginConnectError', 'Hit', 'OriginShieldHit'),
    'sc-status': fc.constantFrom(200, 503, 404),
  },
  { requiredKeys: [] },
);

describe('the processed-record schema', () => {
  it('fits every key and value of records of any field layout, through the real parser and enricher', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(fieldsAndRecord, enricherOptions, ({ fields, record }, o) => {
        const line = formatLine(record, resolveLayout(fields));
        const out = processed(fields, line, o);
        if (out === null) return;
        for (const [key, value] of Object.entries(out)) pathsOf(value, key, seen);
        expect(problemsOf(out)).toEqual([]);
      }),
      { numRuns: 300 },
    );
    expect(seen.size).toBeGreaterThan(40);
  });

  it('fits hostile text in every text field of the full catalogue', () => {
    const all = FIELD_CATALOGUE.map((f) => f.name);
    const texts = FIELD_CATALOGUE.filter((f) => f.kind === 'text').map((f) => f.name);
    fc.assert(
      fc.property(
        recordFor(all),
        fc.dictionary(fc.constantFrom(...texts), hostileText),
        enricherOptions,
        (record, hostile, o) => {
          const line = formatLine({ ...record, ...hostile }, resolveLayout(all));
          const out = processed(all, line, o);
          if (out === null) return;
          expect(problemsOf(out)).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is written whole: every key and nested field of the schema appears in some record (the reverse)', () => {
    // The full catalogue with every enrichment on, city geography included: every derived key.
    const all = FIELD_CATALOGUE.map((f) => f.name);
    const seen = new Set<string>();
    const options: Options[] = [
      { geo: 'city', userAgent: true, clientIp: 'truncate', clientAddress: 'c-ip', keepCookies: true },
      {
        geo: 'country',
        userAgent: true,
        clientIp: 'hash',
        clientAddress: 'x-forwarded-for',
        keepCookies: false,
      },
    ];
    fc.assert(
      fc.property(recordFor(all), realistic, fc.constantFrom(...options), (record, real, o) => {
        const out = processed(all, formatLine({ ...record, ...real }, resolveLayout(all)), o);
        if (out === null) return;
        expect(problemsOf(out)).toEqual([]);
        for (const [key, value] of Object.entries(out)) pathsOf(value, key, seen);
      }),
      { numRuns: 200, seed: 16 },
    );
    expect([...schemaPaths()].filter((p) => !seen.has(p))).toEqual([]);
  });

  it('catches a value of the wrong type and a key it does not know (the check can fail)', () => {
    expect(problemsOf({ 'sc-status': '200' })).toEqual(['sc-status: "200" is not an integer']);
    expect(problemsOf({ statusClass: '6xx' })).toHaveLength(1);
    expect(problemsOf({ url: { path: '/', secret: 1 } })).toEqual(['url.secret: not in the schema']);
    expect(problemsOf({ brandNewKey: 1 })).toEqual(['brandNewKey: not in the schema']);
    expect(problemsOf({ 'cs-headers': [['a', 1]] })).toEqual(['cs-headers[0][1]: 1 is not a string']);
  });
});

describe('what the schema generates', () => {
  it('gives every key one Glue column, unique once lower-cased, with a Hive type', () => {
    const columns = glueColumns();
    expect(columns.map((c) => c.Name)).toEqual(recordKeys().map((k) => glueName(k.key)));
    expect(new Set(columns.map((c) => c.Name)).size).toBe(columns.length);
    for (const c of columns) {
      expect(c.Name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(c.Comment.length).toBeLessThanOrEqual(255);
    }
    expect(columns.find((c) => c.Name === 'timestamp')?.Type).toBe('bigint');
    expect(columns.find((c) => c.Name === 'cs_headers')?.Type).toBe('array<array<string>>');
    expect(glueType(DERIVED_KEY_TYPES.url)).toBe(
      'struct<path:string,extension:string,category:string,queryparamcount:int>',
    );
  });

  it('maps every column whose name is not its key lower-cased back to the key, for the OpenX SerDe', () => {
    const params = jsonSerdeParameters();
    for (const k of recordKeys()) {
      const name = glueName(k.key);
      if (k.key.includes('-')) expect(params[`mapping.${name}`], k.key).toBe(k.key);
      else expect(params[`mapping.${name}`], k.key).toBeUndefined();
    }
    expect(params['case.insensitive']).toBe('true');
  });

  it('maps every key in the index template: dates, numbers, keywords, nested objects', () => {
    const { properties } = openSearchIndexTemplate().template.mappings;
    expect(Object.keys(properties)).toEqual(recordKeys().map((k) => k.key));
    expect(properties.timestamp).toEqual({ type: 'date', format: 'epoch_millis' });
    expect(properties['sc-status']).toEqual({ type: 'long' });
    expect(properties['time-taken']).toEqual({ type: 'double' });
    expect(properties['s-ip']).toMatchObject({ type: 'ip' });
    expect(properties['c-ip']).toMatchObject({ type: 'keyword' }); // hashed addresses are not IPs
    expect(properties.url).toMatchObject({ properties: { queryParamCount: { type: 'integer' } } });
    expect(properties.ua).toMatchObject({ properties: { isBot: { type: 'boolean' } } });
  });
});
