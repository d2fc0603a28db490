/**
 * Issue 20's acceptance, end to end on real parts: generated traffic with an injected flood and a
 * spoofed crawler goes through `cfrt replay` (kinesalite, the Lambda handler, the DynamoDB sink
 * into dynalite), the detector judges each minute from the stored windows and publishes through the
 * real EventBridge client to a loopback EventBridge, and the WAF responder, given the events the
 * SAM app's rule routes to it, keeps an IP set on a loopback WAFv2. The findings are exactly the
 * injected ones (none for the normal traffic), and so are the IP-set changes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { createDetector } from '../../src/api/detector.js';
import { LOCAL_CREDENTIALS } from '../../src/cli/local-aws.js';
import type { Finding } from '../../src/detect/types.js';
import { verifyCrawler } from '../../src/enrich/crawler-verify.js';
import { createResponder } from '../../src/respond/responder.js';
import { createEventBridgeSink } from '../../src/sinks/eventbridge.js';
import { runCli } from '../cli/run-cli.js';
import {
  type EventBridgeServer,
  eventBridgeClient,
  startEventBridge,
} from '../helpers/eventbridge-server.js';
import { closeAll, dynamoClient, type LocalServer, startDynalite } from '../helpers/local-aws.js';
import { startWafv2, type Wafv2Server } from '../helpers/wafv2-server.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'sc-bytes',
  'cs-uri-stem',
  'cs-uri-query',
  'cs-user-agent',
  'x-edge-location',
  'x-edge-result-type',
  'time-taken',
  'cache-behavior-path-pattern',
  'asn',
];
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);
const MINUTES = 10;
const FLOOD_MINUTE = 6;
const SPOOF_MINUTE = 8;
const TABLE = 'replayed-windows';
const DELAY_S = 30;

const GOOGLE = '66.249.66.1';
const BING = '157.55.39.1';

let dynalite: LocalServer;
let events: EventBridgeServer;
let waf: Wafv2Server;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  [dynalite, events, waf] = await Promise.all([startDynalite(), startEventBridge(), startWafv2()]);
  dynamo = dynamoClient(dynalite.endpoint);
});
afterAll(() => closeAll(dynalite, events, waf));

/** A line with its `c-ip` (and timestamp, when given) replaced. */
function withColumns(line: string, ip: string, timestampMs?: number): string {
  const cols = line.split('\t');
  cols[FIELDS.indexOf('c-ip')] = ip;
  if (timestampMs !== undefined) cols[FIELDS.indexOf('timestamp')] = (timestampMs / 1000).toFixed(3);
  return cols.join('\t');
}

/**
 * Ten minutes of generated traffic (20 requests a second) in which crawlers that say they are
 * Googlebot or bingbot come from their operators' ranges, as real ones do; then 3,000 requests in
 * one minute from one /24, and 25 "Googlebot" requests from an address Google does not use.
 */
function traffic(): string[] {
  const normal = generateLines({
    fields: FIELDS,
    count: 12_000,
    seed: 20,
    startMs: T0,
    requestsPerSecond: 20,
  }).map((g) => {
    const ua = String(g.expected?.['cs-user-agent'] ?? '');
    if (ua.includes('Googlebot')) return withColumns(g.line, GOOGLE);
    if (ua.includes('bingbot')) return withColumns(g.line, BING);
    return g.line;
  });
  const extra = generateLines({ fields: FIELDS, count: 4_000, seed: 21, startMs: T0, requestsPerSecond: 20 });
  // The flood is a client, not a crawler: a line claiming one from its /24 would rightly be a
  // spoofed-crawler finding too.
  const flood = extra
    .filter((g) => !/Googlebot|bingbot/.test(String(g.expected?.['cs-user-agent'] ?? '')))
    .slice(0, 3_000)
    .map((g, i) => withColumns(g.line, `203.0.113.${i % 250}`, T0 + FLOOD_MINUTE * MINUTE + i * 19));
  const googlebot = extra
    .filter((g) => String(g.expected?.['cs-user-agent'] ?? '').includes('Googlebot'))
    .slice(0, 1)[0];
  if (googlebot === undefined) throw new Error('the generator wrote no Googlebot line');
  const spoofed = Array.from({ length: 25 }, (_, i) =>
    withColumns(googlebot.line, `192.0.2.${10 + i}`, T0 + SPOOF_MINUTE * MINUTE + i * 1_000),
  );
  return [...normal, ...flood, ...spoofed];
}

const judgeableAt = (m: number) => T0 + (m + 1) * MINUTE + DELAY_S * 1_000 + 1_000;

describe('replayed traffic with an injected flood, detected and answered', () => {
  it('the addresses the test uses for real crawlers are in their published ranges', () => {
    expect(verifyCrawler('Googlebot', GOOGLE)).toBe('verified');
    expect(verifyCrawler('bingbot', BING)).toBe('verified');
    expect(verifyCrawler('Googlebot', '192.0.2.10')).toBe('spoofed');
  });

  it('gives exactly the injected findings, and the IP set blocks and then unblocks exactly the flood', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfrt-flood-'));
    const file = join(dir, 'logs.tsv');
    writeFileSync(file, `${traffic().join('\n')}\n`);
    const replay = await runCli([
      'replay',
      '--fields',
      FIELDS.join(','),
      '--dimension',
      'behavior',
      '--batch-size',
      '500',
      '--dynamodb-endpoint',
      dynalite.endpoint,
      '--table',
      TABLE,
      '--format',
      'json',
      file,
    ]);
    expect(replay.code, replay.stderr).toBe(0);

    // The detector, run as the schedule would run it, once a minute.
    const sink = createEventBridgeSink({ client: eventBridgeClient(events.endpoint) });
    let now = 0;
    const detector = createDetector({
      dynamodb: dynamo,
      table: TABLE,
      windowSeconds: 60,
      behaviors: true,
      delaySeconds: DELAY_S,
      publish: (f) => sink.publish(f),
      now: () => now,
      log: () => {},
    });
    for (let m = 0; m < MINUTES; m++) {
      now = judgeableAt(m);
      await detector.run();
    }
    const findings = events.accepted.map((e) => JSON.parse(e.entry.Detail ?? 'null') as Finding);
    expect(
      findings.map((f) => [
        f.kind,
        f.window.start,
        f.subject.cidr ?? f.subject.value,
        f.subject.claimed ?? null,
      ]),
    ).toEqual([
      ['client-flood', new Date(T0 + FLOOD_MINUTE * MINUTE).toISOString(), '203.0.113.0/24', null],
      ['spoofed-crawler', new Date(T0 + SPOOF_MINUTE * MINUTE).toISOString(), '192.0.2.0/24', 'Googlebot'],
    ]);
    const [flood, spoofed] = findings;
    expect(flood?.measure).toMatchObject({ value: 3_000, requests: 3_000 });
    expect(spoofed?.measure).toMatchObject({ name: 'requests', value: 25 });

    // The responder gets what the SAM app's rule routes to it: client floods, then sweeps.
    const ipv4 = waf.create({ name: 'cfrt-flood-v4', version: 'IPV4', addresses: ['198.51.100.0/24'] });
    const wafv2 = new WAFV2Client({
      endpoint: waf.endpoint,
      region: 'us-east-1',
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    let clock = judgeableAt(FLOOD_MINUTE);
    const logs: string[] = [];
    const responder = createResponder({
      tableName: TABLE,
      ipv4SetArn: ipv4.arn,
      blockSeconds: 3_600,
      dryRun: false,
      wafv2,
      dynamodb: dynamo,
      now: () => clock,
      log: (line) => logs.push(line),
    });
    for (const e of events.accepted) {
      const detail = JSON.parse(e.entry.Detail ?? 'null') as Finding;
      if (detail.kind !== 'client-flood') continue; // the rule's pattern
      await responder.handle({
        version: '0',
        id: e.eventId,
        'detail-type': e.entry.DetailType,
        source: e.entry.Source,
        account: '123456789012',
        time: new Date(clock).toISOString(),
        region: 'us-east-1',
        resources: [],
        detail,
      });
    }
    const sweep = {
      version: '0',
      id: 'sweep',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: '',
      region: 'us-east-1',
      resources: [],
      detail: {},
    };
    clock += 30 * MINUTE;
    await responder.handle(sweep); // not expired yet: no change
    clock += 31 * MINUTE;
    await responder.handle(sweep); // expired: unblocked
    // The operator's own range is never touched; the flood's /24 came and went, nothing else.
    expect(waf.history.map((h) => [...h.addresses].sort())).toEqual([
      ['198.51.100.0/24', '203.0.113.0/24'],
      ['198.51.100.0/24'],
    ]);
    const changes = logs
      .map((l) => JSON.parse(l) as { action?: string; cidr?: string })
      .filter((l) => l.action);
    expect(changes.map((c) => [c.action, c.cidr])).toEqual([
      ['block', '203.0.113.0/24'],
      ['unblock', '203.0.113.0/24'],
    ]);
    wafv2.destroy();
  }, 240_000);
});
