/**
 * `cfrt query` end to end: the bundled sample replayed through the real handler into a dynalite
 * that outlives the replay, then read back and merged. Whatever multiple of the stored window and
 * whichever stored dimension sets are asked for, the figures are analyze's on the same lines:
 * counts, bytes, status and quantiles exactly, top lists and distinct clients within their
 * sketches' bounds (the handler hashes clients under its own key, so its HyperLogLog registers are
 * other numbers than the report's).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DimensionName, WindowSummary } from '../../src/aggregate/index.js';
import { analyze } from '../../src/cli/analyze.js';
import { DEFAULT_ANALYZE_TOP_K } from '../../src/cli/analyze-args.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/cli/local-aws.js';
import { loadSample } from '../../src/cli/sample.js';
import { queryReport } from '../../src/report/query-report.js';
import type { AnalyzeJson, AnalyzeReport, ContractFigures } from '../../src/report/report.js';
import { queryWindows } from '../../src/sinks/dynamodb-query.js';
import { closeAll, type LocalServer, startDynalite } from '../helpers/local-aws.js';
import { runCli } from './run-cli.js';

const TABLE = 'cfrt-query-test';
const STORED: DimensionName[][] = [['country'], ['statusClass'], ['country', 'statusClass']];
/** HyperLogLog at precision 14: 0.81% standard error each; two independent estimates, 4.5 sigma. */
const CLIENTS_TOLERANCE = 0.05;
const sample = loadSample();

let server: LocalServer;
let client: DynamoDBClient;
const env = {
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_REGION: LOCAL_REGION,
};

beforeAll(async () => {
  server = await startDynalite();
  client = new DynamoDBClient({
    endpoint: server.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const replay = await runCli(
    [
      'replay',
      '--dynamodb-endpoint',
      server.endpoint,
      '--table',
      TABLE,
      ...STORED.flatMap((set) => ['--dimension', set.join(',')]),
      '--batch-size',
      '1000',
      '--format',
      'json',
    ],
    { nodeArgs: ['--no-warnings'] },
  );
  expect(replay.code, replay.stderr).toBe(0);
}, 90_000);

afterAll(async () => {
  client?.destroy();
  await closeAll(server);
});

function analyzeSample(windowSeconds: number, dimensions: DimensionName[][]): Promise<AnalyzeReport> {
  return analyze({
    fields: sample.fields,
    order: 'canonical',
    inputs: sample.files,
    format: 'json',
    windowSeconds,
    allowedLatenessSeconds: 300,
    samplingRate: 100,
    dimensions,
    top: 10,
    topK: DEFAULT_ANALYZE_TOP_K,
    privacy: { clientIp: 'truncate', hmacKey: undefined, geo: 'country', userAgent: true },
    progress: false,
    stats: false,
    strict: false,
  });
}

/** Space-Saving: each estimate is in [true, true + n / k], so two estimates differ by at most n / k. */
function expectTopsClose(
  got: readonly { key: string; count: number }[],
  want: readonly { key: string; count: number }[],
  requests: number,
  what: string,
): void {
  const bound = requests / DEFAULT_ANALYZE_TOP_K;
  const other = new Map(want.map((e) => [e.key, e.count]));
  let shared = 0;
  for (const e of got) {
    const o = other.get(e.key);
    if (o === undefined) continue;
    shared++;
    expect(Math.abs(e.count - o), `${what} ${e.key}`).toBeLessThanOrEqual(bound);
  }
  expect(shared, `${what}: lists share their heavy hitters`).toBeGreaterThanOrEqual(
    Math.min(got.length, want.length) / 2,
  );
}

function expectClientsClose(got: number, want: number, what: string): void {
  expect(Math.abs(got - want), what).toBeLessThanOrEqual(Math.max(2, want * CLIENTS_TOLERANCE));
}

/** A summary's exact figures: what merging must not change at all. */
function exact(s: WindowSummary) {
  return {
    start: s.start,
    end: s.end,
    dimensions: s.dimensions,
    requests: s.requests,
    bytesOut: s.bytesOut,
    bytesIn: s.bytesIn,
    status: s.status,
    statusCodes: s.statusCodes,
    cache: s.cache,
    timeTaken: s.timeTaken,
    timeToFirstByte: s.timeToFirstByte,
    botShare: s.botShare,
  };
}

function expectSameSummaries(got: readonly WindowSummary[], want: readonly WindowSummary[]): void {
  expect(got.map(exact)).toEqual(want.map(exact));
  for (const [i, s] of got.entries()) {
    const w = want[i]!;
    const what = `${s.start} ${JSON.stringify(s.dimensions)}`;
    expectClientsClose(s.uniqueClients, w.uniqueClients, what);
    expectTopsClose(s.top.paths, w.top.paths, w.requests, `${what} paths`);
    expectTopsClose(s.top.countries, w.top.countries, w.requests, `${what} countries`);
  }
}

describe('cfrt query', () => {
  it("prints analyze's JSON for the replayed sample: same windows, counts, bytes, status and quantiles", async () => {
    const [queried, analyzed] = await Promise.all([
      runCli(
        [
          'query',
          '--endpoint',
          server.endpoint,
          '--table',
          TABLE,
          '--from',
          '2025-03-01',
          '--to',
          '2025-03-02',
          '--dimension',
          'country',
          '--format',
          'json',
          '--stats',
        ],
        { nodeArgs: ['--no-warnings'], env },
      ),
      runCli(['analyze', '--dimension', 'country', '--format', 'json']),
    ]);
    expect(queried.code, queried.stderr).toBe(0);
    const q = JSON.parse(queried.stdout) as AnalyzeJson;
    const a = JSON.parse(analyzed.stdout) as AnalyzeJson;
    expect(Object.keys(q)).toEqual(Object.keys(a));
    expect(q.records).toBe(a.records);
    // Malformed lines without a readable time belong to no window, so no stored cell has them.
    expect(q.malformed).toBeLessThanOrEqual(a.malformed);
    // Estimates (distinct clients, heavy hitters and their figures) are compared elsewhere, within bounds.
    const figures = ({
      uniqueClients: _u,
      topUris: _t,
      top: _top,
      ...rest
    }: ContractFigures & { top?: unknown }) => rest;
    expect(figures(q.totals)).toEqual(figures(a.totals));
    expect(q.windows.map(figures)).toEqual(a.windows.map(figures));
    expect(q.dimensions!.map(figures)).toEqual(a.dimensions!.map(figures));
    expectClientsClose(q.totals.uniqueClients, a.totals.uniqueClients, 'totals');
    expectTopsClose(q.totals.topUris, a.totals.topUris, a.totals.requests, 'totals');
    for (const [i, w] of q.windows.entries()) {
      expectClientsClose(w.uniqueClients, a.windows[i]!.uniqueClients, `window ${w.start}`);
      expectTopsClose(w.topUris, a.windows[i]!.topUris, a.windows[i]!.requests, `window ${w.start}`);
    }
    const stats = JSON.parse(queried.stderr.trim().split('\n').at(-1)!) as Record<string, number>;
    expect(stats.items).toBeGreaterThan(q.windows.length);
    expect(stats.readCapacityUnits).toBeGreaterThan(0);
    expect(stats.storedWindowSeconds).toBe(60);
  }, 60_000);

  it("equals analyze's figures for any multiple of the stored window and any stored dimension sets", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(2, 5, 7, 15, 60), fc.subarray(STORED), async (multiple, sets) => {
        const windowSeconds = 60 * multiple;
        const [result, analyzed] = await Promise.all([
          queryWindows({
            client,
            table: TABLE,
            from: 0,
            to: Date.UTC(2030, 0, 1),
            dimensions: [[], ...sets],
            window: windowSeconds,
          }),
          analyzeSample(windowSeconds, sets),
        ]);
        const queried = queryReport(result, { top: 10, table: TABLE });
        expect(queried.windowSeconds).toBe(windowSeconds);
        expect(exact(queried.totals!)).toEqual({
          ...exact(analyzed.totals!),
          start: queried.totals!.start,
          end: queried.totals!.end,
        });
        expectSameSummaries(queried.windows, analyzed.windows);
        expectSameSummaries(queried.breakdown, analyzed.breakdown);
      }),
      { numRuns: 3 },
    );
  }, 60_000);

  it('refuses a window that is not a multiple of the stored one, with exit 2 and what to ask for', async () => {
    const r = await runCli(
      ['query', '--endpoint', server.endpoint, '--table', TABLE, '--from', '0', '--window', '90'],
      { nodeArgs: ['--no-warnings'], env },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a multiple of the stored window of 60 s');
  });

  it('prints the table report under its own name', async () => {
    const r = await runCli(
      ['query', '--endpoint', server.endpoint, '--table', TABLE, '--from', '0', '--window', '300'],
      { nodeArgs: ['--no-warnings'], env },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^cfrt query: 59,947 records/);
    expect(r.stdout).toContain('Timeline: 3 windows of 300 s');
  });
});
