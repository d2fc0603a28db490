import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createAggregator,
  createEnricher,
  createLineAggregator,
  createParser,
  DIMENSION_NAMES,
  serializeCell,
  summarize,
} from '../../src/index.js';
import { airportOf, cacheClass, isErrorStatus, pathOf, statusClass } from '../../src/model/classes.js';
import { deriveFieldKeys } from '../../src/model/derive.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'cs-uri-stem',
  'x-edge-location',
  'x-edge-result-type',
  'x-edge-detailed-result-type',
] as const;
const T = '1740830400.000';

describe('deriveFieldKeys: the one derivation of classes, path and airport', () => {
  it('applies the class, path and airport rules to the fields', () => {
    expect(
      deriveFieldKeys({
        'sc-status': 503,
        'x-edge-result-type': 'Error',
        'x-edge-detailed-result-type': 'OriginConnectError',
        'cs-uri-stem': '/a/b.js?v=1',
        'x-edge-location': 'iad89-c1',
      }),
    ).toEqual({
      statusClass: '5xx',
      isError: true,
      cacheClass: 'error',
      originShield: false,
      errorKind: 'OriginConnectError',
      path: '/a/b.js',
      airport: 'IAD',
    });
  });

  it('reads x-edge-response-result-type when x-edge-result-type is missing, and counts wrong types as missing', () => {
    expect(deriveFieldKeys({ 'x-edge-response-result-type': 'RefreshHit' }).cacheClass).toBe('hit');
    expect(deriveFieldKeys({ 'sc-status': '500', 'x-edge-location': 7, 'cs-uri-stem': 1 })).toMatchObject({
      statusClass: null,
      isError: false,
      path: null,
      airport: null,
    });
  });

  it('agrees with the single rules for any values', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: -5, max: 1_200 })),
        fc.option(fc.constantFrom('Hit', 'Miss', 'Error', 'Redirect', 'LimitExceeded', 'x')),
        fc.option(fc.string()),
        fc.option(fc.string()),
        (status, result, stem, location) => {
          const keys = deriveFieldKeys({
            'sc-status': status,
            'x-edge-result-type': result,
            'cs-uri-stem': stem,
            'x-edge-location': location,
          });
          expect(keys).toMatchObject({
            statusClass: statusClass(status),
            isError: isErrorStatus(status),
            cacheClass: cacheClass(result),
            path: pathOf(stem),
            airport: airportOf(location),
          });
        },
      ),
    );
  });
});

describe('one airport rule, whichever path a record takes', () => {
  it.each([
    ['IAD89-C1', 'IAD'],
    ['iad89-c1', 'IAD'],
    ['Iad5-P2', 'IAD'],
    ['FRA', 'FRA'],
    ['ABCD1', 'ABCD1'],
    ['weird', 'weird'],
    ['', null],
    [null, null],
  ])('airportOf(%j) is %j', (location, airport) => {
    expect(airportOf(location)).toBe(airport);
  });

  it('counts IAD89-C1 and iad89-c1 in the same IAD cell: plain records, enriched records and lines', () => {
    const lines = ['IAD89-C1', 'iad89-c1'].map(
      (edge, i) => `${T}\t198.51.100.${i}\t200\t/p\t${edge}\tHit\tHit`,
    );
    const dimensions = [['airport'], ['airport', 'statusClass', 'cacheClass']] as const;
    const parser = createParser(FIELDS);
    const enricher = createEnricher();
    const plain = createAggregator({ dimensions: [...dimensions] as never });
    const enriched = createAggregator({ dimensions: [...dimensions] as never });
    const byLine = createLineAggregator({
      parser,
      enricher,
      aggregator: createAggregator({ dimensions: [...dimensions] as never }),
    });
    for (const line of lines) {
      const record = parser.parseLineOrThrow(line);
      plain.add(record);
      enriched.add(enricher.derive(record));
      byLine.add(line);
      expect(enricher.derive(record).edge.airport).toBe('IAD');
    }
    for (const agg of [plain, enriched, byLine.aggregator]) {
      const cells = agg.cells();
      expect(cells.map((c) => c.dimensions)).toEqual([
        { airport: 'IAD' },
        { airport: 'IAD', statusClass: '2xx', cacheClass: 'hit' },
      ]);
      expect(cells.map((c) => summarize(c).requests)).toEqual([2, 2]);
    }
    const state = (agg: ReturnType<typeof createAggregator>) => agg.cells().map((c) => serializeCell(c));
    expect(state(plain)).toEqual(state(enriched));
    expect(state(byLine.aggregator)).toEqual(state(enriched));
  });

  it('gives the same cells for a plain record as for its derived form, on any dimension', () => {
    const parser = createParser(FIELDS);
    const enricher = createEnricher();
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('IAD89-C1', 'iad89-c1', 'FRA2-c1', 'weird', 'ABCD1', '-', 'x1'),
            fc.constantFrom('200', '404', '503', '0', '-'),
            fc.constantFrom('Hit', 'Miss', 'Error', 'Other', '-'),
            fc.constantFrom('/a', '/a?x=1', '/b;jsessionid=1', '-'),
          ),
          { maxLength: 30 },
        ),
        fc.subarray([...DIMENSION_NAMES], { maxLength: 3 }),
        (rows, set) => {
          const plain = createAggregator({ dimensions: [[], set] });
          const derived = createAggregator({ dimensions: [[], set] });
          for (const [edge, status, result, stem] of rows) {
            const record = parser.parseLineOrThrow(
              `${T}\t198.51.100.1\t${status}\t${stem}\t${edge}\t${result}\t-`,
            );
            plain.add(record);
            derived.add(enricher.derive(record));
          }
          const state = (agg: ReturnType<typeof createAggregator>) =>
            agg.cells().map((c) => serializeCell(c));
          expect(state(plain)).toEqual(state(derived));
        },
      ),
      { numRuns: 100 },
    );
  });
});
