import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  errorText,
  isRetryableError,
  type RoundFailure,
  retryPending,
} from '../../src/sinks/retry.js';

function fakeClock() {
  let t = 1_000_000;
  const waits: number[] = [];
  return {
    waits,
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
  };
}

describe('backoffDelay', () => {
  it('is full jitter: uniform in [0, min(max, base * 2^(attempt-1))]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseDelayMs, maxDelayMs, r) => {
          const d = backoffDelay(attempt, { baseDelayMs, maxDelayMs, random: () => r });
          const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(cap);
          expect(d).toBe(Math.floor(r * cap));
        },
      ),
    );
  });
});

describe('retryPending', () => {
  it('resends only the items that failed retryably, until they land', async () => {
    const clock = fakeClock();
    const sent: number[][] = [];
    const items = [0, 1, 2, 3, 4, 5];
    const failuresLeft = new Map([
      [1, 2],
      [4, 1],
    ]);
    const result = await retryPending(
      items,
      async (pending) => {
        sent.push([...pending]);
        return pending.flatMap((item, position) => {
          const left = failuresLeft.get(item) ?? 0;
          if (left === 0) return [];
          failuresLeft.set(item, left - 1);
          return [{ position, reason: 'throttled', retryable: true }];
        });
      },
      { ...clock, random: () => 0.5 },
    );
    expect(result.failed).toEqual([]);
    expect(result.attempts).toBe(3);
    expect(sent).toEqual([[0, 1, 2, 3, 4, 5], [1, 4], [1]]);
    expect(clock.waits).toEqual([25, 50]);
  });

  it('reports non-retryable failures at once and retryable ones after maxAttempts, with original indices', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await retryPending(
      ['a', 'b', 'c'],
      async (pending) => {
        calls++;
        return pending.flatMap((item, position): RoundFailure[] =>
          item === 'a'
            ? [{ position, reason: 'ValidationException', retryable: false }]
            : item === 'c'
              ? [{ position, reason: 'Throttling', retryable: true }]
              : [],
        );
      },
      { ...clock, maxAttempts: 4 },
    );
    expect(calls).toBe(4);
    expect(result.failed).toEqual([
      { index: 0, reason: 'ValidationException', retryable: false },
      { index: 2, reason: 'Throttling', retryable: true },
    ]);
  });

  it('starts no wait that would pass the deadline', async () => {
    const clock = fakeClock();
    let calls = 0;
    const result = await retryPending(
      [1],
      async () => {
        calls++;
        return [{ position: 0, reason: 'Throttling', retryable: true }];
      },
      { ...clock, random: () => 0.99, baseDelayMs: 100, maxAttempts: 100 },
      { deadline: clock.now() + 500 },
    );
    expect(result.failed).toHaveLength(1);
    expect(clock.now()).toBeLessThan(1_000_000 + 500);
    // waits 99, 198 (total 297); the next (396) would pass the deadline.
    expect(calls).toBe(3);
  });

  it('turns a thrown error into failures of the whole round', async () => {
    const clock = fakeClock();
    const error = Object.assign(new Error('denied'), {
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
    });
    const result = await retryPending(
      [1, 2],
      async () => {
        throw error;
      },
      clock,
    );
    expect(result.attempts).toBe(1);
    expect(result.failed).toEqual([
      { index: 0, reason: 'AccessDeniedException (HTTP 400): denied', retryable: false },
      { index: 1, reason: 'AccessDeniedException (HTTP 400): denied', retryable: false },
    ]);
  });
});

describe('isRetryableError', () => {
  it.each([
    [{ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }, true],
    [{ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }, true],
    [{ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }, true],
    [{ name: 'Whatever', $metadata: { httpStatusCode: 503 } }, true],
    [{ name: 'Error', code: 'ECONNRESET' }, true],
    [{ name: 'ValidationException', $metadata: { httpStatusCode: 400 } }, false],
    [new TypeError('bug'), false],
    ['text', false],
  ])('%o -> %s', (error, expected) => {
    expect(isRetryableError(error)).toBe(expected);
  });

  it('errorText never exceeds 300 characters', () => {
    expect(errorText(new Error('x'.repeat(1_000))).length).toBe(300);
  });
});
