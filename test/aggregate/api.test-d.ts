import { describe, expectTypeOf, it } from 'vitest';
import {
  type AddOutcome,
  type AggregatableRecord,
  createAggregator,
  createLineAggregator,
  type DimensionName,
  deserializeCell,
  mergeCells,
  serializeCell,
  summarize,
  type TopEntry,
  type WindowCell,
  type WindowSummary,
} from '../../src/aggregate/index.js';
import { createEnricher } from '../../src/enrich/index.js';
import { createParser, RECOMMENDED_FIELDS } from '../../src/parser/index.js';

describe('aggregate types', () => {
  it('builds a line aggregator from any parser and an enricher; a line gives a counted record or the failure', () => {
    const lines = createLineAggregator({
      parser: createParser(RECOMMENDED_FIELDS),
      enricher: createEnricher(),
      aggregator: createAggregator(),
    });
    const result = lines.add('');
    if (result.ok) {
      expectTypeOf(result.outcome).toEqualTypeOf<AddOutcome>();
      expectTypeOf(result.timestamp).toEqualTypeOf<number | null>();
      expectTypeOf(result.record).toEqualTypeOf<AggregatableRecord>();
    } else {
      expectTypeOf(result.reason).toEqualTypeOf<string>();
    }
    // Any enricher options, a run-time field list.
    const fields: string[] = ['timestamp'];
    createLineAggregator({
      parser: createParser(fields),
      enricher: createEnricher({ clientIp: 'keep', geo: 'city', userAgent: false }),
      aggregator: createAggregator(),
    });
  });

  it('accepts parsed records of a declared field list, and their derived form', () => {
    const parser = createParser(RECOMMENDED_FIELDS);
    const result = parser.parseLine('');
    if (result.ok) {
      const agg = createAggregator();
      expectTypeOf(agg.add(result.record)).toEqualTypeOf<AddOutcome>();
      agg.add(createEnricher().derive(result.record));
    }
  });

  it('accepts records of a field list known only at run time', () => {
    const fields: string[] = ['timestamp', 'sc-status'];
    const result = createParser(fields).parseLine('');
    if (result.ok) createAggregator().add(result.record);
  });

  it('rejects a record whose known fields have the wrong types', () => {
    // @ts-expect-error sc-status is a number
    createAggregator().add({ timestamp: 1, 'sc-status': '200' });
  });

  it('names dimensions as a closed union', () => {
    expectTypeOf<'country'>().toExtend<DimensionName>();
    expectTypeOf<'colour'>().not.toExtend<DimensionName>();
    // @ts-expect-error not a dimension
    createAggregator({ dimensions: [['colour']] });
  });

  it('types the cell functions', () => {
    expectTypeOf(mergeCells).returns.toEqualTypeOf<WindowCell>();
    expectTypeOf(serializeCell).returns.toEqualTypeOf<string>();
    expectTypeOf(deserializeCell).returns.toEqualTypeOf<WindowCell>();
    expectTypeOf(summarize).returns.toEqualTypeOf<WindowSummary>();
    expectTypeOf<AggregatableRecord>().toHaveProperty('timestamp');
  });

  it('types what findings read: optional, so summaries written before them still fit', () => {
    expectTypeOf<WindowSummary['uniqueQueries']>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf<WindowSummary['top']['asns']>().toEqualTypeOf<TopEntry[] | undefined>();
    expectTypeOf<WindowSummary['top']['spoofedCrawlers']>().toEqualTypeOf<TopEntry[] | undefined>();
    expectTypeOf<AggregatableRecord['asn']>().toEqualTypeOf<number | null | undefined>();
    expectTypeOf(
      createAggregator({ distinctQueries: true }).options.distinctQueries,
    ).toEqualTypeOf<boolean>();
    // @ts-expect-error a boolean
    createAggregator({ distinctQueries: 'yes' });
  });
});
