/**
 * Whatever Lambda (or a test invoke, or a mis-wired trigger) passes, the handler answers with a
 * result or a KinesisEventError, never a TypeError: an event that is not a Kinesis event at all
 * is refused by name (expected and got, by type and shape, never quoting the event), and a batch
 * with one unreadable record quarantines that record and counts the rest.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import type { WindowCell } from '../../src/aggregate/index.js';
import { createHandler, type HandlerConfig, type InvocationLog } from '../../src/handler/create-handler.js';
import { KinesisEventError, type KinesisStreamEvent } from '../../src/handler/kinesis-event.js';
import type { QuarantinedLine } from '../../src/handler/quarantine.js';
import { RealtimeLogError } from '../../src/parser/errors.js';
import { createMemorySink } from '../../src/sinks/memory.js';
import type { Sink } from '../../src/sinks/types.js';
import { kinesisEvent, lambdaContext } from '../helpers/events.js';

const FIELDS = ['timestamp', 'c-ip', 'sc-status', 'sc-bytes', 'cs-uri-stem', 'x-edge-location', 'time-taken'];
const LINES = generateLines({ fields: FIELDS, count: 20, seed: 13, startMs: Date.UTC(2025, 2, 1, 12) }).map(
  (g) => g.line,
);
/** A value no message may quote. */
const MARKER = 'do-not-quote-203.0.113.77';

function setup(overrides: Partial<HandlerConfig> = {}) {
  const quarantine = createMemorySink<QuarantinedLine>({ name: 'quarantine' });
  const state = createMemorySink<WindowCell>({ name: 'state' });
  const records = createMemorySink<Record<string, unknown>>({ name: 'records' });
  const logs: string[] = [];
  const handler = createHandler({
    fields: FIELDS,
    sinks: [],
    stateSinks: [state],
    recordSinks: [records],
    quarantineSink: quarantine,
    log: (l) => logs.push(l),
    ...overrides,
  });
  const invoke = (event: unknown) => handler(event as KinesisStreamEvent, lambdaContext());
  const lastLog = () => JSON.parse(logs.at(-1)!) as InvocationLog;
  return { invoke, quarantine, state, records, lastLog };
}

async function refusal(event: unknown): Promise<KinesisEventError> {
  const error = await setup()
    .invoke(event)
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(error).toBeInstanceOf(KinesisEventError);
  expect(error).toBeInstanceOf(RealtimeLogError);
  expect((error as Error).message).not.toContain(MARKER);
  return error as KinesisEventError;
}

const SQS = {
  Records: [
    {
      messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a',
      body: MARKER,
      attributes: { ApproximateReceiveCount: '1' },
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:my-queue',
      awsRegion: 'us-east-1',
    },
  ],
};
const DYNAMODB = {
  Records: [
    {
      eventID: '1',
      eventName: 'INSERT',
      eventSource: 'aws:dynamodb',
      dynamodb: { Keys: { Id: { N: '101' } }, NewImage: { Message: { S: MARKER } }, SequenceNumber: '111' },
    },
  ],
};
const S3 = {
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'logs' }, object: { key: MARKER, size: 1024 } },
    },
  ],
};

describe('an event that is not a Kinesis event is refused by name', () => {
  it.each([
    ['null', null, 'got null'],
    ['undefined', undefined, 'got nothing'],
    ['a string', MARKER, 'got a string'],
    ['an array', [MARKER], 'got an array'],
    ['an object without Records', { records: MARKER }, 'got an object without Records'],
    ['Records as a string', { Records: MARKER }, 'whose Records is a string'],
    ['Records as an object', { Records: { 0: MARKER } }, 'whose Records is an object'],
    ['an SQS event', SQS, '1 record of SQS without a kinesis object'],
    ['a DynamoDB Streams event', DYNAMODB, 'of DynamoDB Streams'],
    ['an S3 event', S3, 'of S3'],
    ['records that are not objects', { Records: [1, MARKER, null] }, '3 records without a kinesis object'],
  ])('%s', async (_, event, got) => {
    const error = await refusal(event);
    expect(error.name).toBe('KinesisEventError');
    expect(error.message).toContain('expected a Kinesis event');
    expect(error.message).toContain(got);
  });

  it('an empty batch is no error', async () => {
    expect(await setup().invoke({ Records: [] })).toEqual({ batchItemFailures: [] });
  });
});

describe('one unreadable record among good ones is quarantined, the batch is not failed', () => {
  const event = kinesisEvent(LINES.slice(0, 4));
  const good = event.Records;
  it.each([
    [
      'without data',
      { ...good[1]!, kinesis: { ...good[1]!.kinesis, data: undefined } },
      'kinesis.data is nothing',
    ],
    [
      'with numeric data',
      { ...good[1]!, kinesis: { ...good[1]!.kinesis, data: 42 } },
      'kinesis.data is a number',
    ],
    ['with object data', { ...good[1]!, kinesis: { ...good[1]!.kinesis, data: { MARKER } } }, 'is an object'],
    ['without kinesis', { ...good[1]!, kinesis: undefined }, 'has no kinesis object'],
    ['from SQS', SQS.Records[0], 'a record of SQS'],
    ['as null', null, 'the record is null'],
    ['without a sequence number', { kinesis: { data: good[1]!.kinesis.data } }, 'sequenceNumber is nothing'],
  ])('a record %s', async (_, bad, reason) => {
    const { invoke, quarantine, records, lastLog } = setup();
    const result = await invoke({ Records: [good[0], bad, good[2], good[3]] });
    expect(result).toEqual({ batchItemFailures: [] });
    expect(records.items).toHaveLength(3);
    expect(quarantine.items).toHaveLength(1);
    expect(quarantine.items[0]!.reason).toContain(reason);
    expect(quarantine.items[0]!.reason).not.toContain(MARKER);
    expect(lastLog()).toMatchObject({
      records: 4,
      parsed: 3,
      malformed: 1,
      malformedByField: { '(record)': 1 },
    });
  });

  it('ill-typed optional parts (eventID, arrival time) are left out, the record is read', async () => {
    const { invoke, records, lastLog } = setup();
    const odd = {
      ...good[1]!,
      eventID: 7,
      kinesis: { ...good[1]!.kinesis, approximateArrivalTimestamp: 'soon' },
    };
    expect(await invoke({ Records: [good[0], odd] })).toEqual({ batchItemFailures: [] });
    expect(records.items).toHaveLength(2);
    expect(lastLog().iteratorAgeMs).not.toBeNaN();
  });

  it('a failed quarantine write retries from the nearest record with a sequence number', async () => {
    const failing: Sink<QuarantinedLine> = {
      name: 'quarantine',
      write: async (batch) => ({
        sink: 'quarantine',
        written: 0,
        failed: batch.map((_, index) => ({ index, reason: 'throttled', retryable: true })),
      }),
    };
    const { invoke } = setup({ quarantineSink: failing });
    const result = await invoke({ Records: [good[0], { kinesis: { data: 'eAo=' } }, good[2]] });
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: good[0]!.kinesis.sequenceNumber }] });
  });
});

describe('no event or record shape is a TypeError', () => {
  /** Resolves to a response, or rejects with the one documented error. */
  async function outcome(invoke: (e: unknown) => Promise<unknown>, event: unknown): Promise<unknown> {
    try {
      return await invoke(event);
    } catch (error) {
      if (error instanceof KinesisEventError) return error;
      throw error;
    }
  }

  it('property: any JSON value or anything as the event', async () => {
    const { invoke } = setup();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.jsonValue(),
          fc.record({ Records: fc.anything() }),
          fc.record({ Records: fc.array(fc.anything(), { maxLength: 5 }) }),
        ),
        async (event) => {
          await outcome(invoke, event);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: arbitrary values mixed into a valid event are quarantined record by record', async () => {
    const event = kinesisEvent(LINES.slice(0, 6));
    const anyPart = fc.oneof(fc.anything(), fc.jsonValue());
    const badRecord = fc.oneof(
      anyPart,
      fc.record({ kinesis: anyPart }),
      fc.record({ kinesis: fc.record({ data: anyPart, sequenceNumber: anyPart }) }),
      fc.record({
        eventID: anyPart,
        kinesis: fc.record({
          data: fc.constant(event.Records[0]!.kinesis.data),
          sequenceNumber: fc.constant('4959'),
          approximateArrivalTimestamp: anyPart,
        }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(6), badRecord), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        async (inserts, failQuarantine) => {
          const { invoke } = setup(
            failQuarantine
              ? {
                  quarantineSink: {
                    name: 'q',
                    write: async (b) => ({
                      sink: 'q',
                      written: 0,
                      failed: b.map((_, index) => ({ index, reason: 'x', retryable: true })),
                    }),
                  },
                }
              : {},
          );
          const records: unknown[] = [...event.Records];
          for (const [at, bad] of inserts) records.splice(at, 0, bad);
          const result = (await outcome(invoke, { Records: records })) as { batchItemFailures: unknown[] };
          expect(result).not.toBeInstanceOf(KinesisEventError);
          for (const f of result.batchItemFailures)
            expect(typeof (f as { itemIdentifier: unknown }).itemIdentifier).toBe('string');
        },
      ),
      { numRuns: 300 },
    );
  });
});
