/**
 * The responder end to end: the real @aws-sdk/client-wafv2 against the loopback WAFv2
 * (test/helpers/wafv2-server.ts) and the real DynamoDB client against dynalite. Time is injected:
 * a sequence of findings and sweeps gives exactly the expected IP set history.
 */
import { CreateTableCommand, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS } from '../../src/cli/local-aws.js';
import type { Finding } from '../../src/detect/types.js';
import { createResponder, ResponderError, type ResponderOptions } from '../../src/respond/responder.js';
import { windowTableDefinition } from '../../src/sinks/dynamodb.js';
import { closeAll, dynamoClient, type LocalServer, startDynalite } from '../helpers/local-aws.js';
import { type FakeIpSet, startWafv2, type Wafv2Server } from '../helpers/wafv2-server.js';

const TABLE = 'cf-windows';
const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const MIN = 60_000;

let dynalite: LocalServer;
let waf: Wafv2Server;
let dynamodb: DynamoDBClient;
let wafv2: WAFV2Client;
let sets = 0;

beforeAll(async () => {
  [dynalite, waf] = await Promise.all([startDynalite(), startWafv2()]);
  dynamodb = dynamoClient(dynalite.endpoint);
  wafv2 = new WAFV2Client({
    endpoint: waf.endpoint,
    region: 'us-east-1',
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  await dynamodb.send(new CreateTableCommand(windowTableDefinition(TABLE)));
});

afterAll(async () => {
  dynamodb?.destroy();
  wafv2?.destroy();
  await closeAll(dynalite, waf);
});

let ids = 0;
/** A finding as the detector publishes it, in its EventBridge envelope. */
function findingEvent(cidr: unknown, over: Partial<Record<keyof Finding, unknown>> = {}): object {
  ids++;
  const detail = {
    version: 1,
    id: ids.toString(16).padStart(32, '0'),
    kind: 'client-flood',
    severity: 'critical',
    window: { start: '2026-06-01T11:59:00.000Z', end: '2026-06-01T12:00:00.000Z' },
    subject: { type: 'client', value: 'key', cidr },
    measure: { name: 'requestsPerMinute', value: 9_000, threshold: 6_000 },
    summary: 'Client flood.',
    ...over,
  };
  return {
    version: '0',
    id: `event-${ids}`,
    'detail-type': 'CloudFront Traffic Finding',
    source: 'cloudfront-realtime-logs',
    account: '123456789012',
    time: '2026-06-01T12:00:05Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

const SWEEP = {
  version: '0',
  id: 'sweep',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-06-01T12:05:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/sweep'],
  detail: {},
};

interface Rig {
  v4: FakeIpSet;
  v6: FakeIpSet;
  lines: string[];
  clock: { now: number };
  sleeps: number[];
  responder: ReturnType<typeof createResponder>;
  /** Log lines parsed, without the summary. */
  changes(): Record<string, unknown>[];
  summaries(): Record<string, unknown>[];
}

function rig(
  options: Partial<ResponderOptions> & { v4Addresses?: string[]; v6Addresses?: string[] } = {},
): Rig {
  sets++;
  const { v4Addresses, v6Addresses, ...rest } = options;
  const v4 = waf.create({
    name: `block-v4-${sets}`,
    version: 'IPV4',
    addresses: v4Addresses ?? [],
    description: 'kept by the responder',
  });
  const v6 = waf.create({ name: `block-v6-${sets}`, version: 'IPV6', addresses: v6Addresses ?? [] });
  const lines: string[] = [];
  const clock = { now: T0 };
  const sleeps: number[] = [];
  const responder = createResponder({
    wafv2,
    dynamodb,
    tableName: TABLE,
    ipv4SetArn: v4.arn,
    ipv6SetArn: v6.arn,
    dryRun: false,
    now: () => clock.now,
    log: (l) => lines.push(l),
    retry: { random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
    ...rest,
  });
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    v4,
    v6,
    lines,
    clock,
    sleeps,
    responder,
    changes: () => parsed().filter((l) => 'action' in l),
    summaries: () => parsed().filter((l) => l.message === 'waf responder summary'),
  };
}

async function stateOf(set: FakeIpSet): Promise<{ version: number; blocks: string } | undefined> {
  const out = await dynamodb.send(
    new GetItemCommand({
      TableName: TABLE,
      Key: { pk: { S: `#respond#${set.name}` }, sk: { S: 'state' } },
      ConsistentRead: true,
    }),
  );
  return out.Item === undefined
    ? undefined
    : { version: Number(out.Item.version!.N), blocks: out.Item.blocks!.S! };
}

const historyOf = (set: FakeIpSet) => waf.history.filter((h) => h.name === set.name).map((h) => h.addresses);
const iso = (ms: number) => new Date(ms).toISOString();

describe('the WAF responder', () => {
  it("blocks a finding's CIDR, logs one line per change and a summary, and keeps the description", async () => {
    const r = rig({ v4Addresses: ['192.0.2.0/24'] });
    const event = findingEvent('203.0.113.0/24') as { detail: { id: string } };
    const summary = await r.responder.handle(event);
    expect(r.v4.addresses).toEqual(['192.0.2.0/24', '203.0.113.0/24']);
    expect(r.v4.description).toBe('kept by the responder');
    expect(r.changes()).toEqual([
      {
        action: 'block',
        cidr: '203.0.113.0/24',
        expiresAt: iso(T0 + 3_600_000),
        findingId: event.detail.id,
        ipSet: r.v4.name,
        dryRun: false,
      },
    ]);
    expect(summary.ipSets).toEqual([
      expect.objectContaining({ ipSet: r.v4.name, blocked: 1, read: 1, sent: 2, attempts: 1 }),
      // Nothing of the IPv6 set could have changed: WAF was not asked.
      expect.objectContaining({ ipSet: r.v6.name, checked: false }),
    ]);
    expect(r.summaries()).toEqual([{ message: 'waf responder summary', ...summary }]);
    expect(await stateOf(r.v4)).toEqual({ version: 1, blocks: `203.0.113.0/24 ${T0 + 3_600_000}\n` });
  });

  it('gives exactly the expected IP set history over a sequence of findings and sweeps', async () => {
    const r = rig({ v4Addresses: ['192.0.2.0/24'], v6Addresses: ['2001:db8:ffff::/48'] });
    const at = async (minutes: number, event: object) => {
      r.clock.now = T0 + minutes * MIN;
      await r.responder.handle(event);
    };
    await at(0, findingEvent('203.0.113.0/24')); // A until 60
    await at(10, findingEvent('198.51.100.0/24')); // B until 70
    await at(20, findingEvent('2001:db8:1::/48')); // C until 80
    await at(30, findingEvent('203.0.113.0/24')); // A extended to 90
    await at(61, SWEEP);
    await at(71, SWEEP); // B out
    await at(91, SWEEP); // A and C out
    await at(96, SWEEP);
    expect(historyOf(r.v4)).toEqual([
      ['192.0.2.0/24', '203.0.113.0/24'],
      ['192.0.2.0/24', '203.0.113.0/24', '198.51.100.0/24'],
      ['192.0.2.0/24', '203.0.113.0/24'],
      ['192.0.2.0/24'],
    ]);
    expect(historyOf(r.v6)).toEqual([['2001:db8:ffff::/48', '2001:db8:1::/48'], ['2001:db8:ffff::/48']]);
    expect(r.changes().map((c) => [c.action, c.cidr, c.expiresAt])).toEqual([
      ['block', '203.0.113.0/24', iso(T0 + 60 * MIN)],
      ['block', '198.51.100.0/24', iso(T0 + 70 * MIN)],
      ['block', '2001:db8:1::/48', iso(T0 + 80 * MIN)],
      ['extend', '203.0.113.0/24', iso(T0 + 90 * MIN)],
      ['unblock', '198.51.100.0/24', null],
      ['unblock', '203.0.113.0/24', null],
      ['unblock', '2001:db8:1::/48', null],
    ]);
    // The last sweep dropped the tombstones: nothing managed is left.
    expect((await stateOf(r.v4))?.blocks).toBe('');
    expect((await stateOf(r.v6))?.blocks).toBe('');
  });

  it('re-reads and re-applies when another writer changes the set between its read and its update: both changes survive', async () => {
    const r = rig({ v4Addresses: ['192.0.2.0/24'] });
    waf.beforeUpdate = (set, n) => {
      if (set === r.v4 && !set.addresses.includes('198.51.100.0/24'))
        waf.touch(set, [...set.addresses, '198.51.100.0/24']);
      void n;
    };
    try {
      const summary = await r.responder.handle(findingEvent('203.0.113.0/24'));
      expect(summary.ipSets[0]).toMatchObject({ blocked: 1, attempts: 2 });
    } finally {
      waf.beforeUpdate = () => {};
    }
    expect(r.v4.addresses).toEqual(['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']);
    const updates = waf.calls.filter((c) => c.operation === 'UpdateIPSet' && c.body.Name === r.v4.name);
    expect(updates.map((c) => c.error)).toEqual(['WAFOptimisticLockException', undefined]);
    // The state was written once: the second attempt planned the same blocks.
    expect((await stateOf(r.v4))?.version).toBe(1);
    // One block line, not one per attempt.
    expect(r.changes()).toHaveLength(1);
  });

  it('lets concurrent invocations on one IP set both land (state version and LockToken conflicts retried)', async () => {
    const r = rig();
    const cidrs = ['203.0.113.0/24', '198.51.100.0/24', '203.0.113.9/32', '198.51.100.77/32'];
    await Promise.all(cidrs.map((c) => r.responder.handle(findingEvent(c))));
    expect([...r.v4.addresses].sort()).toEqual([...cidrs].sort());
    const state = await stateOf(r.v4);
    // Each invocation's one successful write, whatever the interleaving.
    expect(state?.version).toBe(cidrs.length);
    expect(
      state?.blocks
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0])
        .sort(),
    ).toEqual([...cidrs].sort());
  });

  it("removes only the blocks it added when they expire, never an operator's address", async () => {
    const operator = ['192.0.2.0/24', '198.51.100.7/32', '45.33.0.0/16'];
    const r = rig({ v4Addresses: operator, v6Addresses: ['2001:DB8:1::/48'] });
    await r.responder.handle(findingEvent('203.0.113.0/24'));
    // A finding for an operator's own range (in another spelling) is left to its owner.
    await r.responder.handle(findingEvent('2001:db8:1::/48'));
    await r.responder.handle(findingEvent('198.51.100.7/32'));
    r.clock.now = T0 + 2 * 3_600_000;
    await r.responder.handle(SWEEP);
    expect(r.v4.addresses).toEqual(operator);
    expect(r.v6.addresses).toEqual(['2001:DB8:1::/48']);
    expect(r.changes().map((c) => [c.action, c.cidr])).toEqual([
      ['block', '203.0.113.0/24'],
      ['refused', '2001:db8:1::/48'],
      ['refused', '198.51.100.7/32'],
      ['unblock', '203.0.113.0/24'],
    ]);
    expect(historyOf(r.v6)).toEqual([]);
  });

  it('changes nothing in a dry run: it reads the IP set, logs what it would do, never updates or writes state', async () => {
    const r = rig({ dryRun: true, v4Addresses: ['192.0.2.0/24'] });
    const before = waf.count('GetIPSet');
    await r.responder.handle(findingEvent('203.0.113.0/24'));
    await r.responder.handle(SWEEP);
    expect(r.v4.addresses).toEqual(['192.0.2.0/24']);
    expect(historyOf(r.v4)).toEqual([]);
    expect(await stateOf(r.v4)).toBeUndefined();
    expect(waf.count('GetIPSet') - before).toBe(3);
    expect(waf.calls.filter((c) => c.operation === 'UpdateIPSet' && c.body.Name === r.v4.name)).toEqual([]);
    expect(r.changes()).toEqual([
      expect.objectContaining({ action: 'block', cidr: '203.0.113.0/24', dryRun: true }),
    ]);
    expect(r.summaries().every((s) => s.dryRun === true)).toBe(true);
  });

  it("refuses new blocks when the IP set holds maxAddresses, operators' addresses counted", async () => {
    const r = rig({ maxAddresses: 3, v4Addresses: ['192.0.2.0/24', '45.33.0.0/16'] });
    await r.responder.handle(findingEvent('203.0.113.0/24'));
    await r.responder.handle(findingEvent('198.51.100.0/24'));
    expect(r.v4.addresses).toEqual(['192.0.2.0/24', '45.33.0.0/16', '203.0.113.0/24']);
    expect(r.changes().at(-1)).toEqual({
      action: 'refused',
      cidr: '198.51.100.0/24',
      expiresAt: null,
      findingId: expect.stringMatching(/^[0-9a-f]{32}$/),
      ipSet: r.v4.name,
      dryRun: false,
      reason: 'the IP set is full: 3 addresses of the 3 allowed',
    });
    expect((await stateOf(r.v4))?.blocks).toBe(`203.0.113.0/24 ${T0 + 3_600_000}\n`);
  });

  it('never sends WAF more than its 10,000 addresses per IP set', async () => {
    const operator = Array.from({ length: 9_999 }, (_, i) => `11.${i >> 8}.${i & 255}.0/24`);
    const r = rig({ maxAddresses: 10_000, v4Addresses: operator });
    await r.responder.handle(findingEvent('203.0.113.0/24'));
    await r.responder.handle(findingEvent('198.51.100.0/24'));
    expect(r.v4.addresses).toHaveLength(10_000);
    expect(r.v4.addresses.at(-1)).toBe('203.0.113.0/24');
    expect(r.changes().map((c) => c.action)).toEqual(['block', 'refused']);
    expect(waf.calls.filter((c) => c.body.Name === r.v4.name && c.error !== undefined)).toEqual([]);
  });

  it("backs off on throttling and WAF's limits answer, then lands", async () => {
    const r = rig();
    const faults = ['ThrottlingException', 'WAFLimitsExceededException'];
    let k = 0;
    waf.plan = (op) => (op === 'UpdateIPSet' && k < 2 ? { type: faults[k++]! } : undefined);
    const updatesBefore = waf.count('UpdateIPSet');
    try {
      await r.responder.handle(findingEvent('203.0.113.0/24'));
    } finally {
      waf.plan = () => undefined;
    }
    expect(r.v4.addresses).toEqual(['203.0.113.0/24']);
    expect(waf.count('UpdateIPSet') - updatesBefore).toBe(3);
    // Full jitter at 0.5 of a doubling cap from 250 ms.
    expect(r.sleeps).toEqual([125, 250]);
  });

  it('fails the invocation when WAF stays throttled, and restores the block on the next one', async () => {
    const r = rig({ retry: { maxAttempts: 3, random: () => 0, sleep: async () => {} } });
    waf.plan = (op) => (op === 'UpdateIPSet' ? { type: 'ThrottlingException' } : undefined);
    try {
      await expect(r.responder.handle(findingEvent('203.0.113.0/24'))).rejects.toThrow(ResponderError);
    } finally {
      waf.plan = () => undefined;
    }
    expect(r.v4.addresses).toEqual([]);
    expect(r.summaries()[0]?.ipSets).toEqual([
      expect.objectContaining({
        ipSet: r.v4.name,
        attempts: 3,
        error: 'gave up after 3 attempts: ThrottlingException (HTTP 400)',
      }),
      expect.objectContaining({ checked: false }),
    ]);
    // No change line for what did not happen.
    expect(r.changes()).toEqual([]);
    // The state knew of the block before WAF did: the next sweep puts it in.
    r.clock.now = T0 + 5 * MIN;
    await r.responder.handle(SWEEP);
    expect(r.v4.addresses).toEqual(['203.0.113.0/24']);
    expect(r.changes()).toEqual([
      expect.objectContaining({
        action: 'block',
        cidr: '203.0.113.0/24',
        expiresAt: iso(T0 + 3_600_000),
        reason: 'restored: managed and unexpired, but missing from the IP set',
      }),
    ]);
  });

  it('backs off on a throttled GetIPSet too, and starts no attempt past the deadline', async () => {
    const r = rig();
    let k = 0;
    waf.plan = (op) => (op === 'GetIPSet' && k++ < 1 ? { type: 'ThrottlingException' } : undefined);
    try {
      await r.responder.handle(findingEvent('203.0.113.0/24'));
      expect(r.v4.addresses).toEqual(['203.0.113.0/24']);
      expect(r.sleeps).toEqual([125]);
      waf.plan = (op) => (op === 'GetIPSet' ? { type: 'ThrottlingException' } : undefined);
      const late = r.responder.handle(findingEvent('198.51.100.0/24'), { deadline: Date.now() - 1 });
      await expect(late).rejects.toThrow(/gave up after 1 attempts: ThrottlingException/);
      expect(r.sleeps).toEqual([125]);
    } finally {
      waf.plan = () => undefined;
    }
  });

  it('does not retry what WAF refuses for good', async () => {
    const r = rig();
    waf.plan = (op) =>
      op === 'UpdateIPSet'
        ? { type: 'WAFInvalidParameterException', message: 'field: IP_ADDRESS' }
        : undefined;
    const before = waf.count('UpdateIPSet');
    try {
      await expect(r.responder.handle(findingEvent('203.0.113.0/24'))).rejects.toThrow(
        /WAFInvalidParameterException/,
      );
    } finally {
      waf.plan = () => undefined;
    }
    expect(waf.count('UpdateIPSet') - before).toBe(1);
  });

  it('refuses a finding of an address version with no IP set, and an IP set of the other version', async () => {
    const v4 = waf.create({ name: `only-v4-${++sets}`, version: 'IPV4' });
    const lines: string[] = [];
    const responder = createResponder({
      wafv2,
      dynamodb,
      tableName: TABLE,
      ipv4SetArn: v4.arn,
      dryRun: false,
      log: (l) => lines.push(l),
      now: () => T0,
    });
    await responder.handle(findingEvent('2001:db8:1::/48'));
    expect(JSON.parse(lines[0]!)).toMatchObject({
      action: 'refused',
      cidr: '2001:db8:1::/48',
      ipSet: null,
      reason: 'no IPv6 IP set is configured (CFRT_WAF_IPV6_SET_ARN)',
    });
    const v6 = waf.create({ name: `really-v6-${++sets}`, version: 'IPV6' });
    const wrong = createResponder({
      wafv2,
      dynamodb,
      tableName: TABLE,
      ipv4SetArn: v6.arn,
      dryRun: false,
      log: () => {},
      now: () => T0,
    });
    await expect(wrong.handle(findingEvent('203.0.113.0/24'))).rejects.toThrow(
      /holds IPv6 addresses but is configured for IPv4/,
    );
  });

  describe('hostile events', () => {
    const hostile: [string, unknown][] = [
      ['null', null],
      ['an array', [findingEvent('203.0.113.0/24')]],
      ['text', 'CloudFront Traffic Finding'],
      ['no detail', { 'detail-type': 'CloudFront Traffic Finding' }],
      [
        'a detail that is text',
        { 'detail-type': 'CloudFront Traffic Finding', detail: '{"kind":"client-flood"}' },
      ],
      ['another kind', findingEvent('203.0.113.0/24', { kind: 'path-flood' })],
      ['an unknown kind', findingEvent('203.0.113.0/24', { kind: 'constructor' })],
      ['a warning', findingEvent('203.0.113.0/24', { severity: 'warning' })],
      ['version 2', findingEvent('203.0.113.0/24', { version: 2 })],
      ['no subject', findingEvent('203.0.113.0/24', { subject: null })],
      ['no CIDR', findingEvent(undefined)],
      ['a CIDR that is a number', findingEvent(3_405_803_776)],
      ['a CIDR that is an object', findingEvent({ toString: () => '203.0.113.0/24' })],
      ['a whole address with a /24', findingEvent('203.0.113.77/24')],
      ['a private range', findingEvent('10.20.0.0/16')],
      ['a continent', findingEvent('2.0.0.0/8')],
      ['all of IPv6', findingEvent('2000::/3')],
      ['an IPv4-mapped range', findingEvent('::ffff:203.0.113.0/120')],
      ['a zone', findingEvent('fe80::1%eth0/128')],
      ['a prefix of /0', findingEvent('0.0.0.0/0')],
      ['a list of CIDRs', findingEvent('203.0.113.0/24,198.51.100.0/24')],
      ['a name', findingEvent('alice@example.com/32')],
      ['a megabyte', findingEvent(`203.0.113.0/24${' '.repeat(1 << 20)}`)],
      [
        'a prototype key',
        JSON.parse(
          '{"detail-type":"CloudFront Traffic Finding","detail":{"__proto__":{"kind":"client-flood"},"version":1,"severity":"critical","subject":{"cidr":"203.0.113.0/24"}}}',
        ),
      ],
    ];

    it.each(hostile)('ignores %s: no throw, no WAF update, nothing personal in the log', async (_, event) => {
      const r = rig();
      const updates = waf.count('UpdateIPSet');
      const summary = await r.responder.handle(event);
      expect(waf.count('UpdateIPSet')).toBe(updates);
      expect(await stateOf(r.v4)).toBeUndefined();
      expect(r.changes()).toEqual([]);
      const log = r.lines.join('\n');
      expect(log).not.toMatch(/alice|203\.0\.113\.77|eth0|198\.51\.100/);
      expect(log.length).toBeLessThan(4_000);
      if (summary.event === 'finding') expect(summary.ignored).toEqual(expect.any(String));
    });

    it("names a refused CIDR only when it is a network, and a finding id only in the contract's form", async () => {
      const r = rig();
      await r.responder.handle(findingEvent('10.20.0.0/16', { id: 'bob@example.com' }));
      await r.responder.handle(findingEvent('203.0.113.77/24'));
      const [first, second] = r.lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.message === 'finding ignored');
      expect(first).toEqual({
        message: 'finding ignored',
        reason: 'its CIDR overlaps 10.0.0.0/8, private (RFC 1918)',
        findingId: null,
        cidr: '10.20.0.0/16',
      });
      expect(second).toEqual({
        message: 'finding ignored',
        reason: 'its CIDR host bits are set: the network is 203.0.113.0/24',
        findingId: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
    });
  });
});
