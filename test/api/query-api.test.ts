/**
 * The Analytics API: the request handler over dynalite (answers, refusals, limits), and the
 * deployed artifact itself (dist/query-lambda/index.mjs, imported in a fresh Node process with
 * the template's environment) answering the same JSON `cfrt query --format json` prints.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { type AggregatableRecord, createAggregator } from '../../src/aggregate/index.js';
import {
  createQueryApi,
  MAX_QUERY_DIMENSION_SETS,
  MAX_QUERY_RANGE_MS,
  MAX_QUERY_WINDOWS,
  type QueryApiResponse,
} from '../../src/api/query-api.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/cli/local-aws.js';
import { createParser } from '../../src/parser/parser.js';
import type { AnalyzeJson } from '../../src/report/report.js';
import { createDynamoDbSink, windowTableDefinition } from '../../src/sinks/dynamodb.js';
import { runCli } from '../cli/run-cli.js';
import { runBundle } from '../helpers/bundle.js';
import { closeAll, dynamoClient, type LocalServer, startDynalite } from '../helpers/local-aws.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'sc-bytes',
  'cs-uri-stem',
  'x-edge-result-type',
  'time-taken',
  'c-country',
] as const;
const START = Date.UTC(2025, 2, 1, 12, 0, 0);
const TABLE = 'cf-windows';
const NOW = START + 3_600_000;
const BUNDLE = new URL('../../dist/query-lambda/index.mjs', import.meta.url);

let server: LocalServer;
let client: DynamoDBClient;
let api: ReturnType<typeof createQueryApi>;

const get = (query: string, method = 'GET') =>
  api({ rawQueryString: query, requestContext: { http: { method } } });
const body = (r: QueryApiResponse) => JSON.parse(r.body) as AnalyzeJson & { message?: string };

beforeAll(async () => {
  server = await startDynalite();
  client = dynamoClient(server.endpoint);
  await client.send(new CreateTableCommand(windowTableDefinition(TABLE)));
  const parser = createParser(FIELDS);
  const records = generateLines({
    fields: FIELDS,
    count: 1_500,
    seed: 3,
    startMs: START,
    requestsPerSecond: 2,
  }).map((g) => {
    const r = parser.parseLine(g.line);
    if (!r.ok) throw new Error(r.reason);
    return r.record as AggregatableRecord;
  });
  // Two batches, as two shards would write them, with no TTL (the data is from 2025).
  const sink = createDynamoDbSink({ client, tableName: TABLE, ttlDays: 0 });
  for (const [i, part] of [records.slice(0, 700), records.slice(700)].entries()) {
    const agg = createAggregator({ dimensions: [[], ['country']], allowedLatenessSeconds: 86_400 });
    for (const r of part) agg.add(r);
    const result = await sink.write(agg.cells(), {
      batch: { shardId: `shardId-${i}`, firstSequenceNumber: String(i) },
    });
    expect(result.failed).toEqual([]);
  }
  api = createQueryApi({ client, table: TABLE, now: () => NOW });
}, 30_000);

afterAll(async () => {
  client?.destroy();
  await closeAll(server);
});

describe('the query API', () => {
  it('answers a GET with the report JSON: totals, windows and the asked breakdown', async () => {
    const r = await get('from=-2h&window=300&dimension=country&top=5');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toBe('application/json');
    const json = body(r);
    expect(json.records).toBe(1_500);
    expect(json.totals.requests).toBe(1_500);
    expect(json.totals.topUris.length).toBeLessThanOrEqual(5);
    expect(json.windows.length).toBeGreaterThan(1);
    for (const w of json.windows) expect(w.start % 300_000).toBe(0);
    expect(json.dimensions!.every((d) => 'country' in d.dimensions)).toBe(true);
    const perCountry = json.dimensions!.reduce((n, d) => n + d.requests, 0);
    expect(perCountry).toBe(1_500);
  });

  it('refuses what it cannot answer with a 400 that says what to change', async () => {
    const cases: [string, RegExp][] = [
      ['', /"from" is required/],
      ['from=yesterday', /"from" must be ISO 8601/],
      ['from=-1h&to=-2h', /"from" must be before "to"/],
      [`from=-${MAX_QUERY_RANGE_MS / 86_400_000 + 1}d`, /at most 15 days per request/],
      [`from=-2d`, new RegExp(`at most ${MAX_QUERY_WINDOWS} per request: ask for a wider window`)],
      ['from=-1h&window=90', /not a multiple of the stored window of 60 s/],
      ['from=-1h&dimension=planet', /Unknown dimension "planet"/],
      [
        `from=-1h&${Array.from({ length: MAX_QUERY_DIMENSION_SETS + 1 }, () => 'dimension=country').join('&')}`,
        /At most 4 dimension sets/,
      ],
      ['from=-1h&top=0', /"top" must be a whole number from 1 to 100/],
      ['from=-1h&table=other', /Unknown parameter "table"/],
    ];
    for (const [query, message] of cases) {
      const r = await get(query);
      expect(r.statusCode, query).toBe(400);
      expect(body(r).message, query).toMatch(message);
    }
    expect((await get('from=-1h', 'POST')).statusCode).toBe(405);
  });

  it('refuses a request that would read more items than its limit, before the timeout', async () => {
    const small = createQueryApi({ client, table: TABLE, now: () => NOW, maxItems: 5 });
    const r = await small({ rawQueryString: 'from=-2h&dimension=country' });
    expect(r.statusCode).toBe(400);
    expect(body(r).message).toMatch(/reads more than 5 stored items: ask for a shorter range/);
  });

  it('answers 500 without details when DynamoDB fails, and logs why', async () => {
    const lines: string[] = [];
    const broken = createQueryApi({
      client,
      table: 'no-such-table',
      now: () => NOW,
      log: (l) => lines.push(l),
    });
    const r = await broken({ rawQueryString: 'from=-1h' });
    expect(r.statusCode).toBe(500);
    expect(body(r).message).toBe('The query failed; see the function log.');
    expect(lines.join('\n')).toMatch(/ResourceNotFound|non-existent table/i);
  });

  it('the deployed bundle answers the same JSON as cfrt query --format json', async () => {
    const range = ['--from', new Date(START - 3_600_000).toISOString(), '--to', new Date(NOW).toISOString()];
    const env = {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    };
    const query = `from=${encodeURIComponent(range[1]!)}&to=${encodeURIComponent(range[3]!)}&window=600&dimension=country`;
    const lambda = await runBundle(
      BUNDLE,
      { ...env, CFRT_TABLE_NAME: TABLE, AWS_ENDPOINT_URL_DYNAMODB: server.endpoint },
      { rawQueryString: query, requestContext: { http: { method: 'GET' } } },
    );
    expect(lambda.code, lambda.stderr).toBe(0);
    const response = lambda.result as QueryApiResponse;
    expect(response.statusCode, response.body).toBe(200);
    const cli = await runCli(
      [
        'query',
        '--endpoint',
        server.endpoint,
        '--table',
        TABLE,
        ...range,
        '--window',
        '600',
        '--dimension',
        'country',
        '--format',
        'json',
      ],
      { nodeArgs: ['--no-warnings'], env },
    );
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(response.body)).toEqual(JSON.parse(cli.stdout));
  }, 30_000);
});
