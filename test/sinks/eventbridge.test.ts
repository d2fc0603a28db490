/**
 * The EventBridge findings sink as a specification, driven with the real
 * `@aws-sdk/client-eventbridge` against a loopback EventBridge (test/helpers/eventbridge-server.ts)
 * that decodes what the SDK sends and checks it as the service documents. Every finding is
 * published once, reported failed with EventBridge's code, or refused before sending; no call
 * passes 10 entries or 256 KB; order within a call is the input's; only transient failures are
 * retried; a retry budget that runs out is an error with the counts.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Finding, FindingKind } from '../../src/detect/types.js';
import { EVENTBRIDGE_MAX_ENTRIES_PER_PUT, EVENTBRIDGE_MAX_PUT_BYTES } from '../../src/sinks/aws-limits.js';
import { SinkConfigError, SinkDeliveryError } from '../../src/sinks/errors.js';
import {
  createEventBridgeSink,
  EventBridgePublishError,
  type EventBridgeSinkOptions,
  findingJson,
  putEventsEntrySize,
} from '../../src/sinks/eventbridge.js';
import {
  type CallFault,
  documentedEntrySize,
  ENTRY_INTERNAL,
  ENTRY_THROTTLED,
  type EntryFault,
  type EventBridgeServer,
  eventBridgeClient,
  INTERNAL,
  type PutEventsPlan,
  type ReceivedEntry,
  SERVICE_MAX_ENTRIES,
  SERVICE_MAX_TOTAL_BYTES_EXCLUSIVE,
  startEventBridge,
  THROTTLING,
} from '../helpers/eventbridge-server.js';

const noWait = { sleep: async () => {}, random: () => 0 };
const DISTRIBUTION = 'arn:aws:cloudfront::123456789012:distribution/E1EXAMPLE';
const DEFAULT_SOURCE = 'cloudfront-realtime-logs';
const DEFAULT_DETAIL_TYPE = 'CloudFront Traffic Finding';

/** A realistic finding: a client flood in the minute `i` after midnight, its id from `i`. */
function finding(i: number, summaryTail = '', kind: FindingKind = 'client-flood'): Finding {
  const start = new Date(Date.UTC(2026, 11, 2, 0, i % 1440));
  const end = new Date(start.getTime() + 60_000);
  return {
    version: 1,
    id: i.toString(16).padStart(32, '0'),
    kind,
    severity: i % 3 === 0 ? 'critical' : 'warning',
    window: { start: start.toISOString(), end: end.toISOString() },
    subject: { type: 'client', value: `203.0.${i % 256}.0`, cidr: `203.0.${i % 256}.0/24` },
    measure: { name: 'requestsPerMinute', value: 1_200 + i, threshold: 1_000, upperBound: 1_250 + i },
    evidence: [{ key: '/login', requests: 900 + i, errors: 12 }],
    summary: `203.0.${i % 256}.0/24 sent ${1_200 + i} requests in one minute${summaryTail}`,
  };
}

/** The finding a received event carries (its detail parsed). */
function detailOf(entry: ReceivedEntry): Finding {
  return JSON.parse(entry.Detail!) as Finding;
}

/** The same value with every object's keys in another order (`seed` picks it), deeply. */
function reorder(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => reorder(v, seed + i));
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value);
  let s = seed >>> 0;
  for (let i = keys.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) >>> 0;
    const j = s % (i + 1);
    [keys[i], keys[j]] = [keys[j]!, keys[i]!];
  }
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = reorder((value as Record<string, unknown>)[k], seed * 31 + k.length);
  return out;
}

function keysSorted(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(keysSorted);
  if (typeof value !== 'object' || value === null) return true;
  const keys = Object.keys(value);
  return keys.every((k, i) => i === 0 || keys[i - 1]! < k) && Object.values(value).every(keysSorted);
}

let bus: EventBridgeServer;
let client: ReturnType<typeof eventBridgeClient>;

beforeAll(async () => {
  bus = await startEventBridge();
  client = eventBridgeClient(bus.endpoint);
});

afterAll(async () => {
  client?.destroy();
  await bus?.close();
});

beforeEach(() => {
  bus.reset();
  bus.plan = () => undefined;
});

function sink(options: Partial<EventBridgeSinkOptions> = {}) {
  return createEventBridgeSink({ client, retry: { ...noWait, maxAttempts: 6 }, ...options });
}

/** How many times the bus received (accepted or not) the entry of each finding id. */
function sendsById(): Map<string, number> {
  const sends = new Map<string, number>();
  for (const call of bus.calls)
    for (const e of call.entries) sends.set(detailOf(e).id, (sends.get(detailOf(e).id) ?? 0) + 1);
  return sends;
}

describe('findingJson', () => {
  const measureArb = fc.record(
    {
      name: fc.constantFrom('requestsPerMinute', 'errorRate', '5xxRate'),
      value: fc.double({ noNaN: true, noDefaultInfinity: true }),
      threshold: fc.double({ noNaN: true, noDefaultInfinity: true }),
      baseline: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
      upperBound: fc.integer(),
    },
    { requiredKeys: ['name', 'value', 'threshold'] },
  );
  const findingArb = fc
    .record({
      i: fc.nat({ max: 100_000 }),
      measure: measureArb,
      summary: fc.string({ unit: 'binary', maxLength: 200 }),
      evidence: fc.array(
        fc.record(
          { key: fc.string({ unit: 'grapheme', maxLength: 30 }), requests: fc.nat(), errors: fc.nat() },
          { requiredKeys: ['key', 'requests'] },
        ),
        { maxLength: 10 },
      ),
    })
    .map(({ i, measure, summary, evidence }) => ({ ...finding(i), measure, summary, evidence }) as Finding);

  it('gives the same bytes for the same finding, whatever order its keys were set in', () => {
    fc.assert(
      fc.property(findingArb, fc.integer(), (f, seed) => {
        const a = findingJson(f);
        const b = findingJson(reorder(f, seed) as Finding);
        expect(a.ok && b.ok).toBe(true);
        if (!a.ok || !b.ok) return;
        expect(b.json).toBe(a.json);
        // The exact oracle: the bytes decode to the finding itself (-0 is written as 0).
        const decoded: unknown = JSON.parse(a.json);
        expect(decoded).toEqual(JSON.parse(JSON.stringify(f)));
        // Compact (what JSON.stringify writes back for it) and sorted at every level.
        expect(JSON.stringify(decoded)).toBe(a.json);
        expect(keysSorted(decoded)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('writes keys sorted and leaves undefined members out', () => {
    const result = findingJson({ b: 1, a: { d: undefined, c: [undefined, 2] } } as unknown as Finding);
    expect(result).toEqual({ ok: true, json: '{"a":{"c":[null,2]},"b":1}' });
  });

  it('refuses what JSON cannot hold faithfully, naming where, without throwing', () => {
    const cyclic = finding(1) as unknown as Record<string, unknown>;
    cyclic.self = cyclic;
    const cases: [unknown, RegExp][] = [
      [
        { ...finding(1), measure: { ...finding(1).measure, value: Number.NaN } },
        /finding\.measure\.value is NaN/,
      ],
      [{ ...finding(1), measure: { ...finding(1).measure, value: -Infinity } }, /-Infinity, not a finite/],
      [{ ...finding(1), extra: 10n }, /finding\.extra is a bigint/],
      [{ ...finding(1), extra: () => 1 }, /finding\.extra is a function/],
      [{ ...finding(1), extra: new Date(0) }, /finding\.extra is not a plain object/],
      [cyclic, /nested deeper than the 1000 levels/],
      [null, /not a finding/],
      ['a string', /not a finding/],
      [[finding(1)], /not a finding/],
    ];
    for (const [value, reason] of cases) {
      const result = findingJson(value as Finding);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.reason).toMatch(reason);
    }
  });
});

describe('putEventsEntrySize', () => {
  it('counts an entry as EventBridge documents it (the server computes it independently)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 60 });
    fc.assert(
      fc.property(
        fc.option(fc.date({ noInvalidDate: true }), { nil: undefined }),
        text,
        text,
        fc.option(text, { nil: undefined }),
        fc.option(fc.array(text, { maxLength: 4 }), { nil: undefined }),
        text,
        (Time, Source, DetailType, Detail, Resources, EventBusName) => {
          const entry = { Time, Source, DetailType, Detail, Resources, EventBusName };
          const received: ReceivedEntry = {
            Source,
            DetailType,
            ...(Detail === undefined ? {} : { Detail }),
            ...(Resources === undefined ? {} : { Resources }),
            ...(Time === undefined ? {} : { Time: Time.getTime() / 1000 }),
            EventBusName,
          };
          expect(putEventsEntrySize(entry)).toBe(documentedEntrySize(received));
        },
      ),
      { numRuns: 300 },
    );
    // Multi-byte characters count their UTF-8 bytes: é 2, € 3, 😀 4.
    expect(putEventsEntrySize({ Time: new Date(0), Source: 'é', DetailType: '€', Detail: '"😀"' })).toBe(
      14 + 2 + 3 + 6,
    );
  });
});

describe('EventBridge sink options', () => {
  const issuesOf = (options: Partial<EventBridgeSinkOptions>) => {
    try {
      createEventBridgeSink({ client, ...options });
    } catch (error) {
      expect(error).toBeInstanceOf(SinkConfigError);
      return (error as SinkConfigError).issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    }
    return [];
  };

  it('accepts the defaults, a bus name or ARN, and ARNs as resources', () => {
    expect(issuesOf({})).toEqual([]);
    expect(
      issuesOf({ eventBusName: 'security-findings', source: 'com.example.cdn', detailType: 'x' }),
    ).toEqual([]);
    expect(
      issuesOf({
        eventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/security',
        resources: [DISTRIBUTION, 'arn:aws-cn:wafv2:cn-north-1:123456789012:regional/ipset/x/1'],
      }),
    ).toEqual([]);
  });

  it('reports every bad option at construction, in the user words, with the value given', () => {
    const issues = issuesOf({
      eventBusName: 'has space',
      source: 'aws.cloudfront',
      detailType: 'x'.repeat(129),
      resources: ['E1EXAMPLE', DISTRIBUTION, 'arn:aws:s3:::'.padEnd(2_049, 'b')],
    });
    expect(issues).toHaveLength(5);
    expect(issues[0]).toMatch(/^eventBusName: must be an event bus name .*; got "has space"$/);
    expect(issues[1]).toMatch(
      /^source: .*not with "aws\." \(reserved for AWS services\); got "aws\.cloudfront"$/,
    );
    expect(issues[2]).toMatch(/^detailType: must be 1-128 characters; got "x{77}\.\.\."$/);
    expect(issues[3]).toMatch(/^resources\.0: must be an ARN/);
    expect(issues[4]).toMatch(/^resources\.2: must be an ARN .* at most 2048 characters/);
  });

  it('refuses empty and ill-typed values', () => {
    // One message per option, however many ways it misses.
    expect(issuesOf({ source: '', detailType: '' }).map((i) => i.split(':')[0])).toEqual([
      'source',
      'detailType',
    ]);
    expect(issuesOf({ source: '-ok', eventBusName: '' }).map((i) => i.split(':')[0])).toEqual([
      'eventBusName',
    ]);
    expect(issuesOf({ source: ' leading space' }).map((i) => i.split(':')[0])).toEqual(['source']);
    expect(
      issuesOf({ resources: 'arn:aws:cloudfront::1:distribution/E1' as unknown as string[] }).map(
        (i) => i.split(':')[0],
      ),
    ).toEqual(['resources']);
  });
});

describe('EventBridge sink against a loopback EventBridge', () => {
  it('publishes each finding as one event: source, detail type, bus, resources, window end as time', async () => {
    const findings = Array.from({ length: 23 }, (_, i) => finding(i));
    const result = await sink({ eventBusName: 'security', resources: [DISTRIBUTION] }).publish(findings);
    expect(result).toEqual({ published: 23, calls: 3, retried: 0, failed: [], refused: [] });
    expect(bus.calls.map((c) => c.entries.length)).toEqual([10, 10, 3]);
    expect(bus.calls.every((c) => c.region === 'us-east-1')).toBe(true);
    expect(bus.accepted).toHaveLength(23);
    for (const event of bus.accepted) {
      const f = findings[Number.parseInt(detailOf(event.entry).id, 16)]!;
      expect(event.entry).toEqual({
        Source: DEFAULT_SOURCE,
        DetailType: DEFAULT_DETAIL_TYPE,
        EventBusName: 'security',
        Resources: [DISTRIBUTION],
        Detail: (findingJson(f) as { json: string }).json,
        Time: Date.parse(f.window.end) / 1000,
      });
    }
  });

  it('keeps the input order within a call, and sends nothing for no findings', async () => {
    const findings = Array.from({ length: 10 }, (_, i) => finding(9 - i));
    await sink({ concurrency: 1 }).publish(findings);
    expect(bus.calls).toHaveLength(1);
    expect(bus.accepted.map((e) => detailOf(e.entry).id)).toEqual(findings.map((f) => f.id));
    expect(bus.accepted.map((e) => e.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

    bus.reset();
    expect(await sink().publish([])).toEqual({ published: 0, calls: 0, retried: 0, failed: [], refused: [] });
    expect(bus.calls).toEqual([]);
  });

  it('publishes one finding alone, leaving Resources out when none are configured', async () => {
    const result = await sink().publish([finding(7)]);
    expect(result.published).toBe(1);
    expect(bus.accepted[0]!.entry).not.toHaveProperty('Resources');
    expect(bus.accepted[0]!.entry.EventBusName).toBe('default');
  });

  it('retries only the entries EventBridge failed for a transient reason, until each landed once', async () => {
    const findings = Array.from({ length: 25 }, (_, i) => finding(i));
    bus.plan = (n) =>
      n <= 3
        ? {
            failEntry: (_e, position) =>
              position % 3 === 0 ? ENTRY_THROTTLED : position % 3 === 1 ? ENTRY_INTERNAL : undefined,
          }
        : undefined;
    const result = await sink({ concurrency: 1 }).publish(findings);
    expect(result.failed).toEqual([]);
    expect(result.published).toBe(25);
    // First round: calls 1-3 (10, 10, 5) fail positions 0,1,3,4,6,7,9 / ... ; later rounds land.
    const firstRound = bus.calls.slice(0, 3);
    const failedFirst = firstRound.reduce(
      (sum, c) => sum + c.entries.filter((_e, p) => p % 3 !== 2).length,
      0,
    );
    expect(result.retried).toBe(failedFirst);
    // The second round sent exactly the failed ones, in input order.
    const resent = bus.calls.slice(3).flatMap((c) => c.entries.map((e) => detailOf(e).id));
    const expected = firstRound.flatMap((c) =>
      c.entries.filter((_e, p) => p % 3 !== 2).map((e) => detailOf(e).id),
    );
    expect(resent).toEqual(expected);
    expect(result.calls).toBe(bus.calls.length);
    const delivered = bus.accepted.map((e) => detailOf(e.entry).id).sort();
    expect(delivered).toEqual(findings.map((f) => f.id).sort());
  });

  it('retries throttled and failing calls as a whole', async () => {
    const findings = Array.from({ length: 12 }, (_, i) => finding(i));
    const faults: CallFault[] = [THROTTLING, INTERNAL, { status: 503, code: 'ServiceUnavailable' }];
    bus.plan = (n) => faults[n - 1];
    const result = await sink({ concurrency: 1 }).publish(findings);
    expect(result.published).toBe(12);
    expect(result.failed).toEqual([]);
    expect(bus.calls.map((c) => c.answer)).toEqual([
      'ThrottlingException',
      'InternalException',
      'ServiceUnavailable',
      'accepted',
      'accepted',
    ]);
    expect(result.calls).toBe(5);
    // Round 2 resent all 12 (calls 3 and 4), round 3 the 10 of call 3.
    expect(result.retried).toBe(12 + 10);
    expect(bus.accepted).toHaveLength(12);
  });

  it('reports entries EventBridge refuses for good with its code and message, sent once, never retried', async () => {
    const findings = Array.from({ length: 6 }, (_, i) => finding(i));
    const permanent: Record<number, EntryFault> = {
      1: { code: 'AccessDeniedException', message: 'Not authorized to put events on this bus.' },
      4: { code: 'NotAuthorizedForDetailTypeException', message: 'Not authorized for the detail type.' },
      5: { code: 'SomeFutureCode', message: 'Undocumented.' },
    };
    bus.plan = () => ({ failEntry: (e) => permanent[Number.parseInt(detailOf(e).id, 16)] });
    const result = await sink().publish(findings);
    expect(result.published).toBe(3);
    expect(result.failed).toEqual([
      { index: 1, id: findings[1]!.id, ...permanent[1] },
      { index: 4, id: findings[4]!.id, ...permanent[4] },
      { index: 5, id: findings[5]!.id, ...permanent[5] },
    ]);
    expect(result.calls).toBe(1);
    expect(result.retried).toBe(0);
    expect([...sendsById().values()]).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('lets the bus fail a malformed detail or a reserved source per entry, as the service does', async () => {
    // Findings are always JSON objects; this drives the server's own checks through the real client.
    const { PutEventsCommand } = await import('@aws-sdk/client-eventbridge');
    const out = await client.send(
      new PutEventsCommand({
        Entries: [
          { Source: 's', DetailType: 'd', Detail: '[1]' },
          { Source: 'aws.s3', DetailType: 'd', Detail: '{}' },
          { Source: 's', DetailType: 'd' },
          { Source: 's', DetailType: 'd', Detail: '{"ok":true}' },
        ],
      }),
    );
    expect(out.FailedEntryCount).toBe(3);
    expect(out.Entries?.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'MalformedDetail',
      'NotAuthorizedForSourceException',
      'InvalidArgument',
      'ok',
    ]);
    await expect(
      client.send(
        new PutEventsCommand({
          Entries: Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' })),
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('rejects with the counts when findings are still throttled after the retries, keeping the result', async () => {
    const findings = Array.from({ length: 14 }, (_, i) => finding(i));
    // The first call lands; every later one is throttled.
    bus.plan = (n) => (n === 1 ? undefined : THROTTLING);
    const error = await sink({ concurrency: 1, retry: { ...noWait, maxAttempts: 3 } })
      .publish(findings)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(EventBridgePublishError);
    expect(error).toBeInstanceOf(SinkDeliveryError);
    const e = error as EventBridgePublishError;
    expect(e.message).toMatch(
      /^EventBridge: 10 of 14 findings published, 4 not \(4 still failing after 3 attempts: ThrottlingException/,
    );
    expect(e.message).toMatch(/publishing again is safe/);
    expect({ sink: e.sink, delivered: e.delivered, undelivered: e.undelivered }).toEqual({
      sink: 'eventbridge',
      delivered: 10,
      undelivered: 4,
    });
    expect(e.result.failed.map((f) => [f.index, f.code, f.message])).toEqual(
      [10, 11, 12, 13].map((i) => [i, 'ThrottlingException', 'Rate exceeded']),
    );
    expect(e.result.calls).toBe(4);
    expect(e.result.retried).toBe(8);
    expect(bus.accepted).toHaveLength(10);
  });

  it('stops at the deadline: no retry starts after it', async () => {
    bus.plan = () => ({ failEntry: () => ENTRY_INTERNAL });
    const error = await sink()
      .publish([finding(1), finding(2)], { deadline: Date.now() - 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventBridgePublishError);
    expect((error as EventBridgePublishError).result).toMatchObject({ published: 0, calls: 1, retried: 0 });
    expect((error as EventBridgePublishError).result.failed.map((f) => f.code)).toEqual([
      'InternalFailure',
      'InternalFailure',
    ]);
  });

  it('reports a whole call refused for good (access denied) per finding, without retrying it', async () => {
    bus.plan = () => ({ status: 400, code: 'AccessDeniedException', message: 'User is not authorized.' });
    const result = await sink().publish([finding(1), finding(2)]);
    expect(result).toEqual({
      published: 0,
      calls: 1,
      retried: 0,
      refused: [],
      failed: [1, 2].map((i, index) => ({
        index,
        id: finding(i).id,
        code: 'AccessDeniedException',
        message: 'User is not authorized.',
      })),
    });
  });

  it('resolves (does not reject) when the only failures are permanent', async () => {
    bus.plan = () => ({ failEntry: () => ({ code: 'InvalidAccountIdException', message: 'Bad account.' }) });
    const result = await sink().publish([finding(1)]);
    expect(result).toMatchObject({ published: 0, failed: [{ index: 0, code: 'InvalidAccountIdException' }] });
  });

  it('sends an entry of exactly the limit, refuses one byte more before sending, never retried', async () => {
    const base = finding(1);
    const sizeOf = (f: Finding) =>
      putEventsEntrySize({
        Time: new Date(0),
        Source: DEFAULT_SOURCE,
        DetailType: DEFAULT_DETAIL_TYPE,
        Detail: (findingJson(f) as { json: string }).json,
        Resources: [DISTRIBUTION],
      });
    const room = EVENTBRIDGE_MAX_PUT_BYTES - sizeOf(base);
    // '€' is 3 bytes: fill with it, then ASCII to land on the exact byte.
    // Findings 1, 2 and 5 differ only in digits of the same width (severity follows i % 3).
    const exact = finding(2, '€'.repeat(Math.floor(room / 3)) + 'x'.repeat(room % 3));
    const over = finding(5, '€'.repeat(Math.floor(room / 3)) + 'x'.repeat((room % 3) + 1));
    expect(sizeOf(exact)).toBe(EVENTBRIDGE_MAX_PUT_BYTES);
    expect(sizeOf(over)).toBe(EVENTBRIDGE_MAX_PUT_BYTES + 1);
    const result = await sink({ resources: [DISTRIBUTION], concurrency: 1 }).publish([
      base,
      exact,
      over,
      finding(4),
    ]);
    expect(result.refused).toEqual([
      {
        index: 2,
        id: over.id,
        reason: `event of ${EVENTBRIDGE_MAX_PUT_BYTES + 1} bytes (as EventBridge counts PutEvents entries) exceeds the limit of ${EVENTBRIDGE_MAX_PUT_BYTES} bytes`,
      },
    ]);
    expect(result.published).toBe(3);
    // The exact-limit entry went alone: it fills a call.
    expect(bus.calls.map((c) => c.entries.map((e) => detailOf(e).id))).toEqual([
      [base.id],
      [exact.id],
      [finding(4).id],
    ]);
    expect(bus.calls.map((c) => c.bytes).every((b) => b < SERVICE_MAX_TOTAL_BYTES_EXCLUSIVE)).toBe(true);
    expect(sendsById().has(over.id)).toBe(false);
  });

  it('refuses hostile findings with a reason and publishes the rest; nothing throws', async () => {
    const cyclic = { ...finding(5) } as unknown as Record<string, unknown>;
    cyclic.loop = cyclic;
    const hostile = [
      finding(0),
      { ...finding(1), measure: { ...finding(1).measure, value: Number.POSITIVE_INFINITY } },
      { ...finding(2), window: { start: 'x', end: 'not a time' } },
      { ...finding(3), window: undefined },
      null,
      cyclic,
      { ...finding(6), id: 42 },
      finding(7),
    ] as unknown as Finding[];
    const result = await sink().publish(hostile);
    expect(result.published).toBe(3);
    expect(result.refused.map((r) => [r.index, r.id, r.reason])).toEqual([
      [1, finding(1).id, 'finding.measure.value is Infinity, not a finite number'],
      [2, finding(2).id, 'window.end is not an ISO 8601 time'],
      [3, finding(3).id, 'window.end is missing: the event time is the end of the window'],
      [4, '', 'not a finding: the event detail must be a JSON object'],
      [5, finding(5).id, 'nested deeper than the 1000 levels EventBridge reads'],
    ]);
    // A finding whose id is not a string is still published: the id is the detector's contract.
    expect(result.failed).toEqual([]);
    expect(bus.accepted.map((e) => detailOf(e.entry).id)).toEqual([finding(0).id, 42, finding(7).id]);
  });
});

describe('EventBridge sink: properties against the loopback bus', () => {
  const unit = fc.constantFrom('a', 'é', '€', '😀', '\u2028', '"', '\\');
  /** Summaries from empty to past the per-entry limit (😀 x 70,000 is 280,000 bytes). */
  const tailArb = fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit, maxLength: 40 }) },
    {
      weight: 2,
      arbitrary: fc
        .record({ u: unit, n: fc.integer({ min: 1_000, max: 70_000 }) })
        .map(({ u, n }) => u.repeat(n)),
    },
  );
  type Answer = 'ok' | 'throttled' | 'internal' | 'denied' | 'malformed';
  const callAnswerArb = fc.oneof(
    fc.constantFrom<CallFault | 'none'>('none', THROTTLING, INTERNAL),
    fc.array(fc.constantFrom<Answer>('ok', 'ok', 'throttled', 'internal', 'denied', 'malformed'), {
      minLength: 1,
      maxLength: 10,
    }),
  );
  const PERMANENT: Partial<Record<Answer, EntryFault>> = {
    denied: { code: 'AccessDeniedException', message: 'Access denied.' },
    malformed: { code: 'MalformedDetail', message: 'Detail is malformed.' },
  };
  const TRANSIENT: Partial<Record<Answer, EntryFault>> = {
    throttled: ENTRY_THROTTLED,
    internal: ENTRY_INTERNAL,
  };

  it('within the limits, in order, every finding delivered once, failed for good, or refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tailArb, { maxLength: 24, size: 'max' }),
        fc.array(callAnswerArb, { maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        async (tails, answers, concurrency) => {
          bus.reset();
          const findings = tails.map((t, i) => finding(i, t));
          // Faults only on the first calls: a plan that eventually lets everything through.
          // `told` keeps, per finding id, what the bus answered its entry each time.
          const told = new Map<string, ('ok' | 'transient' | 'permanent')[]>();
          const tell = (id: string, answer: 'ok' | 'transient' | 'permanent') =>
            told.set(id, [...(told.get(id) ?? []), answer]);
          const plan: PutEventsPlan = (n, entries) => {
            const a = answers[n - 1];
            if (a !== undefined && a !== 'none' && !Array.isArray(a)) {
              for (const e of entries) tell(detailOf(e).id, 'transient');
              return a;
            }
            return {
              failEntry: (e, p) => {
                const answer: Answer = Array.isArray(a) ? a[p % a.length]! : 'ok';
                const fault = TRANSIENT[answer] ?? PERMANENT[answer];
                tell(
                  detailOf(e).id,
                  fault === undefined ? 'ok' : answer in TRANSIENT ? 'transient' : 'permanent',
                );
                return fault;
              },
            };
          };
          bus.plan = plan;
          const result = await sink({
            concurrency,
            retry: { ...noWait, maxAttempts: answers.length + 2 },
          }).publish(findings);

          // Limits: every call the bus saw was within them, and none was refused for them.
          for (const call of bus.calls) {
            expect(call.entries.length).toBeLessThanOrEqual(SERVICE_MAX_ENTRIES);
            expect(call.bytes).toBeLessThan(SERVICE_MAX_TOTAL_BYTES_EXCLUSIVE);
            expect(call.answer).not.toBe('ValidationException');
            // Order within a call: the input's.
            const indices = call.entries.map((e) => Number.parseInt(detailOf(e).id, 16));
            expect(indices).toEqual([...indices].sort((a, b) => a - b));
          }
          expect(result.calls).toBe(bus.calls.length);

          // Refused: exactly the findings over the limit, never sent.
          const sizes = findings.map((f) =>
            putEventsEntrySize({
              Time: new Date(0),
              Source: DEFAULT_SOURCE,
              DetailType: DEFAULT_DETAIL_TYPE,
              Detail: (findingJson(f) as { json: string }).json,
            }),
          );
          const tooLarge = findings.flatMap((f, i) => (sizes[i]! > EVENTBRIDGE_MAX_PUT_BYTES ? [f.id] : []));
          expect(result.refused.map((r) => r.id)).toEqual(tooLarge);
          const sends = sendsById();
          for (const id of tooLarge) expect(sends.has(id)).toBe(false);

          // Delivered exactly once each; failed only for permanent codes.
          const delivered = bus.accepted.map((e) => detailOf(e.entry).id);
          expect(new Set(delivered).size).toBe(delivered.length);
          for (const f of result.failed)
            expect(['AccessDeniedException', 'MalformedDetail']).toContain(f.code);
          // Only transient answers were followed by another send: each finding's answers are
          // transient ones, then one final ok or permanent, and it was sent once per answer.
          for (const [id, answersGiven] of told) {
            expect(answersGiven.slice(0, -1).every((x) => x === 'transient')).toBe(true);
            expect(answersGiven.at(-1)).not.toBe('transient');
            expect(sends.get(id)).toBe(answersGiven.length);
          }
          const union = [...delivered, ...result.failed.map((f) => f.id), ...result.refused.map((r) => r.id)];
          expect(union.sort()).toEqual(findings.map((f) => f.id).sort());
          expect(result.published).toBe(delivered.length);

          // Retried: every send after a finding's first.
          let resends = 0;
          for (const n of sends.values()) resends += n - 1;
          expect(result.retried).toBe(resends);

          // What was delivered is each finding's canonical bytes, timed at its window's end.
          for (const e of bus.accepted) {
            const f = findings[Number.parseInt(detailOf(e.entry).id, 16)]!;
            expect(e.entry.Detail).toBe((findingJson(f) as { json: string }).json);
            expect(e.entry.Time).toBe(Date.parse(f.window.end) / 1000);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('never exceeds the limits while packing: full calls of 10 small entries, splits by bytes for large', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 120_000 }), { minLength: 1, maxLength: 30 }),
        async (pads) => {
          bus.reset();
          const findings = pads.map((n, i) => finding(i, 'x'.repeat(n)));
          const result = await sink({ concurrency: 1 }).publish(findings);
          expect(result.published).toBe(findings.length);
          // Greedy in order: a call closes only when the next entry would not fit.
          const sizes = bus.calls.flatMap((c) => c.entries.map(documentedEntrySize));
          let k = 0;
          for (let c = 0; c < bus.calls.length; c++) {
            const call = bus.calls[c]!;
            k += call.entries.length;
            if (c === bus.calls.length - 1) break;
            const next = sizes[k]!;
            expect(
              call.entries.length === EVENTBRIDGE_MAX_ENTRIES_PER_PUT ||
                call.bytes + next > EVENTBRIDGE_MAX_PUT_BYTES,
            ).toBe(true);
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
