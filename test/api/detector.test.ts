/**
 * The scheduled detector end to end on real parts: cells written by the DynamoDB sink into dynalite
 * (two shards, several batches per window), read back by `queryWindows`, judged, and published by
 * the EventBridge sink through the real SDK client to a loopback EventBridge.
 */
import { CreateTableCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AggregatableRecord, createAggregator } from '../../src/aggregate/index.js';
import { createDetector, DETECTOR_STATE_PK, MAX_WINDOWS_PER_RUN } from '../../src/api/detector.js';
import { DetectorConfigError, detectorSettingsFromEnv } from '../../src/api/detector-config.js';
import type { Finding } from '../../src/detect/types.js';
import { createDynamoDbSink, windowTableDefinition } from '../../src/sinks/dynamodb.js';
import { createEventBridgeSink } from '../../src/sinks/eventbridge.js';
import {
  type EventBridgeServer,
  eventBridgeClient,
  startEventBridge,
  THROTTLING,
} from '../helpers/eventbridge-server.js';
import { closeAll, dynamoClient, type LocalServer, startDynalite } from '../helpers/local-aws.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);
const KEY = 'detector test key, sixteen bytes or more';
const DELAY_S = 30;

let dynalite: LocalServer;
let events: EventBridgeServer;
let dynamo: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  [dynalite, events] = await Promise.all([startDynalite(), startEventBridge()]);
  dynamo = dynamoClient(dynalite.endpoint);
});
afterAll(() => closeAll(dynalite, events));

async function newTable(): Promise<string> {
  const name = `detect-${++tables}`;
  await dynamo.send(new CreateTableCommand(windowTableDefinition(name)));
  return name;
}

/** Client `c`'s address: one /24 each, so normal traffic floods from no /24. */
function address(c: number): string {
  return `10.${(c >> 8) & 255}.${c & 255}.${1 + (c % 200)}`;
}

/**
 * Minute `m` of traffic: 4,000 requests from 400 clients over two behaviors, all 200, plus what
 * `extra` injects.
 */
function minute(m: number, extra: AggregatableRecord[] = []): AggregatableRecord[] {
  const start = T0 + m * MINUTE;
  const normal = Array.from({ length: 4_000 }, (_, i) => ({
    timestamp: start + ((i * 15) % MINUTE),
    'c-ip': address(i % 400),
    'sc-status': 200,
    'cs-uri-stem': i % 10 === 0 ? `/api/items/${i % 7}` : `/static/${i % 31}.js`,
    'cache-behavior-path-pattern': i % 10 === 0 ? '/api/*' : '*',
  }));
  return [...normal, ...extra];
}

const FLOOD_MINUTE = 7;
const BURST_MINUTE = 8;
const MINUTES = 10;

function traffic(): AggregatableRecord[][] {
  return Array.from({ length: MINUTES }, (_, m) => {
    if (m === FLOOD_MINUTE) {
      // One /24 at 3,000 requests a minute.
      return minute(
        m,
        Array.from({ length: 3_000 }, (_, i) => ({
          timestamp: T0 + m * MINUTE + (i % MINUTE),
          'c-ip': `203.0.113.${i % 250}`,
          'sc-status': 200,
          'cs-uri-stem': '/login',
          'cache-behavior-path-pattern': '*',
        })),
      );
    }
    if (m === BURST_MINUTE) {
      // The API behavior fails: 150 of its requests answer 502.
      return minute(
        m,
        Array.from({ length: 150 }, (_, i) => ({
          timestamp: T0 + m * MINUTE + i * 100,
          'c-ip': address(i),
          'sc-status': 502,
          'cs-uri-stem': '/api/checkout',
          'cache-behavior-path-pattern': '/api/*',
        })),
      );
    }
    return minute(m);
  });
}

/** Stores the traffic as the handler would: each minute cut into batches of two shards. */
async function store(table: string, minutes: readonly AggregatableRecord[][]): Promise<void> {
  const sink = createDynamoDbSink({ client: dynamo, tableName: table });
  let sequence = 0;
  for (const records of minutes) {
    for (let b = 0; b < 3; b++) {
      const batch = records.filter((_, i) => i % 3 === b);
      const agg = createAggregator({
        dimensions: [[], ['behavior']],
        clientKey: KEY,
        allowedLatenessSeconds: 86_400,
      });
      for (const r of batch) agg.add(r);
      const result = await sink.write(agg.cells(), {
        batch: { shardId: `shardId-00000000000${b % 2}`, firstSequenceNumber: String(++sequence) },
      });
      expect(result.failed).toEqual([]);
    }
  }
}

function detector(table: string, now: () => number, log: string[] = []) {
  const sink = createEventBridgeSink({
    client: eventBridgeClient(events.endpoint),
    retry: { baseDelayMs: 1 },
  });
  return createDetector({
    dynamodb: dynamo,
    table,
    windowSeconds: 60,
    behaviors: true,
    delaySeconds: DELAY_S,
    baselineWindows: 30,
    detect: { minRequests: 100 },
    publish: async (findings) => {
      const result = await sink.publish(findings);
      expect(result.failed).toEqual([]);
      return result;
    },
    now,
    log: (line) => log.push(line),
  });
}

/** The moment window `m` becomes judgeable. */
const judgeableAt = (m: number) => T0 + (m + 1) * MINUTE + DELAY_S * 1_000;

function published(): Finding[] {
  return events.accepted.map((e) => JSON.parse(e.entry.Detail ?? 'null') as Finding);
}

describe('the scheduled detector', () => {
  it('run every minute over replayed traffic, publishes exactly the injected flood and burst', async () => {
    const table = await newTable();
    await store(table, traffic());
    events.reset();
    let now = judgeableAt(0);
    const d = detector(table, () => now);
    for (let m = 0; m < MINUTES; m++) {
      now = judgeableAt(m) + 1_000;
      const run = await d.run();
      expect(run.windows).toEqual([T0 + m * MINUTE]);
      expect(run.stateWritten).toBe(true);
    }
    const found = published().map((f) => [
      f.kind,
      f.window.start,
      f.subject.type,
      f.subject.cidr ?? f.subject.value,
    ]);
    expect(found).toEqual([
      ['client-flood', new Date(T0 + FLOOD_MINUTE * MINUTE).toISOString(), 'client', '203.0.113.0/24'],
      // The failing path, by its own error share, and its behavior's burst; the stream-wide 5xx
      // rate (150 of 4,150, 3.6%) stays under the floor: only the behavior's cell shows it.
      ['path-errors', new Date(T0 + BURST_MINUTE * MINUTE).toISOString(), 'path', '/api/checkout'],
      ['error-burst', new Date(T0 + BURST_MINUTE * MINUTE).toISOString(), 'behavior', '/api/*'],
    ]);
    const [flood, pathErrors, burst] = published();
    expect(pathErrors?.measure).toMatchObject({ name: 'errorRate', value: 1, requests: 150 });
    // Named on the lower bound, which is exact here: every shard's batch merged.
    expect(flood?.measure).toMatchObject({ name: 'requestsPerMinute', value: 3_000, requests: 3_000 });
    expect(burst?.measure).toMatchObject({ name: '5xxRate', requests: 550, baseline: 0 });
    expect(burst?.measure.value).toBeCloseTo(150 / 550, 4);
    expect(burst?.evidence?.[0]).toMatchObject({ key: '/api/checkout', errors: 150 });
    // The events EventBridge received: one per finding, the finding as detail.
    for (const e of events.accepted) {
      expect(e.entry.Source).toBe('cloudfront-realtime-logs');
      expect(e.entry.DetailType).toBe('CloudFront Traffic Finding');
    }

    // Nothing new to judge: the next run is idle and publishes nothing.
    const before = events.accepted.length;
    const idle = await d.run();
    expect(idle.windows).toEqual([]);
    expect(events.accepted.length).toBe(before);
  });

  it('catches up at most MAX_WINDOWS_PER_RUN windows after a pause, the latest ones', async () => {
    const table = await newTable();
    await store(table, traffic());
    events.reset();
    let now = judgeableAt(0) + 1_000;
    const d = detector(table, () => now);
    await d.run();
    now = judgeableAt(MINUTES - 1) + 1_000;
    const run = await d.run();
    expect(run.windows).toEqual(Array.from({ length: MINUTES - 1 }, (_, i) => T0 + (i + 1) * MINUTE));
    expect(run.windows.length).toBeLessThanOrEqual(MAX_WINDOWS_PER_RUN);
    expect(published().map((f) => f.kind)).toEqual(['client-flood', 'path-errors', 'error-burst']);
    const far = await detector(table, () => judgeableAt(MINUTES + 40)).run();
    expect(far.windows).toHaveLength(MAX_WINDOWS_PER_RUN);
    expect(far.windows.at(-1)).toBe(T0 + (MINUTES + 40) * MINUTE);
  });

  it('a run whose publishing fails leaves the state alone, and the next run publishes the same ids', async () => {
    const table = await newTable();
    await store(table, traffic());
    events.reset();
    const now = judgeableAt(FLOOD_MINUTE) + 1_000;
    // Every call throttled: the sink's retries run out and publish rejects.
    events.plan = () => THROTTLING;
    await expect(detector(table, () => now).run()).rejects.toThrow(/not/);
    const state = await dynamo.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: DETECTOR_STATE_PK }, sk: { S: 'state' } } }),
    );
    expect(state.Item).toBeUndefined();
    events.plan = () => undefined;
    const first = await detector(table, () => now).run();
    const again = await detector(table, () => now).run();
    expect(again.windows).toEqual([]);
    expect(first.findings.map((f) => f.kind)).toEqual(['client-flood']);
    expect(published().map((f) => f.id)).toEqual(first.findings.map((f) => f.id));
  });

  it('two runs at once both judge; one writes the state, the other is told it lost', async () => {
    const table = await newTable();
    await store(table, traffic());
    events.reset();
    const now = judgeableAt(FLOOD_MINUTE) + 1_000;
    const [a, b] = await Promise.all([detector(table, () => now).run(), detector(table, () => now).run()]);
    expect([a.stateWritten, b.stateWritten].sort()).toEqual([false, true]);
    // Duplicates carry the same id: consumers drop them.
    expect(new Set(published().map((f) => f.id)).size).toBe(1);
  });
});

describe('detector settings', () => {
  it('read from CFRT_* variables with defaults; every problem named by its variable', () => {
    const s = detectorSettingsFromEnv({
      CFRT_TABLE_NAME: 'windows',
      CFRT_WINDOW_SECONDS: '60',
      CFRT_DIMENSIONS: 'none;behavior;country',
      CFRT_DETECT_CLIENT_RPM: '5000',
      CFRT_ALLOWED_LATENESS_SECONDS: '300',
    });
    expect(s).toMatchObject({
      tableName: 'windows',
      behaviors: true,
      eventBusName: 'default',
      eventSource: 'cloudfront-realtime-logs',
      delaySeconds: 60,
      detect: { clientRequestsPerMinute: 5_000, clientIp: 'truncate' },
    });
    try {
      detectorSettingsFromEnv({
        CFRT_WINDOW_SECONDS: 'sixty',
        CFRT_DETECT_EROR_RATE: '0.2',
        CFRT_DETECT_JUMP_FACTOR: '1',
        CFRT_EVENT_SOURCE: 'aws.events',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DetectorConfigError);
      const names = (error as DetectorConfigError).issues.map((i) => i.name).sort();
      expect(names).toEqual([
        'CFRT_DETECT_EROR_RATE',
        'CFRT_DETECT_JUMP_FACTOR',
        'CFRT_EVENT_SOURCE',
        'CFRT_TABLE_NAME',
        'CFRT_WINDOW_SECONDS',
      ]);
      expect((error as Error).message).toMatch(/did you mean CFRT_DETECT_ERROR_RATE/);
    }
  });
});
