/** `cfrt query`'s progress line: drawn on a terminal only, throttled, cleared before the report. */
import { describe, expect, it } from 'vitest';
import { PROGRESS_INTERVAL_MS } from '../../src/cli/progress.js';
import { createQueryProgress } from '../../src/cli/query.js';
import type { QueryStats } from '../../src/sinks/dynamodb-query.js';

const stats = (items: number): QueryStats => ({
  queries: Math.ceil(items / 40),
  items,
  indexItems: 0,
  expired: 0,
  series: 1,
  readCapacityUnits: items * 3,
});

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { isTTY, columns: 100, writes, write: (t: string) => writes.push(t) > 0 };
}

describe('createQueryProgress', () => {
  it('draws items, queries and read units on a terminal, at most once per interval, and clears the line', () => {
    const stream = fakeStream(true);
    let now = 1_000;
    const progress = createQueryProgress(stream, { clock: () => now });
    progress.update(stats(40));
    progress.update(stats(80));
    now += PROGRESS_INTERVAL_MS;
    progress.update(stats(1_200));
    progress.done();
    expect(stream.writes).toEqual([
      '\r\x1b[2K40 items, 1 queries, 120.0 read units | 0.0 s',
      '\r\x1b[2K1.20k items, 30 queries, 3600.0 read units | 0.2 s',
      '\r\x1b[2K',
    ]);
  });

  it('draws nothing when stderr is not a terminal, or with --no-progress', () => {
    for (const [stream, enabled] of [
      [fakeStream(false), true],
      [fakeStream(true), false],
    ] as const) {
      const progress = createQueryProgress(stream, { enabled });
      progress.update(stats(40));
      progress.done();
      expect(stream.writes).toEqual([]);
    }
  });
});
