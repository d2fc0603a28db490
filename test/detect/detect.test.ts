/**
 * Findings from real cells (the aggregator is the only producer of cells), judged against exact
 * oracles computed from the records themselves.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AggregatableRecord,
  createAggregator,
  summarize,
  type WindowSummary,
} from '../../src/aggregate/index.js';
import {
  type BaselineWindow,
  baselineOf,
  cidrOf,
  detectFindings,
  findingId,
  MAX_KEY_CHARS,
  wilsonLower,
} from '../../src/detect/detect.js';
import { DetectOptionsError, resolveDetectOptions } from '../../src/detect/options.js';
import { MAX_FINDING_BYTES } from '../../src/detect/types.js';

const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);
const MINUTE = 60_000;

/** The summaries of one window of `records` (every entry of every list), by dimension sets. */
function summaries(
  records: readonly AggregatableRecord[],
  dimensions: readonly (readonly ('behavior' | 'country')[])[] = [[]],
  topK = 100,
): WindowSummary[] {
  const agg = createAggregator({
    dimensions: dimensions.map((d) => [...d]),
    topK,
    allowedLatenessSeconds: 86_400,
    clientKey: 'a test key of sixteen bytes or more',
  });
  for (const r of records) agg.add(r);
  return agg.cells().map((c) => summarize(c, { top: 1_000 }));
}

function rec(i: number, extra: Partial<AggregatableRecord> = {}, start = T0): AggregatableRecord {
  return {
    timestamp: start + (i % MINUTE),
    'c-ip': `198.51.${(i >> 8) & 255}.${i & 255}`,
    'sc-status': 200,
    'cs-uri-stem': `/page/${i % 13}`,
    'cache-behavior-path-pattern': '*',
    ...extra,
  };
}

/** A normal minute: `n` requests from `n / 3` clients, all 200. */
function normalMinute(
  n: number,
  start: number,
  extra: (i: number) => Partial<AggregatableRecord> = () => ({}),
) {
  return Array.from({ length: n }, (_, i) =>
    rec(i, { 'c-ip': clientAddress(i % Math.max(1, Math.floor(n / 3))), ...extra(i) }, start),
  );
}

/** Client `c`'s address: one per /24, so no client of a normal minute floods. */
function clientAddress(c: number): string {
  return `10.${(c >> 8) & 255}.${c & 255}.1`;
}

type Dims = readonly (readonly ('behavior' | 'country')[])[];

function baselineOfMinutes(count: number, make: (start: number) => AggregatableRecord[], dims: Dims = [[]]) {
  const out: BaselineWindow[] = [];
  for (let k = count; k >= 1; k--) {
    const b = baselineOf(summaries(make(T0 - k * MINUTE), dims));
    if (b !== null) out.push(b);
  }
  return out;
}

describe('client floods', () => {
  it('names every client at or over the threshold that Space-Saving guarantees, and never one under it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 1_500 }), { minLength: 1, maxLength: 150 }),
        fc.integer({ min: 20, max: 2_000 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (counts, threshold, seed) => {
          // Client j sends counts[j] requests from addresses of its own /24, in a shuffled order.
          const records: AggregatableRecord[] = [];
          counts.forEach((n, j) => {
            for (let k = 0; k < n; k++) {
              records.push(rec(k, { 'c-ip': `10.${j >> 8}.${j & 255}.${k % 256}` }));
            }
          });
          shuffle(records, seed);
          const topK = 100;
          const window = summaries(records, [[]], topK);
          const findings = detectFindings(
            { window },
            { clientRequestsPerMinute: threshold, clientIp: 'truncate' },
          ).filter((f) => f.kind === 'client-flood');
          const named = new Map(findings.map((f) => [f.subject.cidr, f]));
          const total = records.length;
          counts.forEach((n, j) => {
            const cidr = `10.${j >> 8}.${j & 255}.0/24`;
            const f = named.get(cidr);
            if (n < threshold) expect(f, `${cidr} sent ${n} < ${threshold}`).toBeUndefined();
            if (n >= threshold && n > total / topK) expect(f, `${cidr} sent ${n}`).toBeDefined();
            if (f !== undefined) {
              // The lower bound it was named on is a true lower bound, and the count an upper one.
              expect(f.measure.value).toBeLessThanOrEqual(n);
              expect(f.measure.upperBound).toBeGreaterThanOrEqual(n);
              expect(f.severity).toBe('critical');
            }
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rates are per minute of the window a summary covers', () => {
    const records = Array.from({ length: 600 }, (_, i) => rec(i, { 'c-ip': '203.0.113.9' }));
    const agg = createAggregator({ windowSeconds: 300, clientKey: 'a test key of sixteen bytes or more' });
    for (const r of records) agg.add(r);
    const window = agg.cells().map((c) => summarize(c, { top: 1_000 }));
    // 600 requests in 5 minutes is 120 a minute.
    expect(detectFindings({ window }, { clientRequestsPerMinute: 121 })).toEqual([]);
    const [f] = detectFindings({ window }, { clientRequestsPerMinute: 120 });
    expect(f?.measure).toMatchObject({ name: 'requestsPerMinute', value: 120, requests: 600 });
  });

  it('a hashed client is named without a CIDR; a kept one as /32 or /128', () => {
    expect(cidrOf('203.0.113.0', true)).toBe('203.0.113.0/24');
    expect(cidrOf('203.0.113.77', false)).toBe('203.0.113.77/32');
    expect(cidrOf('2001:db8:1::', true)).toBe('2001:db8:1::/48');
    expect(cidrOf('2001:db8:1:2::5', false)).toBe('2001:db8:1:2::5/128');
    expect(cidrOf('::ffff:203.0.113.5', true)).toBe('203.0.113.0/24');
    expect(cidrOf('c2a9f0e1b3d4', true)).toBeNull();
    const records = Array.from({ length: 50 }, (_, i) => rec(i, { 'c-ip': '203.0.113.9', client: 'k:3f9a' }));
    const [f] = detectFindings(
      { window: summaries(records) },
      { clientRequestsPerMinute: 10, clientIp: 'hash' },
    );
    expect(f?.subject).toEqual({ type: 'client', value: 'k:3f9a' });
  });
});

describe('error shares', () => {
  it('names a client whose requests are mostly errors, with the exact share', () => {
    const records = [
      ...normalMinute(3_000, T0),
      ...Array.from({ length: 150 }, (_, i) =>
        rec(i, { 'c-ip': '192.0.2.44', 'sc-status': i % 3 === 0 ? 200 : 403 }),
      ),
    ];
    const findings = detectFindings({ window: summaries(records) }, { minRequests: 100, errorRate: 0.5 });
    const errors = findings.filter((f) => f.kind === 'client-errors');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.subject.cidr).toBe('192.0.2.0/24');
    expect(errors[0]?.measure).toMatchObject({ name: 'errorRate', value: 0.6667, requests: 150 });
  });

  it('says nothing of a subject with fewer requests than the floor', () => {
    const records = Array.from({ length: 99 }, (_, i) => rec(i, { 'c-ip': '192.0.2.44', 'sc-status': 500 }));
    expect(detectFindings({ window: summaries(records) }, { minRequests: 100 })).toEqual([]);
  });
});

describe('distributed floods and error bursts', () => {
  const dims: Dims = [[], ['behavior']];
  const normal = (start: number) =>
    normalMinute(2_000, start, (i) => ({ 'cache-behavior-path-pattern': i % 100 === 0 ? '/api/*' : '*' }));

  it('a jump in distinct clients, one request each, is a distributed flood; the normal minute is not', () => {
    const baseline = baselineOfMinutes(6, normal, dims);
    expect(detectFindings({ window: summaries(normal(T0), dims), baseline })).toEqual([]);
    const flood = [
      ...normal(T0),
      ...Array.from({ length: 6_000 }, (_, i) =>
        rec(i, { 'c-ip': `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`, 'cs-user-agent': `UA/${i}` }),
      ),
    ];
    const findings = detectFindings({ window: summaries(flood, dims), baseline });
    const floods = findings.filter((f) => f.kind === 'distributed-flood');
    expect(floods.map((f) => f.subject)).toEqual([
      { type: 'behavior', value: '*' },
      { type: 'stream', value: '*' },
    ]);
    for (const f of floods) {
      // ~6,000 new clients, within HyperLogLog's error, against a baseline of a few hundred.
      expect(f.measure.value).toBeGreaterThan(5_500);
      expect(f.measure.baseline).toBeLessThan(700);
      expect(f.severity).toBe('critical');
    }
    // Nothing per client: each sent one request.
    expect(findings.filter((f) => f.kind === 'client-flood')).toEqual([]);
  });

  it('without enough baseline windows, no jump is judged', () => {
    const baseline = baselineOfMinutes(4, normal, dims);
    const flood = [
      ...normal(T0),
      ...Array.from({ length: 6_000 }, (_, i) => rec(i, { 'c-ip': `100.64.${i >> 8}.${i & 255}` })),
    ];
    expect(
      detectFindings({ window: summaries(flood, dims), baseline }).filter(
        (f) => f.kind === 'distributed-flood',
      ),
    ).toEqual([]);
  });

  it('a behavior with 0.5% of the traffic failing is a burst the distribution-wide rate cannot see, naming its failing paths', () => {
    const baseline = baselineOfMinutes(6, normal, dims);
    const window = [
      ...normalMinute(40_000, T0),
      ...Array.from({ length: 200 }, (_, i) =>
        rec(i, {
          'cache-behavior-path-pattern': '/api/*',
          'cs-uri-stem': `/api/orders/${i % 3}`,
          'sc-status': i % 4 === 0 ? 200 : 502,
        }),
      ),
    ];
    const findings = detectFindings({ window: summaries(window, dims), baseline }, { minRequests: 100 });
    const bursts = findings.filter((f) => f.kind === 'error-burst');
    expect(bursts).toHaveLength(1);
    const [b] = bursts;
    expect(b?.subject).toEqual({ type: 'behavior', value: '/api/*' });
    expect(b?.measure).toMatchObject({ name: '5xxRate', value: 0.75, requests: 200, baseline: 0 });
    expect(b?.evidence?.map((e) => e.key).sort()).toEqual([
      '/api/orders/0',
      '/api/orders/1',
      '/api/orders/2',
    ]);
    expect(b?.evidence?.reduce((n, e) => n + (e.errors ?? 0), 0)).toBe(150);
  });

  it('a series that always fails this much is at its baseline, not bursting', () => {
    const failing = (start: number) =>
      normalMinute(1_000, start, (i) => ({ 'sc-status': i % 5 === 0 ? 503 : 200 }));
    const baseline = baselineOfMinutes(6, failing, dims);
    const findings = detectFindings({ window: summaries(failing(T0), dims), baseline });
    expect(findings.filter((f) => f.kind === 'error-burst')).toEqual([]);
    // With no history, the floor alone decides.
    const fresh = detectFindings({ window: summaries(failing(T0), dims) });
    expect(fresh.filter((f) => f.kind === 'error-burst').map((f) => f.subject.type)).toEqual([
      'behavior',
      'stream',
    ]);
  });
});

describe('shares are judged on their confidence bound', () => {
  it('wilsonLower is a lower bound of the share, tightening with n', () => {
    expect(wilsonLower(6, 107)).toBeCloseTo(0.026, 3);
    expect(wilsonLower(0, 50)).toBe(0);
    expect(wilsonLower(0, 0)).toBe(0);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, share) => {
          const k = Math.round(n * share);
          const low = wilsonLower(k, n);
          expect(low).toBeGreaterThanOrEqual(0);
          expect(low).toBeLessThanOrEqual(k / n + 1e-12);
          // More of the same evidence never lowers the bound.
          expect(wilsonLower(k * 4, n * 4)).toBeGreaterThanOrEqual(low - 1e-12);
        },
      ),
    );
  });

  it('a series failing 1% of the time, window after window, never bursts whatever its size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 3_000 }),
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        (n, seed) => {
          let state = seed;
          const random = () => {
            state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
            return state / 2 ** 32;
          };
          const minuteOf = (start: number) =>
            Array.from({ length: n }, (_, i) =>
              rec(i, { 'c-ip': clientAddress(i), 'sc-status': random() < 0.01 ? 503 : 200 }, start),
            );
          const baseline = baselineOfMinutes(6, minuteOf);
          const found = detectFindings({ window: summaries(minuteOf(T0)), baseline });
          expect(found.filter((f) => f.kind === 'error-burst')).toEqual([]);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe('new bots', () => {
  const withBots = (names: readonly string[]) => (start: number) =>
    normalMinute(600, start, (i) => ({
      ua: { device: 'other', botName: names[i % 10] ?? null, isBot: (names[i % 10] ?? null) !== null },
    }));

  it('a bot name not in any baseline window is new; one that was is not', () => {
    const baseline = baselineOfMinutes(5, withBots(['Googlebot']));
    const findings = detectFindings({
      window: summaries(withBots(['Googlebot', 'EvilScraper'])(T0)),
      baseline,
    });
    expect(findings.filter((f) => f.kind === 'new-bot').map((f) => f.subject)).toEqual([
      { type: 'bot', value: 'EvilScraper' },
    ]);
    expect(findings.find((f) => f.kind === 'new-bot')?.severity).toBe('info');
    // Too little history: nothing is called new.
    expect(
      detectFindings({ window: summaries(withBots(['EvilScraper'])(T0)), baseline: baseline.slice(0, 4) }),
    ).toEqual([]);
  });
});

describe('findings as data', () => {
  it('ids are stable, distinct per kind, subject, window and measure; order is stable', () => {
    const s = { type: 'client', value: '203.0.113.0' } as const;
    const id = findingId('client-flood', T0, T0 + MINUTE, s, 'requestsPerMinute');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(findingId('client-flood', T0, T0 + MINUTE, s, 'requestsPerMinute')).toBe(id);
    expect(findingId('client-errors', T0, T0 + MINUTE, s, 'requestsPerMinute')).not.toBe(id);
    expect(findingId('client-flood', T0 + MINUTE, T0 + 2 * MINUTE, s, 'requestsPerMinute')).not.toBe(id);
    expect(
      findingId('client-flood', T0, T0 + MINUTE, { ...s, value: '203.0.114.0' }, 'requestsPerMinute'),
    ).not.toBe(id);

    const records = Array.from({ length: 3_000 }, (_, i) => rec(i, { 'c-ip': `203.0.${113 + (i % 3)}.1` }));
    const a = detectFindings({ window: summaries(records) }, { clientRequestsPerMinute: 500 });
    const b = detectFindings({ window: summaries([...records].reverse()) }, { clientRequestsPerMinute: 500 });
    expect(a.map((f) => f.subject.cidr)).toEqual(['203.0.113.0/24', '203.0.114.0/24', '203.0.115.0/24']);
    expect(b).toEqual(a);
  });

  it('hostile keys stay bounded: every finding serializes within MAX_FINDING_BYTES', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ size: 'max', unit: 'binary', maxLength: 20_000 }), {
          minLength: 1,
          maxLength: 12,
        }),
        (paths) => {
          const records = paths.flatMap((p, j) =>
            Array.from({ length: 120 }, (_, i) =>
              rec(i, { 'cs-uri-stem': `/${p}${'x'.repeat(j * 700)}`, 'sc-status': 500 }),
            ),
          );
          const findings = detectFindings(
            { window: summaries(records) },
            { pathRequestsPerMinute: 1, minRequests: 1 },
          );
          expect(findings.length).toBeGreaterThan(0);
          for (const f of findings) {
            expect(Buffer.byteLength(JSON.stringify(f))).toBeLessThanOrEqual(MAX_FINDING_BYTES);
            expect(f.subject.value.length).toBeLessThanOrEqual(MAX_KEY_CHARS);
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a window without a stream-wide summary has nothing to judge', () => {
    const window = summaries(normalMinute(500, T0), [['behavior']]);
    expect(detectFindings({ window })).toEqual([]);
    expect(baselineOf(window)).toBeNull();
  });
});

describe('options', () => {
  it('are checked once, every problem named', () => {
    expect(resolveDetectOptions({}).clientRequestsPerMinute).toBe(1_200);
    try {
      resolveDetectOptions({ errorRate: 2, jumpFactor: 1, clientRequestPerMinute: 5 } as never);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DetectOptionsError);
      const paths = (error as DetectOptionsError).issues.map((i) => i.path.join('.')).sort();
      expect(paths).toEqual(['clientRequestPerMinute', 'errorRate', 'jumpFactor']);
    }
  });
});

function shuffle<T>(items: T[], seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = items.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
