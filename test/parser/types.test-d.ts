import { describe, expectTypeOf, it } from 'vitest';
import { createParser, type LogRecord, type ParseResult } from '../../src/index.js';

describe('record types follow from a const field list', () => {
  it('gives each field its decoded type and no other keys', () => {
    const parser = createParser(['sc-status', 'timestamp', 'cs-uri-stem', 'time-taken'] as const);
    const record = parser.parseLineOrThrow('');
    expectTypeOf(record).toEqualTypeOf<{
      'sc-status': number | null;
      timestamp: number | null;
      'cs-uri-stem': string | null;
      'time-taken': number | null;
    }>();
  });

  it('types list, header and CMCD fields', () => {
    type R = LogRecord<['x-forwarded-for', 'cs-header-names', 'cs-headers', 'cmcd-buffer-length']>;
    expectTypeOf<R['x-forwarded-for']>().toEqualTypeOf<string[] | null>();
    expectTypeOf<R['cs-header-names']>().toEqualTypeOf<string[] | null>();
    expectTypeOf<R['cs-headers']>().toEqualTypeOf<[string, string][] | null>();
    expectTypeOf<R['cmcd-buffer-length']>().toEqualTypeOf<number | string | null>();
  });

  it('infers const lists without `as const`', () => {
    const record = createParser(['c-ip', 'asn']).parseLineOrThrow('');
    expectTypeOf(record).toEqualTypeOf<{ 'c-ip': string | null; asn: number | null }>();
  });

  it('rejects an unknown name in a literal list at compile time', () => {
    // @ts-expect-error "cs-user-agnet" is not a real-time log field
    createParser(['cs-user-agnet'] as const);
  });

  it('admits unknown names with an explicit delivery order, as raw text', () => {
    const record = createParser(['sc-status', 'new-field'] as const, { order: 'delivery' }).parseLineOrThrow(
      '',
    );
    expectTypeOf(record).toEqualTypeOf<{ 'sc-status': number | null; 'new-field': string | null }>();
  });

  it('gives a union of records for several layouts', () => {
    const parser = createParser({ layouts: [['timestamp'], ['timestamp', 'sc-status']] as const });
    expectTypeOf(parser.parseLineOrThrow('')).toEqualTypeOf<
      { timestamp: number | null } | { timestamp: number | null; 'sc-status': number | null }
    >();
  });

  it('gives a loosely typed record for a list known only at run time (a key may be absent)', () => {
    const fields: string[] = 'timestamp,c-ip'.split(',');
    const result = createParser(fields).parseLine('');
    expectTypeOf(result).toEqualTypeOf<ParseResult<LogRecord<string[]>>>();
    if (result.ok)
      expectTypeOf(result.record.anything).toEqualTypeOf<
        number | string | string[] | [string, string][] | null | undefined
      >();
  });
});

describe('pick narrows the record type', () => {
  it('keeps the picked keys with their types', () => {
    const parser = createParser(['sc-status', 'timestamp', 'cs-uri-stem'] as const).pick(['sc-status']);
    expectTypeOf(parser.parseLineOrThrow('')).toEqualTypeOf<{ 'sc-status': number | null }>();
  });

  it('rejects a key the record does not have', () => {
    // @ts-expect-error "time-taken" is not in this field list
    createParser(['sc-status', 'timestamp'] as const).pick(['time-taken']);
  });

  it('takes any names for a field list known only at run time', () => {
    const fields: string[] = ['sc-status'];
    const record = createParser(fields).pick(['sc-status', 'c-ip']).parseLineOrThrow('');
    expectTypeOf(record).toEqualTypeOf<Pick<LogRecord<string[]>, 'sc-status' | 'c-ip'>>();
  });
});
