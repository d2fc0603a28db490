import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { createParser } from '../../src/parser/parser.js';
import { SinkConfigError } from '../../src/sinks/errors.js';
import { chunkEntries, createKinesisSink, MAX_RECORD_BYTES } from '../../src/sinks/kinesis.js';
import {
  closeAll,
  createStream,
  type FaultProxy,
  kinesisClient,
  type LocalServer,
  readStream,
  startFaultProxy,
  startKinesalite,
  THROTTLE,
} from '../helpers/local-aws.js';

const FIELDS = ['timestamp', 'c-ip', 'sc-status', 'cs-uri-stem', 'x-edge-request-id', 'sc-bytes'] as const;
const noWait = { sleep: async () => {}, maxAttempts: 10 };

function records(count: number, seed: number): Record<string, unknown>[] {
  const parser = createParser(FIELDS);
  return generateLines({ fields: FIELDS, count, seed }).map((g) => {
    const r = parser.parseLine(g.line);
    if (!r.ok) throw new Error(r.reason);
    return r.record;
  });
}

let server: LocalServer;
let proxy: FaultProxy;
let direct: KinesisClient;
let viaProxy: KinesisClient;

beforeAll(async () => {
  server = await startKinesalite();
  proxy = await startFaultProxy(server.endpoint);
  direct = kinesisClient(server.endpoint);
  viaProxy = kinesisClient(proxy.endpoint);
});

afterAll(async () => {
  direct?.destroy();
  viaProxy?.destroy();
  await closeAll(proxy, server);
});

describe('chunkEntries', () => {
  it('keeps order and never exceeds the count or byte limit', () => {
    const sizes = [3, 3, 3, 9, 1, 1, 1, 1, 10];
    const chunks = chunkEntries(
      sizes.map((size, i) => ({ size, i })),
      3,
      10,
    );
    expect(chunks.map((c) => c.map((e) => e.i))).toEqual([[0, 1, 2], [3, 4], [5, 6, 7], [8]]);
  });
});

describe('Kinesis sink options', () => {
  it('checks the stream name and partition key against their declarations, at construction', () => {
    const client = { send: async () => ({}) } as unknown as KinesisClient;
    const issuesOf = (options: Parameters<typeof createKinesisSink>[0]) => {
      try {
        createKinesisSink(options);
      } catch (error) {
        expect(error).toBeInstanceOf(SinkConfigError);
        return (error as SinkConfigError).issues.map((i) => i.path.join('.'));
      }
      return [];
    };
    expect(issuesOf({ client })).toEqual(['streamName']);
    expect(issuesOf({ client, streamName: 'has space', partitionKey: '' })).toEqual([
      'streamName',
      'partitionKey',
    ]);
    expect(issuesOf({ client, streamName: 'x'.repeat(129) })).toEqual(['streamName']);
    expect(issuesOf({ client, streamName: 'cf.processed_1-a', partitionKey: (r) => String(r) })).toEqual([]);
    expect(issuesOf({ client, streamArn: 'arn:aws:kinesis:us-east-1:123456789012:stream/cf' })).toEqual([]);
  });
});

describe('Kinesis sink against kinesalite', () => {
  it('writes every record as one JSON line, partitioned by x-edge-request-id, in chunks of <= 500', async () => {
    await createStream(direct, 'processed-plain', 2);
    const items = records(1_203, 1);
    proxy.plan = () => undefined;
    const seenBefore = proxy.seen.length;
    const sink = createKinesisSink({ client: viaProxy, streamName: 'processed-plain' });
    const result = await sink.write(items);
    expect(result).toEqual({ sink: 'kinesis', written: 1_203, failed: [] });
    const calls = proxy.seen.slice(seenBefore).map((s) => (s.body as { Records: unknown[] }).Records.length);
    expect(calls.sort((a, b) => b - a)).toEqual([500, 500, 203]);
    const stored = await readStream(direct, 'processed-plain');
    expect(stored).toHaveLength(1_203);
    const byId = new Map(stored.map((s) => [s.partitionKey, s]));
    for (const item of items) {
      const s = byId.get(item['x-edge-request-id'] as string)!;
      expect(s.data.endsWith('\n')).toBe(true);
      expect(JSON.parse(s.data)).toEqual(item);
    }
  });

  it('retries only the entries that failed, and throttled calls, until all land exactly once', async () => {
    await createStream(direct, 'processed-faults', 1);
    const items = records(700, 2);
    proxy.plan = (req, n) => {
      if (!req.target.endsWith('.PutRecords')) return undefined;
      if (n === 1) return THROTTLE;
      if (n <= 4) return { failEntry: (i) => i % 3 === 0 };
      return undefined;
    };
    const seenBefore = proxy.seen.length;
    const sink = createKinesisSink({ client: viaProxy, streamName: 'processed-faults', retry: noWait });
    const result = await sink.write(items);
    expect(result.failed).toEqual([]);
    const sentCounts = proxy.seen
      .slice(seenBefore)
      .filter((s) => s.target.endsWith('.PutRecords'))
      .map((s) => (s.body as { Records: unknown[] }).Records.length);
    // Round 1: two calls (500 + 200), one throttled. Later rounds resend only what failed.
    expect(sentCounts.slice(0, 2).sort((a, b) => b - a)).toEqual([500, 200]);
    expect(sentCounts.reduce((a, b) => a + b, 0)).toBeLessThan(700 * 3);
    const stored = await readStream(direct, 'processed-faults');
    expect(stored.map((s) => JSON.parse(s.data)['x-edge-request-id']).sort()).toEqual(
      items.map((i) => i['x-edge-request-id']).sort(),
    );
  });

  it('reports what still fails after its retries, with the original indices', async () => {
    await createStream(direct, 'processed-stuck', 1);
    const items = records(10, 3);
    proxy.plan = (req) =>
      req.target.endsWith('.PutRecords') ? { failEntry: (i) => i === 0 || i === 5 } : undefined;
    const sink = createKinesisSink({ client: viaProxy, streamName: 'processed-stuck', retry: noWait });
    const result = await sink.write(items);
    // Indices 0 and 5 of the first round; the retry round has [0, 5] at positions 0, 1: 0 fails again, 5 lands.
    expect(result.failed.map((f) => f.index)).toEqual([0]);
    expect(result.failed[0]!.reason).toContain('ProvisionedThroughputExceededException');
    expect(result.written).toBe(9);
    expect(await readStream(direct, 'processed-stuck')).toHaveLength(9);
  });

  it('refuses a record over 1 MiB without sending it, and a missing stream fails without retries', async () => {
    await createStream(direct, 'processed-big', 1);
    proxy.plan = () => undefined;
    const sink = createKinesisSink<{ id: string; blob: string }>({
      client: viaProxy,
      streamName: 'processed-big',
      partitionKey: 'id',
    });
    const result = await sink.write([
      { id: 'a', blob: 'x' },
      { id: 'b', blob: 'x'.repeat(MAX_RECORD_BYTES) },
    ]);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ index: 1, retryable: false });
    const missing = await createKinesisSink({ client: viaProxy, streamName: 'nope', retry: noWait }).write([
      { x: 1 },
    ]);
    expect(missing.failed[0]).toMatchObject({ index: 0, retryable: false });
    expect(missing.failed[0]!.reason).toContain('ResourceNotFoundException');
  });
});
