/**
 * The retry contract as a property: whatever fails, whenever, Lambda retrying from the reported
 * record until the shard is drained leaves stored state equal to processing every record once,
 * metrics counted once, and every record delivered at least once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GeneratedLine, generateLines } from '../../fixtures/generator.js';
import { mergeCells, summarize, type WindowCell } from '../../src/aggregate/index.js';
import { createHandler } from '../../src/handler/create-handler.js';
import type { KinesisStreamEvent } from '../../src/handler/kinesis-event.js';
import { sortKey, stateSource } from '../../src/sinks/dynamodb.js';
import type { Sink, SinkResult, WriteOptions } from '../../src/sinks/types.js';
import { kinesisEvent, lambdaContext } from '../helpers/events.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'sc-bytes',
  'x-edge-request-id',
  'x-edge-result-type',
] as const;
const LINES: readonly GeneratedLine[] = generateLines({
  fields: FIELDS,
  count: 240,
  seed: 9,
  malformedRate: 0.05,
  requestsPerSecond: 2,
});
const VALID = LINES.filter((g) => g.expected !== null);
const SHARD = kinesisEvent(LINES.map((g) => g.line));

/** A DynamoDB-like store: puts overwrite by the DynamoDB sink's own keys. */
function stateStore(fails: () => boolean): Sink<WindowCell> & { items: Map<string, WindowCell> } {
  const items = new Map<string, WindowCell>();
  return {
    name: 'state',
    items,
    async write(batch: readonly WindowCell[], options?: WriteOptions): Promise<SinkResult> {
      const failed: SinkResult['failed'] = [];
      batch.forEach((cell, index) => {
        if (fails()) failed.push({ index, reason: 'throttled', retryable: true });
        else {
          const source = stateSource(cell, options);
          items.set(`${cell.key}|${sortKey(cell.start, source.shardId, source.firstSequenceNumber)}`, cell);
        }
      });
      return { sink: 'state', written: batch.length - failed.length, failed };
    },
  };
}

function listSink<T>(name: string, fails: () => boolean): Sink<T> & { items: T[] } {
  const items: T[] = [];
  return {
    name,
    items,
    async write(batch: readonly T[]): Promise<SinkResult> {
      const failed: SinkResult['failed'] = [];
      batch.forEach((item, index) => {
        if (fails()) failed.push({ index, reason: 'throttled', retryable: true });
        else items.push(item);
      });
      return { sink: name, written: batch.length - failed.length, failed };
    },
  };
}

/** Lambda's loop over one shard: batches of `size`, restarting at the reported record. */
async function drain(
  handler: ReturnType<typeof createHandler>,
  event: KinesisStreamEvent,
  size: number,
): Promise<number> {
  let position = 0;
  let invocations = 0;
  while (position < event.Records.length) {
    if (++invocations > 500) throw new Error('shard never drained');
    const batch = event.Records.slice(position, position + size);
    const { batchItemFailures } = await handler({ Records: batch }, lambdaContext());
    if (batchItemFailures.length === 0) position += batch.length;
    else {
      const failed = batch.findIndex(
        (r) => r.kinesis.sequenceNumber === batchItemFailures[0]!.itemIdentifier,
      );
      expect(failed).toBeGreaterThanOrEqual(0);
      position += failed;
    }
  }
  return invocations;
}

/**
 * Lambda's loop with BisectBatchOnFunctionError: a function error after the writes (a timeout,
 * say) splits the batch in two and retries each half; a partial failure restarts at its record.
 */
async function drainBisecting(
  handler: ReturnType<typeof createHandler>,
  event: KinesisStreamEvent,
  size: number,
  crashes: () => boolean,
): Promise<void> {
  const n = event.Records.length;
  const queue: [number, number][] = [];
  let position = 0;
  let invocations = 0;
  while (queue.length > 0 || position < n) {
    if (++invocations > 2_000) throw new Error('shard never drained');
    if (queue.length === 0) {
      queue.push([position, Math.min(n, position + size)]);
      position = Math.min(n, position + size);
    }
    const [from, to] = queue.shift()!;
    const batch = event.Records.slice(from, to);
    const { batchItemFailures } = await handler({ Records: batch }, lambdaContext());
    if (crashes()) {
      const mid = from + ((to - from) >> 1);
      queue.unshift(
        ...(to - from > 1
          ? ([
              [from, mid],
              [mid, to],
            ] as [number, number][])
          : [[from, to] as [number, number]]),
      );
      continue;
    }
    if (batchItemFailures.length > 0) {
      const failed = batch.findIndex(
        (r) => r.kinesis.sequenceNumber === batchItemFailures[0]!.itemIdentifier,
      );
      queue.unshift([from + failed, to]);
    }
  }
}

function storedRequests(items: Map<string, WindowCell>): number {
  const merged = new Map<string, WindowCell>();
  for (const cell of items.values()) {
    const seen = merged.get(cell.key);
    merged.set(cell.key, seen === undefined ? cell : mergeCells(seen, cell));
  }
  return [...merged.values()].reduce((a, c) => a + summarize(c).requests, 0);
}

describe('retries never lose or double-count', () => {
  it('stored state equals processing each record once when Lambda bisects batches after function errors', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 8, max: 120 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 32 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 32 }),
        async (size, failSchedule, crashSchedule) => {
          let tick = 0;
          const fails = () => {
            const t = tick++;
            return t % 4 !== 0 && failSchedule[t % failSchedule.length] === true && tick < 2_000;
          };
          let calls = 0;
          const crashes = () => {
            const c = calls++;
            return c % 3 !== 0 && crashSchedule[c % crashSchedule.length] === true && calls < 300;
          };
          const state = stateStore(fails);
          const handler = createHandler({
            fields: [...FIELDS],
            sinks: [],
            quarantine: 'none',
            stateSinks: [state],
            log: () => {},
          });
          await drainBisecting(handler, SHARD, size, crashes);
          expect(storedRequests(state.items)).toBe(VALID.length);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('stored state and metrics equal processing each record once, under any failure schedule', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 20, max: 120 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }),
        fc.boolean(),
        async (size, schedule, withState) => {
          // A failure schedule replayed in a loop; every 4th slot succeeds so the shard drains.
          let tick = 0;
          const fails = () => {
            const t = tick++;
            return t % 4 !== 0 && schedule[t % schedule.length] === true && tick < 2_000;
          };
          const state = stateStore(fails);
          const records = listSink<Record<string, unknown>>('records', fails);
          const metrics = listSink<WindowCell>('metrics', () => false);
          const handler = createHandler({
            fields: [...FIELDS],
            sinks: [],
            quarantine: 'none',
            stateSinks: withState ? [state] : [],
            recordSinks: [records],
            metricSinks: [metrics],
            log: () => {},
          });
          await drain(handler, SHARD, size);

          expect(metrics.items.reduce((a, c) => a + summarize(c).requests, 0)).toBe(VALID.length);
          const delivered = new Set(records.items.map((r) => r['x-edge-request-id']));
          expect(delivered.size).toBe(VALID.length);
          if (withState) expect(storedRequests(state.items)).toBe(VALID.length);
        },
      ),
      { numRuns: 25 },
    );
  });
});
