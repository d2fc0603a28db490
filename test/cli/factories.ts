/** Realistic `WindowSummary` values for renderer tests (the aggregator is tested in its own room). */
import type { LatencySummary, WindowSummary } from '../../src/aggregate/types.js';

function latency(p50: number | null, p99: number | null = p50 === null ? null : p50 * 8): LatencySummary {
  return {
    count: p50 === null ? 0 : 100,
    min: p50 === null ? null : p50 / 4,
    max: p99 === null ? null : p99 * 2,
    p50,
    p90: p50 === null ? null : (p50 + (p99 ?? p50)) / 2,
    p95: p99,
    p99,
  };
}

/** A window summary with plausible figures; `overrides` wins. */
export function summaryOf(start: number, overrides: Partial<WindowSummary> = {}): WindowSummary {
  const requests = overrides.requests ?? 1000;
  return {
    start,
    end: start + 60_000,
    dimensions: {},
    requests,
    bytesOut: requests * 5120,
    bytesIn: requests * 300,
    status: {
      '1xx': 0,
      '2xx': Math.round(requests * 0.9),
      '3xx': Math.round(requests * 0.05),
      '4xx': Math.round(requests * 0.03),
      '5xx': Math.round(requests * 0.015),
      '000':
        requests -
        Math.round(requests * 0.9) -
        Math.round(requests * 0.05) -
        Math.round(requests * 0.03) -
        Math.round(requests * 0.015),
    },
    statusCodes: { '200': Math.round(requests * 0.9) },
    cache: {
      hit: Math.round(requests * 0.8),
      miss: Math.round(requests * 0.15),
      error: 0,
      redirect: 0,
      other: 0,
    },
    cacheHitRatio: 0.84,
    errorRates: { '4xx': 0.03, '5xx': 0.015, '000': 0.005 },
    botShare: 0.04,
    timeTaken: latency(0.012),
    timeToFirstByte: latency(0.008),
    originFbl: latency(0.05),
    originLbl: latency(0.06),
    uniqueClients: Math.round(requests / 3),
    top: {
      paths: [
        { key: '/index.html', count: Math.round(requests * 0.3) },
        { key: '/static/app.js', count: Math.round(requests * 0.2) },
      ],
      missPaths: [{ key: '/api/items', count: 40 }],
      errorPaths: [{ key: '/missing', count: 12 }],
      clients: [{ key: '203.0.113.0', count: 50 }],
      referers: [],
      userAgents: [
        { key: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0.0.0 Safari/537.36', count: 500 },
        { key: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', count: 30 },
      ],
      countries: [{ key: 'US', count: 600 }],
      edgeLocations: [{ key: 'IAD89-C1', count: 300 }],
    },
    malformed: 0,
    late: 0,
    estimated: false,
    ...overrides,
  };
}
