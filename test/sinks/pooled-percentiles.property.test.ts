/**
 * CloudWatch pools every data point of a period: the Values/Counts of every datum (PutMetricData)
 * or every value of every array (EMF) of every invocation, shard and window. Its percentile is the
 * weighted nearest rank over that pool. These properties cut random latencies into random batches,
 * aggregate each batch as one invocation would, decode what the sinks produce, pool it like
 * CloudWatch, and compare p50/p90/p95/p99/p99.9 with the exact percentile of the raw values, within
 * the bound the metric model states (`relativeError`, see `sketchDistribution`).
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AggregatableRecord } from '../../src/aggregate/index.js';
import { MAX_VALUES_PER_DATUM, toMetricData } from '../../src/sinks/cloudwatch.js';
import { createEmfSink, MAX_VALUES_PER_METRIC } from '../../src/sinks/emf.js';
import { cellMetrics, MAX_DIMENSIONS, mergedBucketError } from '../../src/sinks/metrics.js';
import { cellsOf, WINDOW_START } from '../helpers/cells.js';
import { weightedPercentile } from '../helpers/cloudwatch-pool.js';

const QUANTILES = [0.5, 0.9, 0.95, 0.99, 0.999] as const;
/** Values under 1 ns are sent as 0 (DDSketch's zero bucket): an absolute error, in ms. */
const ZERO_SLACK_MS = 1e-6;

/** A latency in seconds: zeros, ties, CloudFront's millisecond values, and extremes from 1 us to 3 h. */
const latency = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0) },
  { weight: 2, arbitrary: fc.constantFrom(0.001, 0.05, 0.2, 1.5) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 60_000 }).map((ms) => ms / 1_000) },
  { weight: 2, arbitrary: fc.double({ min: -6, max: 4, noNaN: true }).map((e) => 10 ** e) },
);

/** Latencies, a cut into batches (1-element batches included), a sampling rate, spread over windows. */
const scenario = fc.record({
  latencies: fc.array(latency, { minLength: 1, maxLength: 3_000, size: 'max' }),
  cuts: fc.array(fc.integer({ min: 0, max: 3_000 }), { maxLength: 40 }),
  samplingRate: fc.constantFrom(100, 100, 50, 33, 7, 1),
  windows: fc.integer({ min: 1, max: 3 }),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** Each batch's stream-wide cells, as one invocation aggregates it. */
function invocations(s: Scenario) {
  const cuts = [...new Set(s.cuts.map((c) => c % (s.latencies.length + 1)))].sort((a, b) => a - b);
  const bounds = [0, ...cuts, s.latencies.length];
  const records: AggregatableRecord[] = s.latencies.map((t, i) => ({
    timestamp: WINDOW_START + (i % s.windows) * 60_000 + (i % 1_000),
    'sc-status': 200,
    'time-taken': t,
  }));
  const batches = [];
  for (let b = 1; b < bounds.length; b++) {
    const part = records.slice(bounds[b - 1], bounds[b]);
    if (part.length > 0) batches.push(cellsOf(part, { samplingRate: s.samplingRate }));
  }
  return batches;
}

/** The exact percentiles of the raw values, in ms (every record weighs the same 100 / rate). */
function exactPercentiles(latencies: readonly number[]): number[] {
  const ms = latencies.map((t) => t * 1_000);
  const ones = ms.map(() => 1);
  return QUANTILES.map((q) => weightedPercentile(ms, ones, q));
}

let worstObserved = 0;
let worstStated = 0;
let checked = 0;

function expectWithin(got: readonly number[], exact: readonly number[], bound: number, record = true): void {
  QUANTILES.forEach((q, i) => {
    const e = exact[i]!;
    const g = got[i]!;
    const slack = bound * e + ZERO_SLACK_MS + 1e-12 * e;
    expect(Math.abs(g - e), `p${q * 100}: pooled ${g} vs exact ${e}, bound ${bound}`).toBeLessThanOrEqual(
      slack,
    );
    if (record && e > 1e-3) worstObserved = Math.max(worstObserved, Math.abs(g - e) / e);
    if (record) checked++;
  });
}

/** The stated bound for these latencies: merged-bucket error for the span the widest input needs. */
function statedBound(errors: readonly number[]): number {
  return Math.max(0, ...errors);
}

afterAll(() => {
  // Reported by the test run: what the property observed against what the model states.
  console.info(
    `pooled percentiles (PutMetricData and EMF as sent): ${checked} checked, worst relative error observed ${(worstObserved * 100).toFixed(3)}%, worst stated bound ${(worstStated * 100).toFixed(3)}%`,
  );
});

describe('CloudWatch percentiles pooled over invocations, shards and windows', () => {
  it('PutMetricData: weighted nearest rank over all Values/Counts of all datums is within the stated bound', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const values: number[] = [];
        const counts: number[] = [];
        const errors: number[] = [];
        for (const cells of invocations(s)) {
          for (const cell of cells) {
            const set = cellMetrics(cell, { samplingRate: s.samplingRate });
            const point = set.metrics.find((m) => m.name === 'TimeTaken')!;
            errors.push(point.relativeError ?? 0);
            const data: MetricDatum[] = toMetricData(set).filter((d) => d.MetricName === 'TimeTaken');
            for (const d of data) {
              expect((d.Values ?? []).length).toBeLessThanOrEqual(MAX_VALUES_PER_DATUM);
              expect((d.Dimensions ?? []).length).toBeLessThanOrEqual(MAX_DIMENSIONS);
              if (d.Value !== undefined) {
                values.push(d.Value);
                counts.push(1);
              } else {
                values.push(...d.Values!);
                counts.push(...d.Counts!);
              }
            }
          }
        }
        const bound = statedBound(errors);
        worstStated = Math.max(worstStated, bound);
        // 1 us to 3 h spans less than 2.4e10: never more than pairs of buckets.
        expect(bound).toBeLessThanOrEqual(mergedBucketError(0.01, 2) + 1e-5);
        const w = 100 / s.samplingRate;
        const total = counts.reduce((a, b) => a + b, 0);
        // A lone value of one record is sent as `Value` (count 1) only when unsampled.
        if (s.samplingRate === 100) expect(total).toBeCloseTo(s.latencies.length, 6);
        else expect(total / w).toBeCloseTo(s.latencies.length, 6);
        const got = QUANTILES.map((q) => weightedPercentile(values, counts, q));
        expectWithin(got, exactPercentiles(s.latencies), bound);
        // The minimum is exact (15 significant digits: float noise of x 1,000 removed).
        const min = Math.min(...s.latencies.map((t) => t * 1_000));
        expect(Math.abs(Math.min(...values) - min)).toBeLessThanOrEqual(min * 1e-14);
      }),
      { numRuns: 60 },
    );
  });

  it('merged buckets (a distribution over its value budget) stay within their wider stated bound', () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 4, max: 60 }), (s, maxValues) => {
        const values: number[] = [];
        const counts: number[] = [];
        const errors: number[] = [];
        for (const cells of invocations(s)) {
          for (const cell of cells) {
            const point = cellMetrics(cell, { samplingRate: s.samplingRate }, maxValues).metrics.find(
              (m) => m.name === 'TimeTaken',
            )!;
            expect(point.values.length).toBeLessThanOrEqual(maxValues);
            errors.push(point.relativeError ?? 0);
            values.push(...point.values);
            counts.push(...point.counts);
          }
        }
        const bound = statedBound(errors);
        const got = QUANTILES.map((q) => weightedPercentile(values, counts, q));
        expectWithin(got, exactPercentiles(s.latencies), bound, false);
      }),
      { numRuns: 60 },
    );
  });

  it('EMF: every value of every array of every document (no counts) is within the same bound', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const values: number[] = [];
        const errors: number[] = [];
        for (const cells of invocations(s)) {
          const lines: string[] = [];
          const sink = createEmfSink({ samplingRate: s.samplingRate, output: (l) => lines.push(l) });
          const result = await sink.write(cells);
          expect(result.failed).toEqual([]);
          for (const cell of cells) {
            const set = cellMetrics(cell, { samplingRate: s.samplingRate });
            errors.push(set.metrics.find((m) => m.name === 'TimeTaken')!.relativeError ?? 0);
          }
          for (const line of lines) {
            expect(line.length).toBeLessThan(256 * 1024);
            const doc = JSON.parse(line) as Record<string, unknown> & {
              _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
            };
            const declared = doc._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name);
            if (!declared.includes('TimeTaken')) continue;
            const v = doc.TimeTaken as number | number[];
            const arr = Array.isArray(v) ? v : [v];
            expect(arr.length).toBeLessThanOrEqual(MAX_VALUES_PER_METRIC);
            values.push(...arr);
          }
        }
        // One value per record: the pool weighs every record alike, as the raw values do.
        expect(values).toHaveLength(s.latencies.length);
        const bound = statedBound(errors);
        worstStated = Math.max(worstStated, bound);
        const got = QUANTILES.map((q) =>
          weightedPercentile(
            values,
            values.map(() => 1),
            q,
          ),
        );
        expectWithin(got, exactPercentiles(s.latencies), bound);
      }),
      { numRuns: 40 },
    );
  });
});
