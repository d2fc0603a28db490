/**
 * The deployed detector itself: dist/detect-lambda/index.mjs (run `npm run build` first) imported
 * in a fresh Node process with the SAM template's environment, the SDK pointed at dynalite and a
 * loopback EventBridge by its service-specific endpoint variables. It judges the last closed minute
 * of a flood and publishes the finding; a bad environment is refused at cold start.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAggregator } from '../../src/aggregate/index.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/cli/local-aws.js';
import type { Finding } from '../../src/detect/types.js';
import { createDynamoDbSink, windowTableDefinition } from '../../src/sinks/dynamodb.js';
import { runBundle } from '../helpers/bundle.js';
import { type EventBridgeServer, startEventBridge } from '../helpers/eventbridge-server.js';
import { closeAll, dynamoClient, type LocalServer, startDynalite } from '../helpers/local-aws.js';

const BUNDLE = new URL('../../dist/detect-lambda/index.mjs', import.meta.url);
const TABLE = 'cf-windows';
const KEY = 'detect bundle test key, 16+ bytes';

let dynalite: LocalServer;
let events: EventBridgeServer;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  [dynalite, events] = await Promise.all([startDynalite(), startEventBridge()]);
  dynamodb = dynamoClient(dynalite.endpoint);
  await dynamodb.send(new CreateTableCommand(windowTableDefinition(TABLE)));
});

afterAll(async () => {
  dynamodb?.destroy();
  await closeAll(dynalite, events);
});

/** The bundle run once, as the schedule invokes it. */
function runDetector(env: Record<string, string>) {
  return runBundle(
    BUNDLE,
    {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: events.endpoint,
      ...env,
    },
    { 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} },
  );
}

describe('the detector bundle (dist/detect-lambda/index.mjs)', () => {
  it('judges the last closed minute from the table and publishes its flood', async () => {
    // A flood in each of the last minutes, the current one included: whichever minute is the last
    // closed one when the bundle runs, it holds one.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const agg = createAggregator({ clientKey: KEY, allowedLatenessSeconds: 3_600 });
    for (let m = -3; m <= 0; m++) {
      for (let i = 0; i < 1_500; i++) {
        agg.add({
          timestamp: minute + m * 60_000 + i * 30,
          'c-ip': `203.0.113.${i % 200}`,
          'sc-status': 200,
        });
      }
    }
    const sink = createDynamoDbSink({ client: dynamodb, tableName: TABLE });
    const written = await sink.write(agg.cells(), {
      batch: { shardId: 'shardId-000000000000', firstSequenceNumber: '1' },
    });
    expect(written.failed).toEqual([]);

    const run = await runDetector({
      CFRT_TABLE_NAME: TABLE,
      CFRT_WINDOW_SECONDS: '60',
      CFRT_DIMENSIONS: 'none',
      CFRT_CLIENT_IP: 'truncate',
      CFRT_EVENT_BUS_NAME: 'default',
      CFRT_EVENT_SOURCE: 'cloudfront-realtime-logs',
      CFRT_DETECT_DELAY_SECONDS: '0',
      CFRT_DETECT_CLIENT_RPM: '1200',
      CFRT_ALLOWED_LATENESS_SECONDS: '300',
    });
    expect(run.code, run.stderr).toBe(0);
    const result = run.result as { findings: Finding[] };
    expect(result.findings.map((f) => [f.kind, f.subject.cidr])).toEqual([
      ['client-flood', '203.0.113.0/24'],
    ]);
    expect(events.accepted.map((e) => (JSON.parse(e.entry.Detail ?? '{}') as Finding).id)).toEqual([
      result.findings[0]?.id,
    ]);
    // One JSON line per run in the log.
    expect(run.stdout).toMatch(/"detector":"run"/);
  });

  it('refuses a bad environment at cold start, every problem named by variable', async () => {
    const run = await runDetector({ CFRT_WINDOW_SECONDS: 'sixty', CFRT_DETECT_JUMP_FACTR: '3' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/CFRT_TABLE_NAME/);
    expect(run.stderr).toMatch(/CFRT_WINDOW_SECONDS/);
    expect(run.stderr).toMatch(
      /CFRT_DETECT_JUMP_FACTR: is not a setting; did you mean CFRT_DETECT_JUMP_FACTOR\?/,
    );
  });
});
