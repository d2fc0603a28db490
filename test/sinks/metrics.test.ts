import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandDistribution, renderEmf } from '../../src/sinks/emf.js';
import {
  latencyDistribution,
  METRIC_NAMES,
  metricsForFields,
  summaryMetrics,
} from '../../src/sinks/metrics.js';
import { makeSummary, WINDOW_START } from '../helpers/summaries.js';

/** The weighted percentile: the smallest value whose cumulative weight reaches q * total. */
function weightedPercentile(values: readonly number[], counts: readonly number[], q: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let cum = 0;
  for (let i = 0; i < values.length; i++) {
    cum += counts[i]!;
    // Relative tolerance: the weights are fractional (0.4 x count), their sums inexact in the last bits.
    if (cum >= q * total * (1 - 1e-12)) return values[i]!;
  }
  return values[values.length - 1]!;
}

const quantiles = fc
  .array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 6, maxLength: 6 })
  .map((xs) => [...xs].sort((a, b) => a - b));

describe('latencyDistribution', () => {
  it('weights sum to the count and its percentiles are the window quantiles (in ms)', () => {
    fc.assert(
      fc.property(quantiles, fc.integer({ min: 2, max: 10_000_000 }), (q, count) => {
        const [min, p50, p90, p95, p99, max] = q as [number, number, number, number, number, number];
        const d = latencyDistribution({ count, min, p50, p90, p95, p99, max })!;
        const total = d.counts.reduce((a, b) => a + b, 0);
        expect(total).toBeCloseTo(count, 3);
        expect(d.values.length).toBeLessThanOrEqual(6);
        expect(d.counts.every((c) => c > 0)).toBe(true);
        const ms = (v: number) => Math.round(v * 1_000_000) / 1_000 + 0;
        expect(weightedPercentile(d.values, d.counts, 0.5)).toBe(ms(p50));
        expect(weightedPercentile(d.values, d.counts, 0.9)).toBe(ms(p90));
        expect(weightedPercentile(d.values, d.counts, 0.95)).toBe(ms(p95));
        expect(weightedPercentile(d.values, d.counts, 0.99)).toBe(ms(p99));
        expect(d.values[0]).toBe(ms(min));
        expect(d.values.at(-1)).toBe(ms(max));
      }),
    );
  });

  it('treats -0 as 0, so equal values merge (a flake fast-check found)', () => {
    const d = latencyDistribution({
      count: 100,
      min: -0,
      p50: 0,
      p90: 0.001,
      p95: 0.001,
      p99: 0.001,
      max: 0.001,
    })!;
    expect(d).toEqual({ values: [0, 1], counts: [50, 50] });
    expect(Object.is(d.values[0], 0)).toBe(true);
  });

  it('is absent for an empty distribution and a single value for one request', () => {
    expect(
      latencyDistribution({ count: 0, min: null, max: null, p50: null, p90: null, p95: null, p99: null }),
    ).toBe(null);
    expect(
      latencyDistribution({ count: 1, min: 0.2, max: 0.2, p50: 0.2, p90: 0.2, p95: 0.2, p99: 0.2 }),
    ).toEqual({
      values: [200],
      counts: [1],
    });
  });
});

describe('summaryMetrics', () => {
  it('sends rates weighted by their denominators so CloudWatch Average is the true rate', () => {
    const a = summaryMetrics(makeSummary({ requests: 1_000 }));
    const b = summaryMetrics(makeSummary({ requests: 10 }));
    const pick = (set: typeof a, name: string) => set.metrics.find((m) => m.name === name)!;
    // Average over both data points = sum(v * c) / sum(c) = (100 + 1) 4xx / 1010 requests.
    const r1 = pick(a, '4xxErrorRate');
    const r2 = pick(b, '4xxErrorRate');
    const avg =
      (r1.values[0]! * r1.counts[0]! + r2.values[0]! * r2.counts[0]!) / (r1.counts[0]! + r2.counts[0]!);
    expect(avg).toBeCloseTo((101 / 1010) * 100, 9);
    expect(pick(a, 'CacheHitRate')).toEqual({
      name: 'CacheHitRate',
      unit: 'Percent',
      values: [77.777778],
      counts: [900],
    });
    expect(pick(a, 'Requests')).toEqual({ name: 'Requests', unit: 'Count', values: [1_000], counts: [1] });
    expect(a.timestamp).toBe(WINDOW_START);
  });

  it('omits rates and latencies without data, and keeps only the metrics asked for', () => {
    const empty = summaryMetrics(makeSummary({ requests: 0 }));
    expect(empty.metrics.map((m) => m.name)).not.toContain('4xxErrorRate');
    expect(empty.metrics.map((m) => m.name)).not.toContain('TimeTaken');
    const some = summaryMetrics(makeSummary(), { metrics: ['Requests', 'TimeTaken'] });
    expect(some.metrics.map((m) => m.name)).toEqual(['Requests', 'TimeTaken']);
    expect(summaryMetrics(makeSummary()).metrics.map((m) => m.name)).toEqual(
      METRIC_NAMES.filter((n) => !n.startsWith('Origin')),
    );
  });

  it('makes dimension values CloudWatch accepts, cell dimensions after fixed ones', () => {
    const set = summaryMetrics(makeSummary({ dimensions: { country: '', host: 'x'.repeat(2_000) } }), {
      dimensions: { Stream: 'cf' },
    });
    expect(Object.keys(set.dimensions)).toEqual(['Stream', 'country', 'host']);
    expect(set.dimensions.country).toBe('-');
    expect(set.dimensions.host).toHaveLength(1_024);
  });
});

describe('EMF rendering', () => {
  it('renders one valid EMF document per summary within the EMF limits', () => {
    const [line, ...rest] = renderEmf(makeSummary({ dimensions: { country: 'US', statusClass: '2xx' } }), {
      namespace: 'CDN/Edge',
      storageResolution: 1,
    });
    expect(rest).toEqual([]);
    const doc = JSON.parse(line!);
    expect(doc._aws.Timestamp).toBe(WINDOW_START);
    const directive = doc._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('CDN/Edge');
    expect(directive.Dimensions).toEqual([['country', 'statusClass']]);
    expect(directive.Metrics.length).toBeLessThanOrEqual(100);
    expect(directive.Metrics[0]).toEqual({ Name: 'Requests', Unit: 'Count', StorageResolution: 1 });
    expect(doc.country).toBe('US');
    expect(doc.Requests).toBe(1_000);
    for (const m of directive.Metrics) {
      const v = doc[m.Name];
      expect(typeof v === 'number' || (Array.isArray(v) && v.length <= 100)).toBe(true);
    }
    expect(doc.TimeTaken).toHaveLength(100);
    expect(doc.TimeTaken.filter((v: number) => v === 20)).toHaveLength(49);
    expect(line!.length).toBeLessThan(256 * 1024);
  });

  it('expands weighted distributions into at most 100 values of the same shape', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 1_000 }), fc.double({ min: 0.001, max: 1e6, noNaN: true })),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        (pairs) => {
          const values = pairs.map((p, i) => p[0] * 10 + i);
          const counts = pairs.map((p) => p[1]);
          const out = expandDistribution(values, counts);
          expect(out.length).toBeLessThanOrEqual(100);
          expect(new Set(out)).toEqual(new Set(values));
        },
      ),
    );
    expect(expandDistribution([10, 20], [1, 3])).toEqual([10, 20, 20, 20]);
  });
});

describe('metricsForFields', () => {
  it('publishes only metrics the configured fields can feed', () => {
    expect(metricsForFields(['timestamp', 'sc-status'])).toEqual([
      'Requests',
      'Requests4xx',
      'Requests5xx',
      'RequestsAborted',
      '4xxErrorRate',
      '5xxErrorRate',
      'TotalErrorRate',
      'AbortedRequestRate',
      'MalformedLines',
      'LateRecords',
    ]);
    expect(metricsForFields(['x-edge-response-result-type', 'c-ip'])).toEqual([
      'Requests',
      'CacheHits',
      'CacheMisses',
      'CacheHitRate',
      'UniqueClients',
      'MalformedLines',
    ]);
  });
});
