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
    interface Shape {
      /** Length of dimension values, summaries, datums per summary, dimensions per datum: [min, max]. */
      readonly value: [number, number];
      readonly summaries: [number, number];
      readonly datums: [number, number];
      readonly dimensions: [number, number];
    }
    const inputOf = (shape: Shape) => {
      const datum = fc.record({
        MetricName: fc.constantFrom('Requests', 'TimeTaken'),
        Value: fc.double({ min: 0, max: 1e9, noNaN: true }),
        Dimensions: fc.array(
          fc.record({
            Name: fc.string({ minLength: 1, maxLength: 20 }),
            Value: fc.string({ minLength: shape.value[0], maxLength: shape.value[1] }),
          }),
          { minLength: shape.dimensions[0], maxLength: shape.dimensions[1], size: 'max' },
        ),
      });
      return fc.array(
        fc.array(datum, { minLength: shape.datums[0], maxLength: shape.datums[1], size: 'max' }),
        {
          minLength: shape.summaries[0],
          maxLength: shape.summaries[1],
          size: 'max',
        },
      );
    };
    // Three shapes of input: anything small (empty summaries, single datums); more than 1,000 small
    // datums (a call fills up on the count); more than 1 MB in ~100 datums (it fills up on bytes).
    const inputs = fc.oneof(
      inputOf({ value: [1, 20], summaries: [0, 10], datums: [0, 10], dimensions: [0, 5] }),
      inputOf({ value: [1, 20], summaries: [27, 30], datums: [38, 40], dimensions: [0, 5] }),
      inputOf({ value: [900, 1_024], summaries: [3, 3], datums: [30, 34], dimensions: [13, 16] }),
    );
    let byteBound = 0;
    let countBound = 0;
    fc.assert(
      fc.property(inputs, (perSummary) => {
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
        const named = new Set(calls.flatMap((c) => c.cells));
        input.forEach((data, index) => {
          expect(named.has(index)).toBe(data.length > 0);
        });
      }),
      { numRuns: 30 },
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
