import { describe, expect, it } from 'vitest';
import { createFanOutSink } from '../../src/sinks/fan-out.js';
import { createMemorySink } from '../../src/sinks/memory.js';
import type { Sink } from '../../src/sinks/types.js';

describe('memory sink', () => {
  it('keeps every item in order and reports rejected ones as failures', async () => {
    const sink = createMemorySink<number>({ reject: (n) => (n % 3 === 0 ? 'multiple of 3' : undefined) });
    const result = await sink.write([1, 2, 3, 4, 5, 6]);
    expect(sink.items).toEqual([1, 2, 4, 5]);
    expect(result).toEqual({
      sink: 'memory',
      written: 4,
      failed: [
        { index: 2, reason: 'multiple of 3', retryable: true },
        { index: 5, reason: 'multiple of 3', retryable: true },
      ],
    });
    expect(sink.writes).toBe(1);
  });
});

describe('fan-out sink', () => {
  it('writes to every sink; an item failed anywhere is failed', async () => {
    const a = createMemorySink<string>({ name: 'a', reject: (s) => (s === 'x' ? 'a refuses x' : undefined) });
    const b = createMemorySink<string>({ name: 'b', reject: (s) => (s === 'y' ? 'b refuses y' : undefined) });
    const fan = createFanOutSink([a, b]);
    const result = await fan.write(['x', 'ok', 'y']);
    expect(a.items).toEqual(['ok', 'y']);
    expect(b.items).toEqual(['x', 'ok']);
    expect(result.written).toBe(1);
    expect(result.failed).toEqual([
      { index: 0, reason: 'a: a refuses x', retryable: true },
      { index: 2, reason: 'b: b refuses y', retryable: true },
    ]);
    expect(fan.lastResults.map((r) => r.sink)).toEqual(['a', 'b']);
  });

  it('a sink that throws fails the batch without hiding the others', async () => {
    const ok = createMemorySink<number>();
    const broken: Sink<number> = {
      name: 'broken',
      write: async () => {
        throw new Error('bug');
      },
    };
    const result = await createFanOutSink([ok, broken]).write([1, 2]);
    expect(ok.items).toEqual([1, 2]);
    expect(result.failed.map((f) => [f.index, f.retryable])).toEqual([
      [0, false],
      [1, false],
    ]);
    expect(result.failed[0]!.reason).toContain('broken threw: bug');
  });
});
