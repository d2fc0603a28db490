/**
 * `cfrt query`'s arguments: times in every accepted form, and every mistake a `UsageError` that
 * says what to change, before any AWS call.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { DEFAULT_QUERY_MAX_ITEMS, parseQueryArgs } from '../../src/cli/query-args.js';
import { parseTime } from '../../src/report/time-arg.js';

const NOW = Date.UTC(2025, 2, 1, 12, 34, 56, 789);

describe('parseTime', () => {
  it.each([
    ['now', NOW],
    ['-6h', NOW - 6 * 3_600_000],
    ['-30m', NOW - 30 * 60_000],
    ['-45s', NOW - 45_000],
    ['-2d', NOW - 2 * 86_400_000],
    ['-1w', NOW - 7 * 86_400_000],
    ['-1.5h', NOW - 5_400_000],
    ['1740830400000', 1_740_830_400_000],
    ['0', 0],
    ['2025-03-01', Date.UTC(2025, 2, 1)],
    ['2025-03-01T12:00Z', Date.UTC(2025, 2, 1, 12)],
    ['2025-03-01T12:00:00.250Z', Date.UTC(2025, 2, 1, 12, 0, 0, 250)],
    ['2025-03-01T12:00:00+02:00', Date.UTC(2025, 2, 1, 10)],
    // Logs are UTC: a time without an offset is read as UTC, not in the machine's zone.
    ['2025-03-01T12:00:00', Date.UTC(2025, 2, 1, 12)],
    ['2025-03-01 12:00', Date.UTC(2025, 2, 1, 12)],
  ])('reads %s', (text, expected) => {
    expect(parseTime(text, NOW)).toBe(expected);
  });

  it.each(['', 'yesterday', '6h', '+6h', '-6x', 'March 1', '2025-13-01', '1e12', '-h'])(
    'refuses %j',
    (text) => {
      expect(parseTime(text, NOW)).toBeNull();
    },
  );

  it('reads back every instant written as ISO 8601 or as epoch ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 0, 1) }), (ms) => {
        expect(parseTime(new Date(ms).toISOString(), NOW)).toBe(ms);
        expect(parseTime(String(ms), NOW)).toBe(ms);
      }),
    );
  });
});

describe('parseQueryArgs', () => {
  it('reads a query with relative times, a window and dimension sets', () => {
    const options = parseQueryArgs(
      [
        '--table',
        'cf-windows',
        '--from',
        '-6h',
        '--window',
        '3600',
        '--dimension',
        'country',
        '--dimension',
        'host,statusClass',
      ],
      NOW,
    );
    expect(options).toMatchObject({
      table: 'cf-windows',
      from: NOW - 6 * 3_600_000,
      to: NOW,
      windowSeconds: 3_600,
      dimensions: [['country'], ['host', 'statusClass']],
      format: 'table',
      top: 10,
      maxItems: DEFAULT_QUERY_MAX_ITEMS,
      consistentRead: false,
      progress: true,
      stats: false,
    });
  });

  it.each([
    [[], /needs --table/],
    [['--table', 'cf-windows'], /needs --from/],
    [['--table', 'cf-windows', '--from', 'yesterday'], /--from must be ISO 8601/],
    [['--table', 'cf-windows', '--from', '-1h', '--to', '-2h'], /--from must be before --to/],
    [
      ['--table', 'cf-windows', '--from', '-1h', '--window', '0'],
      /--window: must be a whole number of seconds from 1 to 31622400; got 0/,
    ],
    [
      ['--table', 'cf-windows', '--from', '-1h', '--format', 'csv'],
      /--format: must be table, html or json; got "csv"/,
    ],
    [['--table', 'cf-windows', '--from', '-1h', '--dimension', 'planet'], /Unknown dimension "planet"/],
    [
      ['--table', 'cf-windows', '--from', '-1h', '--endpoint', 'localhost:8000'],
      /--endpoint must be an http\(s\) URL/,
    ],
    [['--table', 'cf-windows', '--from', '-1h', 'logs.gz'], /reads a table, not files/],
  ])('refuses %j', (args, message) => {
    expect(() => parseQueryArgs(args, NOW)).toThrow(UsageError);
    expect(() => parseQueryArgs(args, NOW)).toThrow(message);
  });
});
