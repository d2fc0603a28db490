/** A realistic `WindowSummary` factory for sink tests (the aggregate room produces real ones). */
import type { LatencySummary, WindowSummary } from '../../src/aggregate/types.js';

export const WINDOW_START = Date.UTC(2025, 2, 1, 12, 0, 0);

export function latency(count: number, scale = 0.01): LatencySummary {
  if (count === 0) return { count: 0, min: null, max: null, p50: null, p90: null, p95: null, p99: null };
  return {
    count,
    min: scale,
    p50: scale * 2,
    p90: scale * 10,
    p95: scale * 20,
    p99: scale * 50,
    max: scale * 100,
  };
}

/**
 * A summary of `requests` requests in the window starting at `start`: 80% 2xx, 10% 4xx, 5% 5xx,
 * 5% 000; 70% hits, 20% misses.
 */
export function makeSummary(
  overrides: Partial<WindowSummary> & { requests?: number; start?: number } = {},
): WindowSummary {
  const requests = overrides.requests ?? 1_000;
  const start = overrides.start ?? WINDOW_START;
  const s4 = Math.round(requests * 0.1);
  const s5 = Math.round(requests * 0.05);
  const s0 = Math.round(requests * 0.05);
  const hit = Math.round(requests * 0.7);
  const miss = Math.round(requests * 0.2);
  return {
    start,
    end: start + 60_000,
    dimensions: {},
    requests,
    bytesOut: requests * 5_000,
    bytesIn: requests * 300,
    status: { '1xx': 0, '2xx': requests - s4 - s5 - s0, '3xx': 0, '4xx': s4, '5xx': s5, '000': s0 },
    statusCodes: {},
    cache: { hit, miss, error: requests - hit - miss, redirect: 0, other: 0 },
    cacheHitRatio: hit + miss === 0 ? null : hit / (hit + miss),
    errorRates:
      requests === 0
        ? { '4xx': null, '5xx': null, '000': null }
        : { '4xx': s4 / requests, '5xx': s5 / requests, '000': s0 / requests },
    botShare: requests === 0 ? null : 0.1,
    timeTaken: latency(requests),
    timeToFirstByte: latency(requests, 0.005),
    originFbl: latency(0),
    originLbl: latency(0),
    uniqueClients: Math.ceil(requests / 3),
    top: {
      paths: [],
      missPaths: [],
      errorPaths: [],
      clients: [],
      referers: [],
      userAgents: [],
      countries: [],
      edgeLocations: [],
    },
    malformed: 0,
    late: 0,
    estimated: false,
    ...overrides,
  };
}
