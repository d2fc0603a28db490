/** Real window cells for sink tests, made by the aggregator (the only producer of cells). */
import {
  type AggregatableRecord,
  type AggregatorOptions,
  createAggregator,
  type WindowCell,
} from '../../src/aggregate/index.js';

export const WINDOW_START = Date.UTC(2025, 2, 1, 12, 0, 0);

/** The cells of `records` (stream-wide only unless `options.dimensions` says otherwise). */
export function cellsOf(
  records: readonly AggregatableRecord[],
  options: AggregatorOptions = {},
): WindowCell[] {
  const agg = createAggregator({ allowedLatenessSeconds: 86_400 * 365, ...options });
  for (const r of records) agg.add(r);
  return agg.cells();
}

/**
 * `requests` records in the minute starting at `start`: 80% 2xx, 10% 4xx, 5% 5xx, 5% 000; 70%
 * hits, 20% misses, 10% errors; 10% bots; time taken 10 ms x (1 + i % 100) (10 ms to 1 s), time
 * to first byte half of it; `country` set when given.
 */
export function makeRecords(
  requests = 1_000,
  start = WINDOW_START,
  extra: Partial<AggregatableRecord> = {},
): AggregatableRecord[] {
  return Array.from({ length: requests }, (_, i) => {
    const k = i % 20;
    const status = k < 16 ? 200 : k < 18 ? 404 : k === 18 ? 503 : 0;
    const m = i % 10;
    const result = m < 7 ? 'Hit' : m < 9 ? 'Miss' : 'Error';
    const taken = (10 * (1 + (i % 100))) / 1_000;
    return {
      timestamp: start + (i % 60_000),
      'c-ip': `198.51.100.${i % 200}`,
      'sc-status': status,
      'sc-bytes': 5_000,
      'cs-bytes': 300,
      'cs-uri-stem': `/p/${i % 7}`,
      'x-edge-result-type': result,
      'cs-user-agent': i % 10 === 0 ? 'Googlebot/2.1' : 'Mozilla/5.0',
      'time-taken': taken,
      'time-to-first-byte': taken / 2,
      ...extra,
    };
  });
}

/** The stream-wide cell of `makeRecords(requests, start)`. */
export function makeCell(
  requests = 1_000,
  start = WINDOW_START,
  options: AggregatorOptions = {},
): WindowCell {
  const [cell] = cellsOf(makeRecords(requests, start), options);
  if (cell === undefined) throw new Error('no cell');
  return cell;
}
