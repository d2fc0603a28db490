import { describe, expect, it } from 'vitest';
import { type GeneratedLine, generateLines } from '../../fixtures/generator.js';
import { summarize, type WindowCell, type WindowSummary } from '../../src/aggregate/index.js';
import { HandlerConfigError } from '../../src/handler/config.js';
import { createHandler, type HandlerConfig, type InvocationLog } from '../../src/handler/create-handler.js';
import type { QuarantinedLine } from '../../src/handler/quarantine.js';
import { createEmfSink } from '../../src/sinks/emf.js';
import { createMemorySink } from '../../src/sinks/memory.js';
import { retryPending } from '../../src/sinks/retry.js';
import type { SinkResult, WriteOptions } from '../../src/sinks/types.js';
import { FIRST_SEQUENCE, kinesisEvent, lambdaContext } from '../helpers/events.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'time-to-first-byte',
  'sc-status',
  'sc-bytes',
  'cs-uri-stem',
  'x-edge-location',
  'x-edge-request-id',
  'time-taken',
  'cs-user-agent',
  'cs-cookie',
  'x-edge-result-type',
  'c-country',
] as const;
const START = Date.UTC(2025, 2, 1, 12, 0, 0);
// The generator costs about a millisecond a line: generate once.
const LINES: readonly GeneratedLine[] = generateLines({
  fields: FIELDS,
  count: 1_500,
  seed: 11,
  startMs: START,
  malformedRate: 0.03,
});
const VALID = LINES.filter((g) => g.expected !== null);
const MALFORMED = LINES.filter((g) => g.expected === null);

function setup(overrides: Partial<HandlerConfig> = {}) {
  const metricCells = createMemorySink<WindowCell>({ name: 'metrics' });
  // What the metric sinks were given, read through the summary contract.
  const metrics = {
    get items(): WindowSummary[] {
      return metricCells.items.map((c) => summarize(c));
    },
  };
  const state = createMemorySink<WindowCell>({ name: 'state' });
  const records = createMemorySink<Record<string, unknown>>({ name: 'records' });
  const quarantine = createMemorySink<QuarantinedLine>({ name: 'quarantine' });
  const logs: string[] = [];
  const handler = createHandler({
    fields: [...FIELDS],
    sinks: [],
    metricSinks: [metricCells],
    stateSinks: [state],
    recordSinks: [records],
    quarantineSink: quarantine,
    log: (line) => logs.push(line),
    ...overrides,
  });
  const lastLog = () => JSON.parse(logs.at(-1)!) as InvocationLog;
  return { handler, metrics, state, records, quarantine, logs, lastLog };
}

function total(summaries: readonly WindowSummary[], pick: (s: WindowSummary) => number): number {
  return summaries.reduce((a, s) => a + pick(s), 0);
}

describe('createHandler with in-memory sinks', () => {
  it('counts a record whose window closed before it arrived in that window, and logs it as late', async () => {
    const { handler, metrics, state, lastLog } = setup({ allowedLatenessSeconds: 0 });
    // Newest first: each line after the first belongs to a window the first one closed.
    const lines = [...VALID].sort(
      (a, b) => (b.expected!.timestamp as number) - (a.expected!.timestamp as number),
    );
    await handler(kinesisEvent(lines.map((g) => g.line)), lambdaContext());
    const streamWide = (s: { dimensions: Readonly<Record<string, string>> }) =>
      Object.keys(s.dimensions).length === 0;
    const expectedByWindow = new Map<number, number>();
    for (const g of VALID) {
      const start = Math.floor((g.expected!.timestamp as number) / 60_000) * 60_000;
      expectedByWindow.set(start, (expectedByWindow.get(start) ?? 0) + 1);
    }
    const requestsByWindow = new Map<number, number>();
    for (const s of metrics.items.filter(streamWide)) {
      requestsByWindow.set(s.start, (requestsByWindow.get(s.start) ?? 0) + s.requests);
    }
    expect(requestsByWindow).toEqual(expectedByWindow);
    expect(
      state.items
        .filter(streamWide)
        .map((c) => c.start)
        .sort(),
    ).toEqual([...expectedByWindow.keys()].sort());
    const log = lastLog();
    expect(log.late).toBeGreaterThan(0);
    expect(log.late).toBeLessThan(VALID.length);
  });

  it('files a malformed line under its window only when its timestamp is valid ("0x1F" is not 31 s)', async () => {
    const { handler, state } = setup({
      metricSinks: [],
      recordSinks: [],
      quarantineSink: undefined,
      quarantine: 'none',
    });
    const good = VALID[0]!.line.split('\t');
    const hex = ['0x1F', ...good.slice(1, -1), 'bad'].join('\t');
    await handler(kinesisEvent([VALID[0]!.line, hex]), lambdaContext());
    expect(state.items.map((c) => c.start)).toEqual([
      Math.floor((VALID[0]!.expected!.timestamp as number) / 60_000) * 60_000,
    ]);
  });

  it('counts every valid line exactly and quarantines each malformed one with its reason', async () => {
    const { handler, metrics, state, quarantine, lastLog } = setup();
    const event = kinesisEvent(LINES.map((g) => g.line));
    const response = await handler(event, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(total(metrics.items, (s) => s.requests)).toBe(VALID.length);
    expect(total(metrics.items, (s) => s.bytesOut)).toBe(
      VALID.reduce((a, g) => a + ((g.expected!['sc-bytes'] as number | null) ?? 0), 0),
    );
    expect(total(metrics.items, (s) => s.malformed)).toBeLessThanOrEqual(MALFORMED.length);
    // One state cell and one summary per window (stream-wide only), in the same order.
    expect(state.items.map((c) => c.start)).toEqual(metrics.items.map((s) => s.start));
    expect(quarantine.items.map((q) => q.line)).toEqual(MALFORMED.map((g) => g.line));
    for (const [i, q] of quarantine.items.entries()) {
      const g = MALFORMED[i]!;
      expect(q.field).toBe(g.malformedField ?? null);
      expect(q.reason.length).toBeGreaterThan(0);
      expect(q.shardId).toBe('shardId-000000000000');
      const record = event.Records.find((r) => r.kinesis.sequenceNumber === q.sequenceNumber)!;
      expect(Buffer.from(record.kinesis.data, 'base64').toString()).toBe(`${g.line}\n`);
    }
    const log = lastLog();
    expect(log).toMatchObject({
      level: 'WARN',
      records: LINES.length,
      lines: LINES.length,
      parsed: VALID.length,
      malformed: MALFORMED.length,
      retryFrom: null,
      windows: state.items.length,
      shardId: 'shardId-000000000000',
      requestId: 'req-test',
    });
    expect(log.sinks.map((s) => [s.sink, s.kind, s.failed])).toEqual([
      ['state', 'state', 0],
      ['records', 'records', 0],
      ['quarantine', 'quarantine', 0],
      ['metrics', 'metrics', 0],
    ]);
    expect(log.iteratorAgeMs).toBeGreaterThan(0);
  });

  it('writes privacy-protected records and never logs client data', async () => {
    const { handler, records, logs } = setup();
    await handler(kinesisEvent(LINES.map((g) => g.line)), lambdaContext());
    expect(records.items).toHaveLength(VALID.length);
    const rawIps = new Set(VALID.map((g) => g.expected!['c-ip'] as string));
    for (const r of records.items) {
      expect(rawIps.has(r['c-ip'] as string)).toBe(false);
      expect(r['cs-cookie']).toBeNull();
      expect(r).toHaveProperty('statusClass');
    }
    const logText = logs.join('\n');
    for (const ip of [...rawIps].slice(0, 200)) expect(logText).not.toContain(ip);
    expect(logText).not.toContain(VALID[0]!.expected!['x-edge-request-id'] as string);
  });

  it('reads several lines per Kinesis record and skips blank ones', async () => {
    const { handler, metrics, lastLog } = setup();
    const event = kinesisEvent(
      VALID.slice(0, 300).map((g) => g.line),
      { linesPerRecord: 3 },
    );
    await handler(event, lambdaContext());
    expect(event.Records).toHaveLength(100);
    expect(total(metrics.items, (s) => s.requests)).toBe(300);
    expect(lastLog()).toMatchObject({ records: 100, lines: 300, parsed: 300, malformed: 0, level: 'INFO' });
  });

  it('a record sink failure retries from the first record whose output did not land; metrics cover only the records before it', async () => {
    const failAt = 700;
    const target = VALID[failAt]!.expected!['x-edge-request-id'];
    const { handler, metrics } = setup({
      stateSinks: [],
      recordSinks: [
        createMemorySink<Record<string, unknown>>({
          name: 'records',
          reject: (r) => (r['x-edge-request-id'] === target ? 'throttled' : undefined),
        }),
      ],
    });
    const event = kinesisEvent(VALID.map((g) => g.line));
    const response = await handler(event, lambdaContext());
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: (FIRST_SEQUENCE + BigInt(failAt)).toString() },
    ]);
    expect(total(metrics.items, (s) => s.requests)).toBe(failAt);
  });

  it('with a state sink, any failure retries the whole batch (its items are keyed by the first record) and skips metrics', async () => {
    const { handler, metrics, lastLog } = setup({
      recordSinks: [
        createMemorySink({ name: 'records', reject: (_r, i) => (i === 5 ? 'throttled' : undefined) }),
      ],
    });
    const event = kinesisEvent(VALID.slice(0, 50).map((g) => g.line));
    const response = await handler(event, lambdaContext());
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: event.Records[0]!.kinesis.sequenceNumber },
    ]);
    expect(metrics.items).toEqual([]);
    expect(lastLog()).toMatchObject({ level: 'ERROR', retryFrom: 0 });
    expect(lastLog().sinks.find((s) => s.kind === 'metrics')?.skipped).toBeDefined();

    const stateFails = setup({
      stateSinks: [createMemorySink<WindowCell>({ reject: () => 'InternalFailure' })],
    });
    const r2 = await stateFails.handler(event, lambdaContext());
    expect(r2.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]!.kinesis.sequenceNumber }]);
    expect(stateFails.records.items).toEqual([]);
  });

  it('a permanent failure (data no service will take) is logged as dropped and does not block the shard', async () => {
    const { handler, lastLog } = setup({
      metricSinks: [
        {
          name: 'picky',
          write: async (batch) => ({
            sink: 'picky',
            written: batch.length - 1,
            failed: [{ index: 0, reason: 'too old', retryable: false, permanent: true }],
          }),
        },
      ],
    });
    const response = await handler(kinesisEvent(VALID.slice(0, 20).map((g) => g.line)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(lastLog().sinks.find((s) => s.sink === 'picky')).toMatchObject({
      dropped: 1,
      failed: 0,
      error: 'too old',
    });
  });

  it('checks fixed metric dimensions plus the largest dimension set against the 30-dimension limit at construction', () => {
    const fixed = Object.fromEntries(Array.from({ length: 28 }, (_, i) => [`D${i}`, 'x']));
    const emf = createEmfSink({ dimensions: fixed, output: () => {} });
    const config = { fields: [...FIELDS], sinks: [] as const, metricSinks: [emf] };
    expect(() => createHandler({ ...config, dimensions: [[], ['country', 'statusClass']] })).not.toThrow();
    let error: unknown;
    try {
      createHandler({ ...config, dimensions: [[], ['country', 'statusClass', 'cacheClass']] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HandlerConfigError);
    expect((error as HandlerConfigError).problems).toEqual([
      'metricSinks "emf": with dimensions (CFRT_DIMENSIONS): 28 fixed dimensions plus the dimension set country,statusClass,cacheClass make 31 per metric; CloudWatch accepts at most 30',
    ]);
  });

  it('a sink that throws fails the batch instead of being swallowed', async () => {
    const { handler, lastLog } = setup({
      metricSinks: [
        {
          name: 'buggy',
          write: async () => {
            throw new TypeError('boom');
          },
        },
      ],
    });
    const event = kinesisEvent(VALID.slice(0, 5).map((g) => g.line));
    const response = await handler(event, lambdaContext());
    expect(response.batchItemFailures).toHaveLength(1);
    expect(lastLog().sinks.find((s) => s.sink === 'buggy')?.error).toBe('threw: boom');
  });

  it('bounds sink retries by the time Lambda has left, minus a safety margin', async () => {
    let clock = 1_000_000;
    const now = () => clock;
    const seen: (number | undefined)[] = [];
    let attempts = 0;
    const { handler } = setup({
      now,
      metricSinks: [
        {
          name: 'throttled',
          async write(batch, options?: WriteOptions): Promise<SinkResult> {
            seen.push(options?.deadline);
            const outcome = await retryPending(
              batch,
              async (pending) => {
                attempts++;
                return pending.map((_, position) => ({ position, reason: 'Throttling', retryable: true }));
              },
              {
                maxAttempts: 1_000,
                random: () => 1,
                now,
                sleep: async (ms) => {
                  clock += ms;
                },
              },
              options,
            );
            return { sink: 'throttled', written: 0, failed: outcome.failed };
          },
        },
      ],
    });
    const event = kinesisEvent(VALID.slice(0, 10).map((g) => g.line));
    const response = await handler(event, lambdaContext(10_000));
    // 10 s left, 10% (1 s) kept back: give up before 1,000,000 + 9,000.
    expect(seen).toEqual([1_009_000]);
    expect(clock).toBeLessThan(1_009_000);
    expect(attempts).toBeLessThan(20);
    expect(response.batchItemFailures).toHaveLength(1);
  });

  it('runs without a Lambda context (local use)', async () => {
    const { handler, metrics } = setup();
    expect(await handler(kinesisEvent(VALID.slice(0, 3).map((g) => g.line)))).toEqual({
      batchItemFailures: [],
    });
    expect(total(metrics.items, (s) => s.requests)).toBe(3);
  });

  it('handles an empty event and a batch of only poison records without failing', async () => {
    const { handler, quarantine } = setup();
    expect(await handler({ Records: [] }, lambdaContext())).toEqual({ batchItemFailures: [] });
    const poison = kinesisEvent(['garbage', '1740830400.000\tnot-an-ip-but-text\tabc', '\u0000\u0001']);
    expect(await handler(poison, lambdaContext())).toEqual({ batchItemFailures: [] });
    expect(quarantine.items).toHaveLength(3);
    expect(quarantine.items.every((q) => q.reason.length > 0)).toBe(true);
  });

  it('the same event twice gives the same state cells (idempotent keys)', async () => {
    const { handler, state } = setup();
    const event = kinesisEvent(LINES.slice(0, 400).map((g) => g.line));
    await handler(event, lambdaContext());
    const first = state.items.map((c) => c.key);
    state.clear();
    await handler(event, lambdaContext());
    expect(state.items.map((c) => c.key)).toEqual(first);
  });

  it('fails at construction with every configuration problem', () => {
    let caught: unknown;
    try {
      createHandler({ fields: 'timestamp,c-ipp', sinks: ['cloudwatch', 'dynamodb'], tableName: 'tbl' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(HandlerConfigError);
    const text = (caught as HandlerConfigError).problems.join('\n');
    expect(text).toMatch(/clients.cloudwatch: is required with the cloudwatch sink/);
    expect(text).toMatch(/clients.dynamodb: is required with the dynamodb sink/);
    expect(text).toMatch(/fields: .*c-ipp/);
    expect(() =>
      createHandler({
        fields: 'timestamp',
        sinks: ['dynamodb'],
        tableName: 'tbl',
        hmacKey: 'k'.repeat(32),
        clients: { dynamodb: { send: async () => ({}) } as never },
        aggregator: { topK: 500 },
      }),
    ).toThrow(/aggregator.topK: must be at most 200 with the dynamodb sink/);
  });
});
