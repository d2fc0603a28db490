/**
 * The batched writer as a specification: whatever the items' sizes and counts, whatever the
 * service answers (per-entry failures, whole calls failing, retryable or not), every input index
 * is reported exactly once, as written or failed; calls never exceed the limits; entries go out in
 * input order; what the service would refuse for good is never sent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CallLimits,
  chunkBySize,
  createBatchedWriter,
  Refusal,
} from '../../src/sinks/batched-writer.js';
import type { RoundFailure } from '../../src/sinks/retry.js';

/** One entry of the fake service: the item it belongs to, its place in the item, its size. */
interface Entry {
  readonly item: number;
  readonly part: number;
  readonly size: number;
}

/** An item: its entries' sizes, or refused by the sink itself. */
interface ItemSpec {
  readonly sizes: readonly number[];
  readonly refuse: boolean;
}

type EntryAnswer = 'ok' | 'retry' | 'fatal';
/** What the service answers to one call: the call fails whole, or per entry. */
interface CallAnswer {
  readonly whole: 'ok' | 'retryable' | 'fatal';
  readonly entries: readonly EntryAnswer[];
}

const limitsArb: fc.Arbitrary<CallLimits> = fc
  .record({
    maxEntries: fc.integer({ min: 1, max: 6 }),
    maxBytes: fc.integer({ min: 8, max: 100 }),
    envelopeBytes: fc.integer({ min: 0, max: 6 }),
    maxEntryBytes: fc.option(fc.integer({ min: 1, max: 120 }), { nil: undefined }),
  })
  .map((l) => (l.maxEntryBytes === undefined ? { ...l, maxEntryBytes: undefined } : l) as CallLimits);

const answerArb: fc.Arbitrary<CallAnswer> = fc.record({
  whole: fc.constantFrom('ok', 'ok', 'ok', 'retryable', 'fatal'),
  entries: fc.array(fc.constantFrom<EntryAnswer>('ok', 'ok', 'retry', 'fatal'), {
    minLength: 1,
    maxLength: 7,
  }),
});

function itemsArb(
  maxSize: number,
  maxItems: number,
  refusals: boolean,
  size?: 'max',
): fc.Arbitrary<ItemSpec[]> {
  return fc.array(
    fc.record({
      sizes: fc.array(fc.integer({ min: 0, max: maxSize }), { maxLength: 3 }),
      refuse: refusals ? fc.integer({ min: 0, max: 4 }).map((n) => n === 0) : fc.constant(false),
    }),
    { maxLength: maxItems, ...(size !== undefined ? { size } : {}) },
  );
}

interface Run {
  /** Every call, in the order it started. */
  readonly calls: Entry[][];
  /** Successful sends per entry, `item:part`. */
  readonly landed: Map<string, number>;
  readonly result: Awaited<ReturnType<ReturnType<typeof createBatchedWriter<ItemSpec, Entry>>>>;
}

async function run(
  items: readonly ItemSpec[],
  limits: CallLimits,
  answers: readonly CallAnswer[],
  maxAttempts: number,
  concurrency: number,
): Promise<Run> {
  const calls: Entry[][] = [];
  const landed = new Map<string, number>();
  const write = createBatchedWriter<ItemSpec, Entry>({
    limits,
    prepare: (spec, item) =>
      spec.refuse
        ? new Refusal('refused by the sink')
        : spec.sizes.map((size, part) => ({ item, part, size })),
    size: (e) => e.size,
    async send(chunk): Promise<RoundFailure[]> {
      const answer = answers[calls.length % answers.length]!;
      calls.push([...chunk]);
      await Promise.resolve();
      if (answer.whole === 'retryable')
        throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
      if (answer.whole === 'fatal')
        throw Object.assign(new Error('bad request'), { name: 'ValidationException' });
      const failures: RoundFailure[] = [];
      chunk.forEach((e, position) => {
        const a = answer.entries[position % answer.entries.length]!;
        if (a === 'ok') landed.set(`${e.item}:${e.part}`, (landed.get(`${e.item}:${e.part}`) ?? 0) + 1);
        else failures.push({ position, reason: a, retryable: a === 'retry' });
      });
      return failures;
    },
    concurrency,
    retry: { maxAttempts, sleep: async () => {}, random: () => 0 },
  });
  return { calls, landed, result: await write(items) };
}

function callBytes(call: readonly Entry[], limits: CallLimits): number {
  return (limits.envelopeBytes ?? 0) + call.reduce((a, e) => a + e.size, 0);
}

/** Entries over what one call has room for are refused with their item. */
function fits(size: number, limits: CallLimits): boolean {
  const room = limits.maxBytes - (limits.envelopeBytes ?? 0);
  return size <= Math.min(limits.maxEntryBytes ?? room, room);
}

describe('createBatchedWriter', () => {
  it('reports every input index once, as written or failed, within the limits and in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        itemsArb(120, 40, true),
        limitsArb,
        fc.array(answerArb, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        async (items, limits, answers, maxAttempts, concurrency) => {
          const { calls, landed, result } = await run(items, limits, answers, maxAttempts, concurrency);
          const failedIndices = result.failed.map((f) => f.index);
          // Once each: sorted, distinct, in range, and the rest written.
          expect(failedIndices).toEqual([...new Set(failedIndices)].sort((a, b) => a - b));
          for (const i of failedIndices) expect(i >= 0 && i < items.length).toBe(true);
          expect(result.written + result.failed.length).toBe(items.length);

          for (const call of calls) {
            expect(call.length).toBeGreaterThan(0);
            expect(call.length).toBeLessThanOrEqual(limits.maxEntries);
            expect(callBytes(call, limits)).toBeLessThanOrEqual(limits.maxBytes);
            // Order kept within a call.
            for (let i = 1; i < call.length; i++) {
              const a = call[i - 1]!;
              const b = call[i]!;
              expect(a.item < b.item || (a.item === b.item && a.part < b.part)).toBe(true);
            }
          }

          const refused = (spec: ItemSpec) => spec.refuse || spec.sizes.some((s) => !fits(s, limits));
          const eligible = items.flatMap((spec, item) =>
            refused(spec) ? [] : spec.sizes.map((size, part) => ({ item, part, size })),
          );
          // The first round sends every eligible entry once, in input order.
          expect(calls.flat().slice(0, eligible.length)).toEqual(eligible);

          const failedBy = new Map(result.failed.map((f) => [f.index, f]));
          items.forEach((spec, item) => {
            const f = failedBy.get(item);
            const landings = spec.sizes.map((_, part) => landed.get(`${item}:${part}`) ?? 0);
            for (const n of landings) expect(n).toBeLessThanOrEqual(1);
            if (refused(spec)) {
              // Refused for good: permanent, never sent.
              expect(f).toMatchObject({ retryable: false, permanent: true });
              expect(calls.flat().some((e) => e.item === item)).toBe(false);
            } else if (f === undefined) {
              expect(landings.every((n) => n === 1)).toBe(true);
            } else {
              expect(f.permanent).toBeUndefined();
              expect(landings.some((n) => n === 0)).toBe(true);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('fills every call of a round up to a limit: no call could have taken the next entry', async () => {
    await fc.assert(
      fc.asyncProperty(
        itemsArb(40, 300, false, 'max'),
        limitsArb.map((l) => ({ ...l, maxBytes: l.maxBytes + 40, maxEntryBytes: undefined })),
        async (items, limits) => {
          const { calls, result } = await run(items, limits, [{ whole: 'ok', entries: ['ok'] }], 1, 3);
          expect(result.failed).toEqual([]);
          for (let i = 0; i + 1 < calls.length; i++) {
            const full =
              calls[i]!.length === limits.maxEntries ||
              callBytes(calls[i]!, limits) + calls[i + 1]![0]!.size > limits.maxBytes;
            expect(full).toBe(true);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('with retries enough and only retryable trouble, everything lands exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        itemsArb(30, 60, false, 'max'),
        limitsArb.map((l) => ({ ...l, maxBytes: l.maxBytes + 30, maxEntryBytes: undefined })),
        fc.array(
          fc.record({
            whole: fc.constantFrom<'ok' | 'retryable'>('ok', 'retryable'),
            entries: fc.array(fc.constantFrom<EntryAnswer>('ok', 'retry'), { minLength: 1, maxLength: 5 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (items, limits, trouble) => {
          // Trouble first, then a service that accepts everything.
          const answers = [
            ...trouble,
            ...Array.from({ length: 10_000 }, () => ({ whole: 'ok' as const, entries: ['ok' as const] })),
          ];
          const { landed, result } = await run(items, limits, answers, 10_000, 2);
          expect(result.failed).toEqual([]);
          expect(result.written).toBe(items.length);
          expect([...landed.values()].every((n) => n === 1)).toBe(true);
          expect(landed.size).toBe(items.reduce((a, s) => a + s.sizes.length, 0));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('sends an entry key once (the last), which then stands for every item that had it', async () => {
    const sent: string[][] = [];
    const write = createBatchedWriter<string, string>({
      limits: { maxEntries: 2, maxBytes: 100 },
      prepare: (k) => [k],
      size: () => 1,
      key: (k) => k,
      async send(chunk) {
        sent.push([...chunk]);
        return chunk.flatMap((k, position) =>
          k === 'b' ? [{ position, reason: 'no b', retryable: false }] : [],
        );
      },
    });
    const result = await write(['a', 'b', 'a', 'c', 'b']);
    // 'a' at its last place (after 'b' moved there too): a, c, b.
    expect(sent).toEqual([['a', 'c'], ['b']]);
    expect(result.failed.map((f) => f.index)).toEqual([1, 4]);
    expect(result.written).toBe(3);
  });

  it('stops retrying when the signal aborts, reporting what is left as failed', async () => {
    const abort = new AbortController();
    let calls = 0;
    const write = createBatchedWriter<number, number>({
      limits: { maxEntries: 10, maxBytes: 100 },
      prepare: (n) => [n],
      size: () => 1,
      async send(chunk) {
        calls++;
        abort.abort();
        return chunk.map((_, position) => ({ position, reason: 'throttled', retryable: true }));
      },
      retry: { sleep: async () => {} },
    });
    const result = await write([1, 2, 3], { signal: abort.signal });
    expect(calls).toBe(1);
    expect(result.failed).toMatchObject([
      { index: 0, retryable: true },
      { index: 1, retryable: true },
      { index: 2, retryable: true },
    ]);
  });
});

describe('chunkBySize', () => {
  it('closes a call at the entry count or the byte budget, envelope included', () => {
    const chunks = chunkBySize([3, 3, 3, 9, 1, 1], (n) => n, {
      maxEntries: 3,
      maxBytes: 12,
      envelopeBytes: 2,
    });
    expect(chunks).toEqual([[3, 3, 3], [9, 1], [1]]);
  });
});
