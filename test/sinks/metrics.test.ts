import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DDSketch } from '../../src/aggregate/ddsketch.js';
import { emfDocuments, renderEmf } from '../../src/sinks/emf.js';
import {
  cellMetrics,
  dimensionLimitProblems,
  MAX_DISTRIBUTION_VALUES,
  METRIC_NAMES,
  mergedBucketError,
  metricOptionProblems,
  metricsForFields,
  sketchDistribution,
} from '../../src/sinks/metrics.js';
import { cellsOf, makeCell, makeRecords, WINDOW_START } from '../helpers/cells.js';
import { weightedPercentile } from '../helpers/cloudwatch-pool.js';

function sketchOf(values: readonly number[], alpha = 0.01, weight = 1): DDSketch {
  const s = new DDSketch(alpha);
  for (const v of values) s.add(v, weight);
  return s;
}

describe('sketchDistribution', () => {
  it('is the sketch: zero bucket as 0, exact min and max, bucket values within alpha, counts summing to the count', () => {
    const raw = [0, 0, 0.0123, 0.015, 0.2, 0.2, 0.2, 1.5, 7.25];
    const d = sketchDistribution(sketchOf(raw))!;
    expect(d.values[0]).toBe(0);
    expect(d.counts[0]).toBe(2);
    expect(d.values.at(-1)).toBe(7_250);
    expect(Math.abs(d.values[1]! - 12.3) / 12.3).toBeLessThanOrEqual(0.01);
    // Without a zero bucket the min is sent exactly, with one record's weight.
    const noZero = sketchDistribution(sketchOf(raw.slice(2)))!;
    expect(noZero.values[0]).toBe(12.3);
    expect(noZero.counts[0]).toBe(1);
    expect(d.counts.reduce((a, b) => a + b, 0)).toBe(raw.length);
    expect(d.relativeError).toBeLessThanOrEqual(0.01 + 1e-5);
    expect(d.values).toEqual([...d.values].sort((a, b) => a - b));
  });

  it('sends one exact value for a single record or equal values, nothing for an empty sketch', () => {
    expect(sketchDistribution(sketchOf([0.25]))).toEqual({ values: [250], counts: [1], relativeError: 0 });
    expect(sketchDistribution(sketchOf([0.25, 0.25], 0.01, 4))).toEqual({
      values: [250],
      counts: [8],
      relativeError: 0,
    });
    expect(sketchDistribution(new DDSketch(0.01))).toBeNull();
  });

  it('gives min and max one record weight each (sampling makes counts 100 / rate)', () => {
    const w = 100 / 30;
    const d = sketchDistribution(sketchOf([0.1, 0.1001, 0.1002, 0.5], 0.01, w), 150, w)!;
    expect(d.values[0]).toBe(100);
    expect(d.counts[0]).toBeCloseTo(w, 12);
    expect(d.values.at(-1)).toBe(500);
    expect(d.counts.at(-1)).toBeCloseTo(w, 12);
    expect(d.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(4 * w, 9);
  });

  it('merges adjacent buckets only past maxValues, to the smallest span that fits, and states the bound', () => {
    // Values 1 us .. ~2.7 h: about 1,030 buckets at alpha 1%.
    const raw = Array.from({ length: 3_000 }, (_, i) => 1e-6 * 1.01 ** (i / 3));
    const sketch = sketchOf(raw);
    const full = sketchDistribution(sketch, 10_000)!;
    expect(full.relativeError).toBeLessThanOrEqual(0.01 + 1e-5);
    for (const max of [150, 100, 20]) {
      const d = sketchDistribution(sketch, max)!;
      expect(d.values.length).toBeLessThanOrEqual(max);
      const buckets = full.values.length - 2;
      const span = Math.ceil(buckets / (max - 3));
      expect(d.relativeError).toBeGreaterThan(0.01);
      expect(d.relativeError).toBeLessThanOrEqual(mergedBucketError(0.01, span) + 1e-5);
      expect(d.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(raw.length, 6);
      const sorted = [...raw].sort((a, b) => a - b);
      for (const q of [0.01, 0.5, 0.9, 0.99, 0.999]) {
        const exact = sorted[Math.ceil(q * sorted.length) - 1]! * 1_000;
        const got = weightedPercentile(d.values, d.counts, q);
        expect(Math.abs(got - exact)).toBeLessThanOrEqual(d.relativeError * exact * (1 + 1e-9));
      }
    }
    expect(sketchDistribution(sketch)!.values.length).toBeLessThanOrEqual(MAX_DISTRIBUTION_VALUES);
  });

  it('merged-bucket error: alpha for one bucket, about s x alpha for s', () => {
    expect(mergedBucketError(0.01, 1)).toBeCloseTo(0.01, 12);
    expect(mergedBucketError(0.01, 2)).toBeCloseTo(0.019998, 6);
    expect(mergedBucketError(0.01, 3)).toBeLessThan(0.03);
  });

  it('keeps any percentile of one distribution within its bound (alone, before any pooling)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 60_000 }), { minLength: 1, maxLength: 400 }),
        fc.constantFrom(0.5, 0.9, 0.99),
        (ms, q) => {
          const d = sketchDistribution(sketchOf(ms.map((v) => v / 1_000)))!;
          const sorted = [...ms].sort((a, b) => a - b);
          const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
          const got = weightedPercentile(d.values, d.counts, q);
          expect(Math.abs(got - exact)).toBeLessThanOrEqual(d.relativeError * exact + 1e-6);
        },
      ),
    );
  });
});

describe('cellMetrics', () => {
  it('lets CloudWatch see the tail of a tiny cell: p99 of {0 s, 5 s} is 5,000 ms, p50 is 0', () => {
    const [cell] = cellsOf([
      { timestamp: WINDOW_START, 'time-taken': 0 },
      { timestamp: WINDOW_START + 1, 'time-taken': 5 },
    ]);
    const taken = cellMetrics(cell!).metrics.find((m) => m.name === 'TimeTaken')!;
    expect(weightedPercentile(taken.values, taken.counts, 0.99)).toBe(5_000);
    expect(weightedPercentile(taken.values, taken.counts, 0.5)).toBe(0);
  });

  it('sends rates weighted by their denominators, counts as single values, latencies from the sketch', () => {
    const set = cellMetrics(makeCell(1_000));
    const pick = (name: string) => set.metrics.find((m) => m.name === name)!;
    expect(pick('Requests')).toEqual({ name: 'Requests', unit: 'Count', values: [1_000], counts: [1] });
    expect(pick('5xxErrorRate')).toEqual({
      name: '5xxErrorRate',
      unit: 'Percent',
      values: [5],
      counts: [1_000],
    });
    expect(pick('CacheHitRate')).toEqual({
      name: 'CacheHitRate',
      unit: 'Percent',
      values: [77.777778],
      counts: [900],
    });
    const taken = pick('TimeTaken');
    expect(taken.values[0]).toBe(10);
    expect(taken.values.at(-1)).toBe(1_000);
    expect(taken.counts.reduce((a, b) => a + b, 0)).toBe(1_000);
    expect(taken.relativeError).toBeLessThanOrEqual(0.01 + 1e-5);
    expect(set.timestamp).toBe(WINDOW_START);
    expect(set.end).toBe(WINDOW_START + 60_000);
  });

  it('omits latencies without data, and keeps only the metrics asked for', () => {
    const some = cellMetrics(makeCell(), { metrics: ['Requests', 'TimeTaken'] });
    expect(some.metrics.map((m) => m.name)).toEqual(['Requests', 'TimeTaken']);
    const all = cellMetrics(makeCell()).metrics.map((m) => m.name);
    expect(all).not.toContain('OriginFirstByteLatency');
    expect(all.every((n) => METRIC_NAMES.includes(n))).toBe(true);
  });

  it('makes dimension values CloudWatch accepts, cell dimensions after fixed ones', () => {
    const records = makeRecords(10).map((r) => ({
      ...r,
      'c-country': ' \t',
      'cs-host': `${'x'.repeat(2_000)}\u001b€`,
    }));
    const [, cell] = cellsOf(records, { dimensions: [[], ['country', 'host']] });
    const set = cellMetrics(cell!, { dimensions: { Stream: 'cf' } });
    expect(Object.keys(set.dimensions)).toEqual(['Stream', 'country', 'host']);
    // Printable ASCII, bounded, never blank (CloudWatch refuses the rest for good).
    for (const v of Object.values(set.dimensions)) expect(v).toMatch(/^[\x21-\x7e][\x20-\x7e]{0,1023}$/);
    expect(set.dimensions.host!.length).toBeLessThanOrEqual(64);
    expect(set.dimensions.country).toBe('unknown');
  });

  it('rejects an object that is not a cell of this library', () => {
    expect(() => cellMetrics({ key: 'k', start: 0, end: 1, dimensions: {} })).toThrow(/did not make/);
  });
});

describe('the 30-dimension limit', () => {
  const fixed = Array.from({ length: 28 }, (_, i) => `D${i}`);

  it('counts the fixed dimensions with the largest dimension set (names shared count once)', () => {
    expect(dimensionLimitProblems(fixed, [[], ['country', 'host']])).toEqual([]);
    expect(dimensionLimitProblems(fixed, [[], ['country', 'host', 'device']])).toEqual([
      '28 fixed dimensions plus the dimension set country,host,device make 31 per metric; CloudWatch accepts at most 30',
    ]);
    expect(dimensionLimitProblems([...fixed, 'country'], [['country', 'host']])).toEqual([]);
    expect(
      metricOptionProblems({ dimensions: Object.fromEntries(fixed.map((d) => [d, 'x'])) }, [['a', 'b', 'c']]),
    ).toHaveLength(1);
  });
});

describe('EMF rendering', () => {
  it('renders valid EMF documents within the EMF limits, one latency value per record', () => {
    const [cell] = cellsOf(makeRecords(250, WINDOW_START, { 'c-country': 'US' }), {
      dimensions: [['country']],
    });
    const lines = renderEmf(cell!, { namespace: 'CDN/Edge', storageResolution: 1 });
    expect(lines).toHaveLength(3);
    const docs = lines.map((l) => JSON.parse(l));
    for (const doc of docs) {
      expect(doc._aws.Timestamp).toBe(WINDOW_START);
      const directive = doc._aws.CloudWatchMetrics[0];
      expect(directive.Namespace).toBe('CDN/Edge');
      expect(directive.Dimensions).toEqual([['country']]);
      expect(directive.Metrics.length).toBeLessThanOrEqual(100);
      expect(doc.country).toBe('US');
      for (const m of directive.Metrics) {
        const v = doc[m.Name];
        expect(typeof v === 'number' || (Array.isArray(v) && v.length <= 100)).toBe(true);
      }
    }
    expect(docs[0].Requests).toBe(250);
    expect(docs[1].Requests).toBeUndefined();
    expect(docs[0]._aws.CloudWatchMetrics[0].Metrics[0]).toEqual({
      Name: 'Requests',
      Unit: 'Count',
      StorageResolution: 1,
    });
    const taken = docs.flatMap((d) => d.TimeTaken ?? []);
    expect(taken).toHaveLength(250);
    expect(Math.min(...taken)).toBe(10);
    expect(Math.max(...taken)).toBe(1_000);
  });

  it('repeats each value once per record when sampled (counts / (100 / rate))', () => {
    const [cell] = cellsOf(makeRecords(30), { samplingRate: 3 });
    const set = cellMetrics(cell!, { samplingRate: 3 });
    const requests = set.metrics.find((m) => m.name === 'Requests')!.values[0]!;
    expect(requests).toBeCloseTo(1_000, 9);
    const docs = emfDocuments(set, { samplingRate: 3 }).map((l) => JSON.parse(l));
    expect(docs.flatMap((d) => d.TimeTaken ?? [])).toHaveLength(30);
    expect(docs[0].estimated).toBe(true);
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
