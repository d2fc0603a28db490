import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../../src/aggregate/index.js';
import { createCloudWatchSink, MAX_DATUMS_PER_CALL } from '../../src/sinks/cloudwatch.js';
import { SinkConfigError } from '../../src/sinks/errors.js';
import { cellsOf, makeCell, makeRecords, WINDOW_START } from '../helpers/cells.js';
import {
  type CloudWatchReceiver,
  cloudWatchClient,
  INTERNAL_ERROR,
  startCloudWatchReceiver,
  THROTTLE,
} from '../helpers/local-aws.js';

const noWait = { sleep: async () => {}, maxAttempts: 4 };
const NOW = () => WINDOW_START + 3_600_000;

let receiver: CloudWatchReceiver;
let client: CloudWatchClient;

beforeAll(async () => {
  receiver = await startCloudWatchReceiver();
  client = cloudWatchClient(receiver.endpoint);
});

afterAll(async () => {
  client?.destroy();
  await receiver?.close();
});

function reset() {
  receiver.reset();
}

describe('CloudWatch sink against a loopback receiver (real SDK on the wire)', () => {
  it('publishes each cell as data stamped with the window start, with weighted rates and latency distributions', async () => {
    reset();
    const sink = createCloudWatchSink({
      client,
      namespace: 'CDN/Test',
      now: NOW,
      dimensions: { Stream: 'cf' },
    });
    const [cell] = cellsOf(makeRecords(1_000, WINDOW_START, { 'c-country': 'DE' }), {
      dimensions: [['country']],
    });
    const result = await sink.write([cell!]);
    expect(result).toEqual({ sink: 'cloudwatch', written: 1, failed: [] });
    expect(receiver.calls).toHaveLength(1);
    const call = receiver.calls[0]!;
    expect(call.Namespace).toBe('CDN/Test');
    const byName = new Map(call.MetricData.map((d) => [d.MetricName, d]));
    const requests = byName.get('Requests')!;
    expect(requests).toEqual({
      MetricName: 'Requests',
      Dimensions: [
        { Name: 'Stream', Value: 'cf' },
        { Name: 'country', Value: 'DE' },
      ],
      Timestamp: WINDOW_START / 1_000,
      Value: 1_000,
      Unit: 'Count',
      StorageResolution: 60,
    });
    expect(byName.get('5xxErrorRate')).toMatchObject({ Values: [5], Counts: [1_000], Unit: 'Percent' });
    // The sketch itself: 10 ms .. 1 s in 100 distinct values, min and max exact, one per bucket.
    const taken = byName.get('TimeTaken')!;
    expect(taken).toMatchObject({ Unit: 'Milliseconds' });
    expect(taken.Values![0]).toBe(10);
    expect(taken.Values!.at(-1)).toBe(1_000);
    expect(taken.Counts!.reduce((a, b) => a + b, 0)).toBe(1_000);
    expect(byName.get('BytesDownloaded')).toMatchObject({ Value: 5_000_000, Unit: 'Bytes' });
  });

  it('splits into calls of at most 1,000 datums (gzip-compressed by the client) and sends every datum once', async () => {
    reset();
    const cells = Array.from({ length: 120 }, (_, i) => makeCell(100 + i, WINDOW_START + i * 60_000));
    const result = await createCloudWatchSink({ client, now: NOW }).write(cells);
    expect(result.failed).toEqual([]);
    expect(receiver.calls.length).toBeGreaterThan(1);
    for (const c of receiver.calls) expect(c.MetricData.length).toBeLessThanOrEqual(MAX_DATUMS_PER_CALL);
    expect(receiver.calls.some((c) => c.gzip)).toBe(true);
    const requests = receiver.calls
      .flatMap((c) => c.MetricData)
      .filter((d) => d.MetricName === 'Requests')
      .map((d) => [d.Timestamp, d.Value]);
    expect(requests).toEqual(cells.map((c) => [c.start / 1_000, summarize(c).requests]));
  });

  it('retries a throttled or failing call; what still fails is reported per cell', async () => {
    reset();
    receiver.plan = (_r, n) => (n <= 2 ? THROTTLE : undefined);
    const ok = await createCloudWatchSink({ client, now: NOW, retry: noWait }).write([makeCell()]);
    expect(ok.failed).toEqual([]);
    expect(receiver.seen).toHaveLength(3);
    expect(receiver.calls).toHaveLength(1);

    reset();
    receiver.plan = () => INTERNAL_ERROR;
    const bad = await createCloudWatchSink({ client, now: NOW, retry: noWait }).write([
      makeCell(),
      makeCell(1_000, WINDOW_START + 60_000),
    ]);
    expect(bad.failed.map((f) => [f.index, f.retryable])).toEqual([
      [0, true],
      [1, true],
    ]);
    expect(bad.failed[0]!.reason).toContain('InternalFailure');
    expect(receiver.seen).toHaveLength(4);
  });

  it('does not send windows older than two weeks (CloudWatch rejects them)', async () => {
    reset();
    const sink = createCloudWatchSink({ client, now: () => WINDOW_START + 15 * 86_400_000 });
    const result = await sink.write([makeCell()]);
    expect(result.failed).toMatchObject([{ index: 0, retryable: false, permanent: true }]);
    expect(receiver.seen).toHaveLength(0);
  });

  it('never sends a datum with more than 30 dimensions: such a cell fails as permanent, the others land', async () => {
    reset();
    const fixed = Object.fromEntries(Array.from({ length: 28 }, (_, i) => [`D${i}`, 'x']));
    const sink = createCloudWatchSink({ client, now: NOW, dimensions: fixed });
    expect(Object.keys(sink.dimensions)).toHaveLength(28);
    const records = makeRecords(20, WINDOW_START, {
      'c-country': 'FR',
      'cs-host': 'a.example',
      'sc-status': 200,
    });
    const cells = cellsOf(records, {
      dimensions: [
        ['country', 'host'],
        ['country', 'host', 'statusClass'],
      ],
    });
    expect(cells.map((c) => Object.keys(c.dimensions).length).sort()).toEqual([2, 3]);
    const result = await sink.write(cells);
    const wide = cells.findIndex((c) => Object.keys(c.dimensions).length === 3);
    expect(result.failed).toMatchObject([{ index: wide, retryable: false, permanent: true }]);
    expect(result.failed[0]!.reason).toMatch(/31 dimensions.*at most 30/);
    const sent = receiver.calls.flatMap((c) => c.MetricData);
    expect(sent.length).toBeGreaterThan(0);
    expect(Math.max(...sent.map((d) => d.Dimensions?.length ?? 0))).toBe(30);
  });

  it('sends a distribution of more than 150 values as several datums of 150, which CloudWatch pools', async () => {
    reset();
    // Time taken 1 ms .. 3 s in ~400 distinct buckets.
    const records = Array.from({ length: 2_000 }, (_, i) => ({
      timestamp: WINDOW_START,
      'sc-status': 200,
      'time-taken': 0.001 * 1.02 ** (i / 5),
    }));
    const [cell] = cellsOf(records);
    await createCloudWatchSink({ client, now: NOW, metrics: ['TimeTaken'] }).write([cell!]);
    const data = receiver.calls.flatMap((c) => c.MetricData);
    expect(data.length).toBeGreaterThan(2);
    for (const d of data) expect(d.Values!.length).toBeLessThanOrEqual(150);
    expect(data.flatMap((d) => d.Counts!).reduce((a, b) => a + b, 0)).toBe(2_000);
    expect(new Set(data.map((d) => d.Timestamp)).size).toBe(1);
  });

  it('rejects bad options at construction, saying what to change', () => {
    expect(() => createCloudWatchSink({ client, namespace: 'AWS/CloudFront' })).toThrow(SinkConfigError);
    expect(() => createCloudWatchSink({ client, metrics: ['Nope' as 'Requests'] })).toThrow(
      /unknown metric "Nope"/,
    );
  });
});
