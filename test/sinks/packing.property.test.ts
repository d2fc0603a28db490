import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CALL_BYTES, MAX_DATUMS_PER_CALL, planMetricCalls } from '../../src/sinks/cloudwatch.js';
import { chunkEntries, MAX_PUT_BYTES, MAX_RECORDS_PER_PUT } from '../../src/sinks/kinesis.js';

describe('PutRecords chunks', () => {
  it('keep every entry once, in order, within 500 entries and 5 MiB per call', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1024 * 1024 }), { maxLength: 1_500, size: 'max' }),
        (sizes) => {
          const entries = sizes.map((size, i) => ({ size, i }));
          const chunks = chunkEntries(entries);
          expect(chunks.flat()).toEqual(entries);
          for (const c of chunks) {
            expect(c.length).toBeGreaterThan(0);
            expect(c.length).toBeLessThanOrEqual(MAX_RECORDS_PER_PUT);
            expect(c.reduce((a, e) => a + e.size, 0)).toBeLessThanOrEqual(MAX_PUT_BYTES);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('PutMetricData calls', () => {
  it('carry every datum once, in order, within 1,000 datums and 1 MB, naming the summaries they carry', () => {
    // Per run, short dimension values (calls fill up to 1,000 datums) or ~1 KB ones (calls fill up
    // to 1 MB first): both limits are reached across the runs.
    const datum = (minLength: number, maxLength: number) =>
      fc.record({
        MetricName: fc.constantFrom('Requests', 'TimeTaken'),
        Value: fc.double({ min: 0, max: 1e9, noNaN: true }),
        Dimensions: fc.array(
          fc.record({
            Name: fc.string({ minLength: 1, maxLength: 20 }),
            Value: fc.string({ minLength, maxLength }),
          }),
          // Up to 30 dimensions; with ~1 KB values, many of them (a call then fills 1 MB first).
          { maxLength: 30, size: minLength > 1 ? 'max' : 'small' },
        ),
      });
    const perSummaryOf = (minLength: number, maxLength: number, summaries: number) =>
      fc.array(fc.array(datum(minLength, maxLength), { maxLength: 40, size: 'max' }), {
        maxLength: summaries,
        size: 'max',
      });
    let byteBound = 0;
    let countBound = 0;
    fc.assert(
      fc.property(fc.oneof(perSummaryOf(1, 20, 80), perSummaryOf(900, 1_024, 3)), (perSummary) => {
        const input = perSummary as MetricDatum[][];
        const calls = planMetricCalls(input);
        for (const c of calls.slice(0, -1)) {
          if (c.datums.length === MAX_DATUMS_PER_CALL) countBound++;
          else byteBound++;
        }
        expect(calls.flatMap((c) => c.datums)).toEqual(input.flat());
        for (const c of calls) {
          expect(c.datums.length).toBeLessThanOrEqual(MAX_DATUMS_PER_CALL);
          const bytes = JSON.stringify({ Namespace: 'x'.repeat(255), MetricData: c.datums }).length;
          expect(bytes).toBeLessThanOrEqual(MAX_CALL_BYTES);
        }
        // Each summary is named by every call that carries one of its datums.
        const named = new Set(calls.flatMap((c) => c.summaries));
        input.forEach((data, index) => {
          expect(named.has(index)).toBe(data.length > 0);
        });
      }),
      { numRuns: 60 },
    );
    // The runs reached both limits: calls cut at 1,000 datums and calls cut by bytes.
    expect(countBound).toBeGreaterThan(0);
    expect(byteBound).toBeGreaterThan(0);
  });

  it('split on bytes before the datum count when dimensions are large', () => {
    const dims = Array.from({ length: 30 }, (_, i) => ({ Name: `d${i}`, Value: 'v'.repeat(1_000) }));
    const perSummary: MetricDatum[][] = Array.from({ length: 50 }, () =>
      Array.from({ length: 21 }, () => ({ MetricName: 'Requests', Value: 1, Dimensions: dims })),
    );
    const calls = planMetricCalls(perSummary);
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls) {
      expect(c.datums.length).toBeLessThan(MAX_DATUMS_PER_CALL);
      expect(JSON.stringify({ MetricData: c.datums }).length).toBeLessThanOrEqual(MAX_CALL_BYTES);
    }
    expect(calls.flatMap((c) => c.datums)).toHaveLength(50 * 21);
  });
});
