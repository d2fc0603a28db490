import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudWatchSink, MAX_DATUMS_PER_CALL } from '../../src/sinks/cloudwatch.js';
import { SinkConfigError } from '../../src/sinks/errors.js';
import {
  type CloudWatchReceiver,
  cloudWatchClient,
  INTERNAL_ERROR,
  startCloudWatchReceiver,
  THROTTLE,
} from '../helpers/local-aws.js';
import { makeSummary, WINDOW_START } from '../helpers/summaries.js';

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
  it('publishes each summary as data stamped with the window start, with weighted rates and latency distributions', async () => {
    reset();
    const sink = createCloudWatchSink({
      client,
      namespace: 'CDN/Test',
      now: NOW,
      dimensions: { Stream: 'cf' },
    });
    const summary = makeSummary({ dimensions: { country: 'DE' } });
    const result = await sink.write([summary]);
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
    expect(byName.get('TimeTaken')).toMatchObject({
      Values: [10, 20, 100, 200, 500, 1_000],
      Counts: [1, 499, 400, 50, 40, 10],
      Unit: 'Milliseconds',
    });
    expect(byName.get('BytesDownloaded')).toMatchObject({ Value: 5_000_000, Unit: 'Bytes' });
  });

  it('splits into calls of at most 1,000 datums (gzip-compressed by the client) and sends every datum once', async () => {
    reset();
    const summaries = Array.from({ length: 120 }, (_, i) =>
      makeSummary({ start: WINDOW_START + i * 60_000, requests: 100 + i }),
    );
    const result = await createCloudWatchSink({ client, now: NOW }).write(summaries);
    expect(result.failed).toEqual([]);
    expect(receiver.calls.length).toBeGreaterThan(1);
    for (const c of receiver.calls) expect(c.MetricData.length).toBeLessThanOrEqual(MAX_DATUMS_PER_CALL);
    expect(receiver.calls.some((c) => c.gzip)).toBe(true);
    const requests = receiver.calls
      .flatMap((c) => c.MetricData)
      .filter((d) => d.MetricName === 'Requests')
      .map((d) => [d.Timestamp, d.Value]);
    expect(requests).toEqual(summaries.map((s) => [s.start / 1_000, s.requests]));
  });

  it('retries a throttled or failing call; what still fails is reported per summary', async () => {
    reset();
    receiver.plan = (_r, n) => (n <= 2 ? THROTTLE : undefined);
    const ok = await createCloudWatchSink({ client, now: NOW, retry: noWait }).write([makeSummary()]);
    expect(ok.failed).toEqual([]);
    expect(receiver.seen).toHaveLength(3);
    expect(receiver.calls).toHaveLength(1);

    reset();
    receiver.plan = () => INTERNAL_ERROR;
    const bad = await createCloudWatchSink({ client, now: NOW, retry: noWait }).write([
      makeSummary(),
      makeSummary({ start: WINDOW_START + 60_000 }),
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
    const result = await sink.write([makeSummary()]);
    expect(result.failed).toMatchObject([{ index: 0, retryable: false }]);
    expect(receiver.seen).toHaveLength(0);
  });

  it('rejects bad options at construction, saying what to change', () => {
    expect(() => createCloudWatchSink({ client, namespace: 'AWS/CloudFront' })).toThrow(SinkConfigError);
    expect(() => createCloudWatchSink({ client, metrics: ['Nope' as 'Requests'] })).toThrow(
      /unknown metric "Nope"/,
    );
  });
});
