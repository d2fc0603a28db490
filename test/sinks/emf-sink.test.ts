import { describe, expect, it } from 'vitest';
import { createLogQuarantine } from '../../src/handler/quarantine.js';
import { mapConcurrent } from '../../src/sinks/concurrency.js';
import { createEmfSink } from '../../src/sinks/emf.js';
import { SinkConfigError } from '../../src/sinks/errors.js';
import { cellsOf, makeCell, makeRecords, WINDOW_START } from '../helpers/cells.js';

describe('EMF sink', () => {
  it('prints one EMF document per cell (with few records) and reports them all written', async () => {
    const lines: string[] = [];
    const sink = createEmfSink({
      output: (l) => lines.push(l),
      dimensions: { Stream: 'cf' },
      metrics: ['Requests'],
    });
    const [fr] = cellsOf(makeRecords(7, WINDOW_START, { 'c-country': 'FR' }), { dimensions: [['country']] });
    const result = await sink.write([makeCell(), fr!]);
    expect(result).toEqual({ sink: 'emf', written: 2, failed: [] });
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([
      { Requests: 1_000, Stream: 'cf', _aws: { CloudWatchMetrics: [{ Dimensions: [['Stream']] }] } },
      {
        Requests: 7,
        Stream: 'cf',
        country: 'FR',
        _aws: { CloudWatchMetrics: [{ Dimensions: [['Stream', 'country']] }] },
      },
    ]);
  });

  it('rejects options CloudWatch would reject, at construction', () => {
    expect(() => createEmfSink({ metrics: ['Latency' as 'Requests'] })).toThrow(SinkConfigError);
    expect(() => createEmfSink({ storageResolution: 5 as 60 })).toThrow(
      /storageResolution: must be 1 \(high resolution, per second\) or 60; got 5/,
    );
    expect(() => createEmfSink({ samplingRate: 0 })).toThrow(/samplingRate must be from 1 to 100/);
  });

  it('never prints a document with more than 30 dimension keys: that cell fails as permanent', async () => {
    const lines: string[] = [];
    const fixed = Object.fromEntries(Array.from({ length: 29 }, (_, i) => [`D${i}`, 'x']));
    const sink = createEmfSink({ output: (l) => lines.push(l), dimensions: fixed });
    const [narrow, wide] = cellsOf(makeRecords(5, WINDOW_START, { 'c-country': 'FR', 'cs-host': 'h' }), {
      dimensions: [['country'], ['country', 'host']],
    });
    const result = await sink.write([narrow!, wide!]);
    expect(result.written).toBe(1);
    expect(result.failed).toMatchObject([{ index: 1, retryable: false, permanent: true }]);
    for (const l of lines)
      expect(JSON.parse(l)._aws.CloudWatchMetrics[0].Dimensions[0].length).toBeLessThanOrEqual(30);
  });
});

describe('log quarantine', () => {
  it('logs the reason and coordinates of a malformed line, never the line itself', async () => {
    const out: string[] = [];
    const line = '1740830400.000\t203.0.113.9\tabc';
    await createLogQuarantine((l) => out.push(l)).write([
      {
        reason: 'sc-status: "abc" is not an integer',
        field: 'sc-status',
        line,
        shardId: 'shardId-000000000001',
        sequenceNumber: '42',
        lineInRecord: 0,
        arrivedAt: null,
      },
    ]);
    expect(JSON.parse(out[0]!)).toEqual({
      level: 'WARN',
      message: 'cfrt quarantined a malformed line',
      reason: 'sc-status: "abc" is not an integer',
      field: 'sc-status',
      shardId: 'shardId-000000000001',
      sequenceNumber: '42',
      lineInRecord: 0,
      lineLength: line.length,
    });
    expect(out[0]).not.toContain('203.0.113.9');
  });
});

describe('mapConcurrent', () => {
  it('keeps at most `limit` calls in flight and returns results in input order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapConcurrent([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      for (let i = 0; i < n; i++) await Promise.resolve();
      inFlight--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
    expect(await mapConcurrent([], 4, async () => 1)).toEqual([]);
  });
});
