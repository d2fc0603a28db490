/**
 * The key layout of the window table, shared by the writer (`createDynamoDbSink`) and the readers
 * (`readWindows`, `queryWindows`). Two kinds of items share one table:
 *
 * - cells: `pk` = the series (`*`, or `country=US&statusClass=2xx`: names sorted, values
 *   URI-encoded), `sk` = `<window start, 15 digits>#<shard>#<first sequence number>`;
 * - the series index: `pk` = `#series#<dimension names, sorted, comma-separated>`, `sk` =
 *   `<UTC day start, 15 digits>#<series key>`, one item per series that had a cell that day.
 *   It is how a reader with only `dynamodb:Query` finds every value of a dimension set (every
 *   country seen in the last 6 hours) without a Scan: one Query per set and range of days.
 *
 * A series key never starts with `#` (dimension names are identifiers), so the two never meet.
 */

/** Window starts are written with this many digits so that text order is time order. */
export const START_DIGITS = 15;
/** The largest window start a sort key can hold. */
export const LAST_WINDOW_START = 10 ** START_DIGITS - 1;
/** The series index is bucketed by UTC day: one Query per day of a range finds every series. */
export const SERIES_INDEX_BUCKET_MS = 86_400_000;
const SERIES_INDEX_PREFIX = '#series#';

/**
 * The partition key of a cell's series: dimension values with names sorted, or `*`.
 *
 * @example
 * seriesKey({ statusClass: '5xx', country: 'US' }); // 'country=US&statusClass=5xx'
 * seriesKey({}); // '*'
 */
export function seriesKey(dimensions: Readonly<Record<string, string>>): string {
  const names = Object.keys(dimensions).sort();
  if (names.length === 0) return '*';
  return names.map((n) => `${n}=${encodeURIComponent(dimensions[n]!)}`).join('&');
}

/**
 * The dimension values of a series key (the inverse of `seriesKey`).
 *
 * @example
 * dimensionsOfSeries('country=US&statusClass=5xx'); // { country: 'US', statusClass: '5xx' }
 */
export function dimensionsOfSeries(series: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (series === '*') return out;
  for (const part of series.split('&')) {
    const eq = part.indexOf('=');
    out[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1));
  }
  return out;
}

/** A window start as the fixed-width text sort keys begin with. */
export function startText(start: number): string {
  return String(Math.min(Math.max(0, start), LAST_WINDOW_START)).padStart(START_DIGITS, '0');
}

/**
 * The sort key of a cell written by one batch.
 *
 * @example
 * sortKey(1740830400000, 'shardId-000000000001', '4960...'); // '001740830400000#shardId-000000000001#4960...'
 */
export function sortKey(start: number, shardId: string, firstSequenceNumber: string): string {
  return `${String(start).padStart(START_DIGITS, '0')}#${shardId}#${firstSequenceNumber}`;
}

/**
 * The sort-key bounds of every item whose window starts in `[from, to)`: `'$'` sorts after `'#'`,
 * so the upper bound takes every source of the last start.
 */
export function startRange(from: number, to: number): { from: string; to: string } {
  return { from: startText(from), to: `${startText(to - 1)}$` };
}

/**
 * The series-index partition of a dimension set (names in any order).
 *
 * @example
 * seriesIndexKey(['statusClass', 'country']); // '#series#country,statusClass'
 */
export function seriesIndexKey(names: readonly string[]): string {
  return `${SERIES_INDEX_PREFIX}${[...names].sort().join(',')}`;
}

/** The UTC day (start, epoch ms) a window start is indexed under. */
export function seriesIndexBucket(start: number): number {
  return start - (((start % SERIES_INDEX_BUCKET_MS) + SERIES_INDEX_BUCKET_MS) % SERIES_INDEX_BUCKET_MS);
}

/** The series-index sort key of a series seen on the day starting at `bucket`. */
export function seriesIndexSortKey(bucket: number, series: string): string {
  return `${startText(bucket)}#${series}`;
}
