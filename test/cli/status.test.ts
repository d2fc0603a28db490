/**
 * `cfrt status` against loopback CloudFormation, CloudFront, Lambda, CloudWatch (GetMetricData)
 * and dynalite, with the real SDK clients: exit 0 while data flows, 1 when it does not (no
 * records, no behavior attached, a stale newest window, fields the processor cannot parse), and
 * with --strict on a warning; CloudFront's own Requests are read in us-east-1 for completeness.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../src/cli/local-aws.js';
import { collectStatus, parseStatusArgs, renderStatus, runStatus } from '../../src/cli/status.js';
import { createDynamoDbSink, windowTableDefinition } from '../../src/sinks/dynamodb.js';
import { makeCell } from '../helpers/cells.js';
import {
  addDistribution,
  type CloudFormationServer,
  type CloudFrontServer,
  type FakeRealtimeLogConfig,
  type LambdaServer,
  type MetricSource,
  type MetricsServer,
  startCloudFormation,
  startCloudFront,
  startLambda,
  startMetrics,
} from '../helpers/deploy-aws.js';
import { closeAll, dynamoClient, type LocalServer, startDynalite } from '../helpers/local-aws.js';
import { capture, localClients, STACK_REGION } from './deploy-clients.js';
import { runCli } from './run-cli.js';

const NOW = Date.UTC(2025, 2, 1, 12, 30, 20);
const FIELDS = ['timestamp', 'c-ip', 'sc-status', 'sc-bytes', 'x-edge-result-type', 'time-taken'];
const STREAM = 'cfrt-RawStream-abc';
const CONFIG: FakeRealtimeLogConfig = {
  arn: 'arn:aws:cloudfront::123456789012:realtime-log-config/cfrt-realtime-logs',
  name: 'cfrt-realtime-logs',
  samplingRate: 50,
  fields: FIELDS,
  streamArn: `arn:aws:kinesis:eu-west-1:123456789012:stream/${STREAM}`,
  roleArn: 'arn:aws:iam::123456789012:role/cfrt-RealtimeLogRole',
};

let cf: CloudFrontServer;
let cfn: CloudFormationServer;
let lambda: LambdaServer;
let cw: MetricsServer;
let ddb: LocalServer;
let direct: DynamoDBClient;
let tables = 0;

/** Per-minute values of a deployment where data flows: 100 requests a minute, half sampled. */
const FLOWING: MetricSource = ({ namespace, name, dimensions, region }) => {
  if (namespace === 'AWS/CloudFront') {
    // Only asked where CloudFront publishes: us-east-1.
    if (region !== 'us-east-1' || dimensions.Region !== 'Global') return undefined;
    return dimensions.DistributionId === 'E1' ? 60 : 40;
  }
  if (region !== STACK_REGION) return undefined;
  if (namespace === 'AWS/Kinesis' && name === 'IncomingRecords' && dimensions.StreamName === STREAM)
    return 50;
  if (namespace === 'AWS/Lambda' && name === 'Invocations') return 4;
  if (namespace === 'AWS/Lambda' && name === 'IteratorAge') return 900;
  if (namespace === 'cfrt-test' && name === 'Requests') return 100;
  return undefined;
};

async function tableWithWindowAt(start: number | null): Promise<string> {
  const table = `windows-${++tables}`;
  await direct.send(new CreateTableCommand(windowTableDefinition(table)));
  if (start !== null) {
    const sink = createDynamoDbSink({ client: direct, tableName: table });
    // An older window first: the newest is the one status must report.
    for (const s of [start - 300_000, start]) {
      const result = await sink.write([makeCell(10, s)], {
        batch: { shardId: 'shardId-0', firstSequenceNumber: String(s) },
      });
      expect(result.failed).toEqual([]);
    }
  }
  return table;
}

async function deploy(table: string): Promise<void> {
  cfn.stacks.set('cfrt', {
    name: 'cfrt',
    status: 'UPDATE_COMPLETE',
    outputs: {
      RealtimeLogConfigArn: CONFIG.arn,
      FunctionName: 'cfrt-Processor',
      RawStreamName: STREAM,
      WindowTableName: table,
      FailedBatchQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/cfrt-FailedBatchQueue',
    },
    parameters: { MetricsNamespace: 'ignored-when-the-function-says', IteratorAgeThresholdMs: '60000' },
  });
}

beforeAll(async () => {
  [cf, cfn, lambda, cw, ddb] = await Promise.all([
    startCloudFront({ configs: [CONFIG] }),
    startCloudFormation(),
    startLambda(),
    startMetrics(FLOWING),
    startDynalite(),
  ]);
  direct = dynamoClient(ddb.endpoint);
}, 30_000);
afterAll(async () => {
  direct?.destroy();
  await closeAll(cf, cfn, lambda, cw, ddb);
});

let clients: ReturnType<typeof localClients>;
beforeEach(async () => {
  cf.distributions.clear();
  cf.pageSize = 1;
  addDistribution(cf, 'E1', ['/api/*', '/img/*'], { '*': CONFIG.arn, '/api/*': CONFIG.arn });
  addDistribution(cf, 'E2', [], { '*': CONFIG.arn });
  lambda.functions.set('cfrt-Processor', {
    name: 'cfrt-Processor',
    env: { CFRT_FIELDS: FIELDS.join(','), CFRT_METRICS_NAMESPACE: 'cfrt-test', CFRT_SAMPLING_RATE: '50' },
  });
  lambda.mappings.length = 0;
  lambda.mappings.push({
    functionName: 'cfrt-Processor',
    eventSourceArn: CONFIG.streamArn,
    state: 'Enabled',
  });
  cw.source = FLOWING;
  cw.pageSize = 4;
  cw.calls.length = 0;
  await deploy(await tableWithWindowAt(NOW - 150_000));
  clients = localClients({
    cloudfront: cf.endpoint,
    cloudformation: cfn.endpoint,
    lambda: lambda.endpoint,
    cloudwatch: cw.endpoint,
    dynamodb: ddb.endpoint,
  });
});
afterEach(() => clients.destroy());

describe('cfrt status', () => {
  it('shows the screen and exits 0 while data flows', async () => {
    const run = capture();
    expect(await runStatus(parseStatusArgs([]), clients, run.io, NOW)).toBe(0);
    const screen = run.out();
    expect(screen).toContain(
      'Distribution E1   e1.cloudfront.net Deployed: default (*), /api/*; not logged: /img/*',
    );
    expect(screen).toContain('Distribution E2   e2.cloudfront.net Deployed: default (*)');
    expect(screen).toContain('Sampling          50%');
    expect(screen).toContain('Processor parses  yes (its current field list)');
    expect(screen).toContain(`Stream            ${STREAM}: 750 records in, 0 throttled writes`);
    expect(screen).toContain('Lines             1,500 requests counted, 0 malformed, 0 late');
    expect(screen).toContain('iterator age 900 ms');
    expect(screen).toContain(
      'Newest window     2025-03-01T12:27:00.000Z .. 2025-03-01T12:28:00.000Z, 140 s behind now',
    );
    // 12 settled minutes: 1,200 counted (scaled) of 1,200 CloudFront requests; 600 lines x 100/50.
    expect(screen).toContain(
      'Completeness      100.0%: 1,200 counted of 1,200 CloudFront requests (1,200 lines in the stream x 100/50)',
    );
    expect(screen).toContain('Data flows.');
    // CloudFront's metrics were read in us-east-1, the rest in the stack's region, in pages.
    const regions = cw.calls.map((c) => c.region);
    expect(new Set(regions)).toEqual(new Set(['us-east-1', STACK_REGION]));
    expect(cw.calls.length).toBeGreaterThan(2);
  });

  it('exits 1 when no records reach the stream', async () => {
    cw.source = (m) => (m.namespace === 'AWS/CloudFront' ? FLOWING(m) : undefined);
    const run = capture();
    expect(await runStatus(parseStatusArgs([]), clients, run.io, NOW)).toBe(1);
    expect(run.out()).toContain('Data does NOT flow:');
    expect(run.out()).toContain(`no records reached stream ${STREAM} in the last 15 minutes`);
  });

  it('exits 1 when no behavior logs to the config, or the newest window is stale', async () => {
    cf.distributions.clear();
    let report = await collectStatus(parseStatusArgs([]), clients, NOW);
    expect(report.flowing).toBe(false);
    expect(report.problems).toEqual([
      expect.stringMatching(/^no distribution's behavior logs to .*cfrt attach/),
    ]);

    addDistribution(cf, 'E1', [], { '*': CONFIG.arn });
    await deploy(await tableWithWindowAt(NOW - 3_600_000));
    report = await collectStatus(parseStatusArgs(['--max-lag', '900']), clients, NOW);
    expect(report.problems).toEqual([
      expect.stringMatching(/ended 3560 s ago \(more than --max-lag 900 s\)/),
    ]);

    await deploy(await tableWithWindowAt(null));
    report = await collectStatus(parseStatusArgs([]), clients, NOW);
    expect(report.problems).toEqual([expect.stringMatching(/^no window is stored in windows-/)]);
  });

  it('exits 1 when the processor cannot parse the config, or its mapping is disabled', async () => {
    lambda.functions.get('cfrt-Processor')!.env.CFRT_FIELDS = FIELDS.slice(0, 4).join(',');
    lambda.mappings[0]!.state = 'Disabled';
    const report = await collectStatus(parseStatusArgs([]), clients, NOW);
    expect(report.problems).toEqual([
      expect.stringMatching(/^the processor cannot parse the config's lines: the config sends 6 fields/),
      'the event source mapping of cfrt-Processor is Disabled, not Enabled',
    ]);
  });

  it('lists warnings without failing, unless --strict', async () => {
    cw.source = (m) => {
      if (m.region === STACK_REGION && m.name === 'MalformedLines') return 5;
      if (m.region === STACK_REGION && m.name === 'Errors') return 1;
      if (
        m.region === STACK_REGION &&
        m.name === 'NumberOfMessagesSent' &&
        m.dimensions.QueueName === 'cfrt-FailedBatchQueue'
      )
        return 1;
      if (m.namespace === 'AWS/CloudFront' && m.region === 'us-east-1') return 100;
      return FLOWING(m);
    };
    const run = capture();
    expect(await runStatus(parseStatusArgs(['--format', 'json']), clients, run.io, NOW)).toBe(0);
    const report = JSON.parse(run.out());
    expect(report.flowing).toBe(true);
    expect(report.warnings).toEqual([
      '15 function errors in the last 15 minutes',
      '15 batches dropped to the failed-batch queue in the last 15 minutes',
      '75 malformed lines in the last 15 minutes',
      "counted 50.0% of CloudFront's requests (some behaviors do not log to the config, so less than 100% is expected)",
    ]);
    expect(await runStatus(parseStatusArgs(['--strict']), clients, capture().io, NOW)).toBe(1);
  });

  it('parses its flags with their ranges, every mistake at once', () => {
    expect(parseStatusArgs([])).toEqual({
      stack: 'cfrt',
      minutes: 15,
      maxLagSeconds: 600,
      strict: false,
      format: 'table',
      region: undefined,
    });
    expect(() => parseStatusArgs(['--minutes', '1', '--max-lag', 'x', '--stack', '9x'])).toThrow(
      /--stack: must be a stack name.*\n- --minutes: must be a whole number from 5 to 1440; got 1\n- --max-lag: must be a whole number from 60 to 86400; got "x"/s,
    );
  });

  it('renders a stopped pipeline with every problem listed', async () => {
    cw.source = () => undefined;
    const report = await collectStatus(parseStatusArgs([]), clients, NOW);
    expect(renderStatus(report)).toMatch(
      /Data does NOT flow:\n {2}- no records reached stream .* \(CloudFront counted no requests either: is there traffic\?\)\n$/,
    );
  });
});

describe('cfrt status (the built CLI)', () => {
  it('exits 0 while data flows and 1 when it stops, with the SDK pointed by AWS_ENDPOINT_URL_*', async () => {
    // The CLI reads "now" itself: a window that ended a minute ago, metrics every minute.
    const now = Date.now();
    await deploy(await tableWithWindowAt(Math.floor(now / 60_000) * 60_000 - 120_000));
    const env = {
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: STACK_REGION,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_ENDPOINT_URL_CLOUDFRONT: cf.endpoint,
      AWS_ENDPOINT_URL_CLOUDFORMATION: cfn.endpoint,
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: cw.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    };
    const flowing = await runCli(['status', '--stack', 'cfrt'], { env });
    // The SDK may warn about Node versions on stderr; cfrt itself writes nothing there.
    expect(flowing.stderr).not.toContain('cfrt:');
    expect(flowing.stdout).toContain('Data flows.');
    expect(flowing.code).toBe(0);
    cw.source = () => undefined;
    const stopped = await runCli(['status'], { env });
    expect(stopped.stdout).toContain('Data does NOT flow:');
    expect(stopped.code).toBe(1);
    const missing = await runCli(['status', '--stack', 'other'], { env });
    expect(missing.stderr).toContain(
      'cfrt: Stack "other" does not exist in this region (give --stack, or --region / AWS_REGION).\n',
    );
    expect(missing.code).toBe(2);
  }, 30_000);
});
