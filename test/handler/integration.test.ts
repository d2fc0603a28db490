/**
 * The handler against real local services: dynalite (window state), kinesalite (processed and
 * quarantine streams) and a loopback CloudWatch receiving what the real SDK sends, with fault
 * proxies in front injecting throttling and 5xx. Stored totals are checked against the
 * generator's own oracle.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedLine, generateLines } from '../../fixtures/generator.js';
import { summarize } from '../../src/aggregate/index.js';
import { createHandler, type InvocationLog } from '../../src/handler/create-handler.js';
import { createDynamoDbSink, windowTableDefinition } from '../../src/sinks/dynamodb.js';
import { kinesisEvent, lambdaContext } from '../helpers/events.js';
import {
  type CloudWatchReceiver,
  closeAll,
  cloudWatchClient,
  createStream,
  dynamoClient,
  type FaultProxy,
  INTERNAL_ERROR,
  kinesisClient,
  type LocalServer,
  readStream,
  startCloudWatchReceiver,
  startDynalite,
  startFaultProxy,
  startKinesalite,
  THROTTLE,
} from '../helpers/local-aws.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'sc-bytes',
  'cs-uri-stem',
  'x-edge-location',
  'x-edge-request-id',
  'time-taken',
  'cs-user-agent',
  'x-edge-result-type',
  'c-country',
] as const;
// Recent event time: CloudWatch accepts data points up to two weeks old.
const START = Math.floor((Date.now() - 30 * 60_000) / 60_000) * 60_000;
const LINES: readonly GeneratedLine[] = generateLines({
  fields: FIELDS,
  count: 1_200,
  seed: 5,
  startMs: START,
  malformedRate: 0.02,
});
const VALID = LINES.filter((g) => g.expected !== null);
const MALFORMED = LINES.filter((g) => g.expected === null);
const noWait = { sleep: async () => {}, maxAttempts: 3 };

/** Requests per window start, from the generator's oracle. */
function expectedPerWindow(): Map<number, number> {
  const m = new Map<number, number>();
  for (const g of VALID) {
    const start = Math.floor((g.expected!.timestamp as number) / 60_000) * 60_000;
    m.set(start, (m.get(start) ?? 0) + 1);
  }
  return m;
}

let ddb: LocalServer;
let kin: LocalServer;
let ddbProxy: FaultProxy;
let kinProxy: FaultProxy;
let cw: CloudWatchReceiver;
let ddbDirect: DynamoDBClient;
let kinDirect: KinesisClient;
let clients: {
  dynamodb: DynamoDBClient;
  kinesis: KinesisClient;
  cloudwatch: ReturnType<typeof cloudWatchClient>;
};
let run = 0;

beforeAll(async () => {
  [ddb, kin, cw] = await Promise.all([startDynalite(), startKinesalite(), startCloudWatchReceiver()]);
  [ddbProxy, kinProxy] = await Promise.all([startFaultProxy(ddb.endpoint), startFaultProxy(kin.endpoint)]);
  ddbDirect = dynamoClient(ddb.endpoint);
  kinDirect = kinesisClient(kin.endpoint);
  clients = {
    dynamodb: dynamoClient(ddbProxy.endpoint),
    kinesis: kinesisClient(kinProxy.endpoint),
    cloudwatch: cloudWatchClient(cw.endpoint),
  };
});

afterAll(async () => {
  for (const c of [ddbDirect, kinDirect, clients?.dynamodb, clients?.kinesis, clients?.cloudwatch])
    c?.destroy();
  await closeAll(ddbProxy, kinProxy, ddb, kin, cw);
});

/** A fresh table and streams, and a handler writing to all of them. */
async function stack() {
  run++;
  const names = { table: `windows-${run}`, processed: `processed-${run}`, quarantine: `quarantine-${run}` };
  await ddbDirect.send(new CreateTableCommand(windowTableDefinition(names.table)));
  await createStream(kinDirect, names.processed, 2);
  await createStream(kinDirect, names.quarantine, 1);
  ddbProxy.reset();
  kinProxy.reset();
  cw.reset();
  const logs: InvocationLog[] = [];
  const handler = createHandler({
    fields: [...FIELDS],
    dimensions: [[], ['country']],
    sinks: ['cloudwatch', 'dynamodb', 'kinesis'],
    // Stored distinct-client sketches are keyed: one stable key for every invocation.
    hmacKey: 'integration-test-key-0123456789abcdef',
    tableName: names.table,
    processedStreamName: names.processed,
    quarantine: 'kinesis',
    quarantineStreamName: names.quarantine,
    clients,
    retry: noWait,
    log: (line) => logs.push(JSON.parse(line)),
  });
  const reader = createDynamoDbSink({ client: ddbDirect, tableName: names.table });
  const storedPerWindow = async () => {
    const cells = await reader.readWindows(
      START - 3_600_000,
      START + 3_600_000,
      {},
      { consistentRead: true },
    );
    return new Map(cells.map((c) => [c.start, summarize(c).requests]));
  };
  const requestsSentToCloudWatch = () =>
    cw.calls
      .flatMap((c) => c.MetricData)
      .filter((d) => d.MetricName === 'Requests' && d.Dimensions === undefined)
      .reduce((a, d) => a + (d.Value ?? 0), 0);
  return { names, handler, logs, storedPerWindow, requestsSentToCloudWatch };
}

describe('handler against dynalite, kinesalite and a loopback CloudWatch', () => {
  it('stores exact totals, writes each record and each poison line once, publishes metrics', async () => {
    const s = await stack();
    const event = kinesisEvent(
      LINES.map((g) => g.line),
      { shardId: 'shardId-000000000003' },
    );
    const response = await s.handler(event, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });

    expect(await s.storedPerWindow()).toEqual(expectedPerWindow());

    const processed = await readStream(kinDirect, s.names.processed);
    const ids = processed.map((r) => JSON.parse(r.data)['x-edge-request-id']);
    expect(ids.sort()).toEqual(VALID.map((g) => g.expected!['x-edge-request-id']).sort());
    expect(new Set(processed.map((r) => r.partitionKey))).toEqual(new Set(ids));
    const rawIps = new Set(VALID.map((g) => g.expected!['c-ip']));
    expect(processed.some((r) => rawIps.has(JSON.parse(r.data)['c-ip']))).toBe(false);

    const quarantined = (await readStream(kinDirect, s.names.quarantine)).map((r) => JSON.parse(r.data));
    expect(quarantined.map((q) => q.line).sort()).toEqual(MALFORMED.map((g) => g.line).sort());
    expect(quarantined.every((q) => typeof q.reason === 'string' && q.reason.length > 0)).toBe(true);
    expect(quarantined.every((q) => q.shardId === 'shardId-000000000003')).toBe(true);

    expect(s.requestsSentToCloudWatch()).toBe(VALID.length);
    const byCountry = cw.calls
      .flatMap((c) => c.MetricData)
      .filter((d) => d.MetricName === 'Requests' && d.Dimensions?.[0]?.Name === 'country');
    expect(byCountry.reduce((a, d) => a + (d.Value ?? 0), 0)).toBe(VALID.length);

    expect(s.logs.at(-1)).toMatchObject({
      records: LINES.length,
      malformed: MALFORMED.length,
      retryFrom: null,
    });
  });

  it('DynamoDB throttled past its retries -> batchItemFailures -> the same event again -> exact totals, nothing doubled', async () => {
    const s = await stack();
    const event = kinesisEvent(LINES.map((g) => g.line));
    ddbProxy.plan = (req) => (req.target.endsWith('.BatchWriteItem') ? THROTTLE : undefined);
    const first = await s.handler(event, lambdaContext());
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.kinesis.sequenceNumber }]);
    expect(s.logs.at(-1)).toMatchObject({ level: 'ERROR', retryFrom: 0 });
    expect(s.logs.at(-1)!.sinks.find((r) => r.sink === 'dynamodb')!.error).toContain('ThrottlingException');
    // Nothing else went out: no duplicates downstream when Lambda retries.
    expect(await readStream(kinDirect, s.names.processed)).toEqual([]);
    expect(cw.calls).toEqual([]);

    // Lambda retries the batch; this time the first call of each kind is throttled, then recovers.
    ddbProxy.reset();
    kinProxy.reset();
    ddbProxy.plan = (req, n) => (req.target.endsWith('.BatchWriteItem') && n === 1 ? THROTTLE : undefined);
    kinProxy.plan = (req, n) =>
      req.target.endsWith('.PutRecords') && n <= 2 ? { failEntry: (i) => i % 4 === 0 } : undefined;
    const second = await s.handler(event, lambdaContext());
    expect(second).toEqual({ batchItemFailures: [] });
    expect(ddbProxy.faults).toBe(1);
    expect(kinProxy.faults).toBe(2);

    expect(await s.storedPerWindow()).toEqual(expectedPerWindow());
    const ids = (await readStream(kinDirect, s.names.processed)).map(
      (r) => JSON.parse(r.data)['x-edge-request-id'],
    );
    expect(ids.sort()).toEqual(VALID.map((g) => g.expected!['x-edge-request-id']).sort());
    expect(s.requestsSentToCloudWatch()).toBe(VALID.length);
  });

  it('Kinesis 5xx after state landed -> the retry overwrites the same items: stored totals stay exact', async () => {
    const s = await stack();
    const event = kinesisEvent(LINES.map((g) => g.line));
    kinProxy.plan = (req) => (req.target.endsWith('.PutRecords') ? INTERNAL_ERROR : undefined);
    const first = await s.handler(event, lambdaContext());
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.kinesis.sequenceNumber }]);
    expect(await s.storedPerWindow()).toEqual(expectedPerWindow());

    kinProxy.reset();
    const second = await s.handler(event, lambdaContext());
    expect(second).toEqual({ batchItemFailures: [] });
    expect(await s.storedPerWindow()).toEqual(expectedPerWindow());
    expect(await readStream(kinDirect, s.names.processed)).toHaveLength(VALID.length);
    expect(s.requestsSentToCloudWatch()).toBe(VALID.length);
  });
});
