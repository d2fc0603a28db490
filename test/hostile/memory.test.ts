/**
 * State is bounded by configuration whatever the input: windows and dimension cells an aggregator
 * holds open are capped, with a documented fallback, and the worst batch for memory runs under
 * the SAM function's memory size.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAggregator, summarize } from '../../src/aggregate/index.js';
import { DEFAULT_MAX_WINDOWS } from '../../src/aggregate/options.js';

const BASE = Date.UTC(2025, 2, 1, 12, 0, 0);
/** infra/template.yaml: the processor function's MemorySize. */
const SAM_MEMORY_BYTES = 1_024 * 1024 * 1024;

describe('an aggregator under caps', () => {
  it('turns away a record whose window would be one more than maxWindows, and counts it', () => {
    const agg = createAggregator({ maxWindows: 3 });
    const outcomes = [0, 1, 2, 3, 1].map((m) => agg.add({ timestamp: BASE + m * 60_000 }));
    expect(outcomes).toEqual(['added', 'added', 'added', 'overflow', 'added']);
    expect(agg.stats()).toMatchObject({ records: 4, overflow: 1, openWindows: 3 });
    // A drained window makes room again.
    agg.drain();
    expect(agg.add({ timestamp: BASE + 3 * 60_000 })).toBe('added');
  });

  it('past maxCells, counts a record in its stream-wide cell and in no new dimension cell', () => {
    const agg = createAggregator({ maxCells: 2, dimensions: [[], ['host']] });
    for (const host of ['a', 'b', 'c', 'a']) agg.add({ timestamp: BASE, 'cs-host': host });
    const cells = agg.cells().map((c) => [c.dimensions.host ?? '*', summarize(c).requests]);
    expect(cells).toEqual([
      ['*', 4],
      ['a', 2],
      ['b', 1],
    ]);
    expect(agg.stats()).toMatchObject({ cellOverflow: 1, openCells: 2 });
  });

  it('refuses caps that are not whole numbers of at least 1', () => {
    expect(() => createAggregator({ maxWindows: 0 })).toThrow(/maxWindows/);
    expect(() => createAggregator({ maxCells: 1.5 })).toThrow(/maxCells/);
    expect(() => createAggregator({ maxCells: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});

describe('the worst batch for memory', () => {
  it('10,000 records in 10,000 minutes over 16 dimension sets runs under the SAM function memory, every line accounted for', () => {
    const script = resolve(import.meta.dirname, 'scripts/worst-batch.ts');
    const run = spawnSync(
      process.execPath,
      [`--max-old-space-size=${SAM_MEMORY_BYTES / 1024 / 1024}`, '--import', 'tsx', script],
      { encoding: 'utf8', cwd: resolve(import.meta.dirname, '../..'), timeout: 120_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(out.failures).toBe(0);
    expect(out.parsed + out.malformed).toBe(10_000);
    expect(out.parsed).toBe(DEFAULT_MAX_WINDOWS);
    expect(out.maxRssBytes).toBeLessThan(SAM_MEMORY_BYTES / 2);
  });

  it('2.5 million 2-byte malformed lines in one event: every one counted, 100 logged, memory far under 512 MB', () => {
    // Before, the handler held every quarantined line whole for a log that writes 100: 720 MB peak.
    const script = resolve(import.meta.dirname, 'scripts/tiny-lines.ts');
    const run = spawnSync(process.execPath, ['--max-old-space-size=512', '--import', 'tsx', script], {
      encoding: 'utf8',
      cwd: resolve(import.meta.dirname, '../..'),
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
    expect(out).toMatchObject({ failures: 0, malformed: 2_500_000 });
    // 100 lines, one summary, the invocation line.
    expect(out.logLines).toBe(102);
    expect(out.maxRssBytes).toBeLessThan(512 * 1024 * 1024);
  });
});
