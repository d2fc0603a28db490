import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import {
  type AggregatorOptions,
  createAggregator,
  createEnricher,
  createLineAggregator,
  createParser,
  DIMENSION_NAMES,
  type EnricherOptions,
  FIELD_NAMES,
  RECOMMENDED_FIELDS,
  serializeCell,
} from '../../src/index.js';

const HMAC_KEY = 'a-test-key-of-at-least-16-bytes';

/** Every cell serialized (all state, sketches included), and the aggregator's counters. */
function stateOf(agg: ReturnType<typeof createAggregator>) {
  return { cells: agg.cells().map((c) => serializeCell(c)), stats: agg.stats() };
}

/** The composed path the line aggregator must equal: parse, derive, add (malformed: addMalformed). */
function composed(
  fields: readonly string[],
  lines: readonly string[],
  e: EnricherOptions,
  a: AggregatorOptions,
) {
  const parser = createParser(fields as string[]);
  const enricher = createEnricher(e);
  const agg = createAggregator(a);
  const failures = [];
  for (const line of lines) {
    const result = parser.parseLine(line);
    if (result.ok) agg.add(enricher.derive(result.record));
    else {
      failures.push(result);
      agg.addMalformed(null);
    }
  }
  return { ...stateOf(agg), failures };
}

function fused(
  fields: readonly string[],
  lines: readonly string[],
  e: EnricherOptions,
  a: AggregatorOptions,
) {
  const lineAggregator = createLineAggregator({
    parser: createParser(fields as string[]),
    enricher: createEnricher(e),
    aggregator: createAggregator(a),
  });
  const failures = [];
  for (const line of lines) {
    const result = lineAggregator.add(line);
    if (!result.ok) {
      failures.push(result);
      lineAggregator.aggregator.addMalformed(null);
    }
  }
  return { ...stateOf(lineAggregator.aggregator), failures };
}

const enricherOptions: fc.Arbitrary<EnricherOptions> = fc.record({
  clientIp: fc.constantFrom('truncate' as const, 'hash' as const, 'keep' as const),
  clientAddress: fc.constantFrom('c-ip' as const, 'x-forwarded-for' as const),
  userAgent: fc.boolean(),
  geo: fc.constantFrom('none' as const, 'country' as const, 'city' as const),
});

const aggregatorOptions: fc.Arbitrary<AggregatorOptions> = fc.record({
  dimensions: fc.array(fc.subarray([...DIMENSION_NAMES], { maxLength: 3 }), { minLength: 1, maxLength: 3 }),
  samplingRate: fc.constantFrom(100, 25),
  windowSeconds: fc.constantFrom(60, 10),
  // Picks `cs-uri-query` only when on: the same cells either way.
  distinctQueries: fc.boolean(),
});

/** A fake geoip-lite: a city for every address, so geography by city is exercised without the database. */
const geoip = {
  lookup: (ip: string) => ({
    country: ip.includes(':') ? 'DE' : 'US',
    region: 'R',
    city: `city-${ip.length}`,
    ll: [1, 2] as [number, number],
    timezone: 'UTC',
  }),
};

describe('createLineAggregator: exactly parse -> derive -> aggregate, for less work', () => {
  it('gives the same cells (every sketch, byte for byte) and the same failures, for any field list and options', () => {
    fc.assert(
      fc.property(
        fc.subarray([...FIELD_NAMES], { minLength: 1 }),
        fc.integer({ min: 1, max: 1_000 }),
        enricherOptions,
        aggregatorOptions,
        (fields, seed, e, a) => {
          const lines = generateLines({ fields, count: 150, seed, malformedRate: 0.05 }).map((l) => l.line);
          const options = { ...e, hmacKey: HMAC_KEY, ...(e.geo === 'city' ? { geoip } : {}) };
          const expected = composed(fields, lines, options, a);
          const actual = fused(fields, lines, options, a);
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('agrees on a realistic stream of the recommended fields, with counts that are not trivially zero', () => {
    const lines = generateLines({
      fields: RECOMMENDED_FIELDS,
      count: 3_000,
      seed: 9,
      malformedRate: 0.01,
    }).map((l) => l.line);
    const a = { dimensions: [[], ['country'], ['airport', 'statusClass'], ['device']] } as AggregatorOptions;
    const expected = composed(RECOMMENDED_FIELDS, lines, {}, a);
    const actual = fused(RECOMMENDED_FIELDS, lines, {}, a);
    expect(actual).toEqual(expected);
    expect(expected.stats.records).toBeGreaterThan(2_900);
    expect(expected.failures.length).toBeGreaterThan(10);
  });

  it('returns the event time of each counted line', () => {
    const lineAggregator = createLineAggregator({
      parser: createParser(['timestamp', 'sc-status']),
      enricher: createEnricher(),
      aggregator: createAggregator(),
    });
    expect(lineAggregator.add('1600299221.087\t200\n')).toMatchObject({
      ok: true,
      outcome: 'added',
      timestamp: 1600299221087,
    });
    expect(lineAggregator.add('-\t200')).toMatchObject({ ok: true, outcome: 'untimed', timestamp: null });
    expect(lineAggregator.add('1600299221.087\t2x0')).toMatchObject({ ok: false, field: 'sc-status' });
  });

  it("takes the enricher's lookups from its declared part, and refuses an object without them", () => {
    const enricher = createEnricher();
    const lines = createLineAggregator({
      parser: createParser(['timestamp', 'cs-user-agent']),
      enricher: { lookups: enricher.lookups },
      aggregator: createAggregator(),
    });
    expect(lines.add('1600299221.087\tcurl/8.0')).toMatchObject({
      ok: true,
      record: { ua: { isBot: true } },
    });
    expect(() =>
      createLineAggregator({
        parser: createParser(['timestamp']),
        enricher: {} as ReturnType<typeof createEnricher>,
        aggregator: createAggregator(),
      }),
    ).toThrow('createLineAggregator needs an enricher made by createEnricher().');
  });

  it('reuses the picked parser: picking the same fields again compiles nothing (a line aggregator per batch)', () => {
    const parser = createParser(RECOMMENDED_FIELDS);
    expect(parser.pick(['timestamp', 'sc-status'])).toBe(parser.pick(['sc-status', 'timestamp']));
    expect(parser.pick(['timestamp'])).not.toBe(parser.pick(['timestamp', 'sc-status']));
  });
});
