/**
 * Exact oracles for `cfrt analyze --format json`, computed from the generator's `expected`
 * records (never by running the library): counts by window, sorted latencies, distinct clients,
 * exact path counts.
 */
import { expect } from 'vitest';
import { nearestRank } from '../../src/aggregate/ddsketch.js';
import { statusClass } from '../../src/model/classes.js';

export interface OracleFigures {
  requests: number;
  bytesOut: number;
  bytesIn: number;
  status: Record<string, number>;
  cacheHitRatio: number | null;
  timeTaken: number[];
  timeToFirstByte: number[];
  clients: Set<string>;
  paths: Map<string, number>;
}

function empty(): OracleFigures {
  return {
    requests: 0,
    bytesOut: 0,
    bytesIn: 0,
    status: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, '000': 0 },
    cacheHitRatio: null,
    timeTaken: [],
    timeToFirstByte: [],
    clients: new Set(),
    paths: new Map(),
  };
}

interface Tally extends OracleFigures {
  hits: number;
  misses: number;
}

function add(t: Tally, r: Record<string, unknown>): void {
  t.requests++;
  t.bytesOut += (r['sc-bytes'] as number | null) ?? 0;
  t.bytesIn += (r['cs-bytes'] as number | null) ?? 0;
  const cls = statusClass(r['sc-status'] as number | null);
  if (cls !== null) t.status[cls] = (t.status[cls] ?? 0) + 1;
  const result = r['x-edge-result-type'];
  if (result === 'Hit' || result === 'RefreshHit') t.hits++;
  else if (result === 'Miss') t.misses++;
  if (typeof r['time-taken'] === 'number') t.timeTaken.push(r['time-taken']);
  if (typeof r['time-to-first-byte'] === 'number') t.timeToFirstByte.push(r['time-to-first-byte']);
  if (typeof r['c-ip'] === 'string') t.clients.add(r['c-ip']);
  const stem = r['cs-uri-stem'];
  if (typeof stem === 'string') {
    const q = stem.indexOf('?');
    const path = q === -1 ? stem : stem.slice(0, q);
    t.paths.set(path, (t.paths.get(path) ?? 0) + 1);
  }
}

function finish(t: Tally): OracleFigures {
  t.cacheHitRatio = t.hits + t.misses === 0 ? null : t.hits / (t.hits + t.misses);
  t.timeTaken.sort((a, b) => a - b);
  t.timeToFirstByte.sort((a, b) => a - b);
  return t;
}

/** Totals and per-window figures (window start epoch ms -> figures), ascending. */
export function oracleOf(
  records: readonly Record<string, unknown>[],
  windowMs = 60_000,
): { totals: OracleFigures; windows: Map<number, OracleFigures> } {
  const totals = { ...empty(), hits: 0, misses: 0 };
  const windows = new Map<number, Tally>();
  for (const r of records) {
    add(totals, r);
    const ts = r.timestamp as number;
    const start = Math.floor(ts / windowMs) * windowMs;
    let w = windows.get(start);
    if (w === undefined) {
      w = { ...empty(), hits: 0, misses: 0 };
      windows.set(start, w);
    }
    add(w, r);
  }
  const sorted = new Map([...windows.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => [k, finish(v)]));
  return { totals: finish(totals), windows: sorted };
}

/** DDSketch's promise (alpha = 1%): within 1% of the exact nearest-rank quantile. */
export const QUANTILE_ALPHA = 0.01;

export function expectQuantile(
  actual: number | null,
  sorted: readonly number[],
  q: number,
  label: string,
): void {
  const exact = nearestRank(sorted, q);
  if (exact === null) {
    expect(actual, label).toBeNull();
    return;
  }
  expect(actual, label).not.toBeNull();
  const v = actual as number;
  expect(Math.abs(v - exact), `${label}: ${v} within 1% of ${exact}`).toBeLessThanOrEqual(
    exact * QUANTILE_ALPHA * (1 + 1e-9) + 1e-12,
  );
}

/** HyperLogLog at the default precision (p = 14, 0.81% standard error): within 4 sigma, or 2 for tiny sets. */
export function expectDistinct(actual: number, exact: number, label: string): void {
  const tolerance = Math.max(2, exact * 4 * 0.0081);
  expect(Math.abs(actual - exact), `${label}: ${actual} vs exact ${exact}`).toBeLessThanOrEqual(tolerance);
}

/**
 * Space-Saving with k counters over n items: every reported count is >= the true count and
 * overestimates by at most n/k; the list is sorted largest first; any path whose true count
 * beats the cut-off by more than n/k is listed.
 */
export function expectTopUris(
  actual: readonly { key: string; count: number }[],
  exact: ReadonlyMap<string, number>,
  n: number,
  k: number,
  top: number,
  label: string,
): void {
  const slack = n / k;
  expect(actual.length, label).toBe(Math.min(top, exact.size));
  for (let i = 1; i < actual.length; i++)
    expect(actual[i - 1]!.count, label).toBeGreaterThanOrEqual(actual[i]!.count);
  for (const { key, count } of actual) {
    const truth = exact.get(key) ?? 0;
    expect(count, `${label} ${key}`).toBeGreaterThanOrEqual(truth);
    expect(count - truth, `${label} ${key}`).toBeLessThanOrEqual(slack);
  }
  const ranked = [...exact.entries()].sort((a, b) => b[1] - a[1]);
  const cutoff = ranked[top - 1]?.[1] ?? 0;
  const listed = new Set(actual.map((e) => e.key));
  for (const [key, count] of ranked) {
    if (count <= cutoff + slack) break;
    expect(listed.has(key), `${label}: ${key} (${count}) missing`).toBe(true);
  }
}
