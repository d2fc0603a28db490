/**
 * The Lambda shapes the handler reads and returns (Kinesis event source with
 * `ReportBatchItemFailures`), declared here so no `@types/aws-lambda` is needed, and the check
 * of what actually came (`checkKinesisEvent`).
 */
import { RealtimeLogError } from '../parser/errors.js';

/** One Kinesis record as Lambda delivers it. */
export interface KinesisStreamRecord {
  readonly kinesis: {
    /** Base64 of the record's bytes: one CloudFront log line (with its `\n`), or several. */
    readonly data: string;
    readonly partitionKey?: string;
    readonly sequenceNumber: string;
    /** Epoch seconds (with a fraction) when Kinesis accepted the record. */
    readonly approximateArrivalTimestamp?: number;
    readonly kinesisSchemaVersion?: string;
  };
  /** `shardId-000000000000:<sequenceNumber>`. */
  readonly eventID?: string;
  readonly eventSourceARN?: string;
  readonly eventSource?: string;
  readonly awsRegion?: string;
}

/** A Kinesis event: up to 10,000 records of one shard. */
export interface KinesisStreamEvent {
  readonly Records: readonly KinesisStreamRecord[];
}

/** The part of the Lambda context the handler uses. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
  readonly functionName?: string;
}

/** One entry of the partial batch response. */
export interface BatchItemFailure {
  /** The sequence number Lambda restarts from. */
  readonly itemIdentifier: string;
}

/** What the handler resolves to. */
export interface KinesisBatchResponse {
  batchItemFailures: BatchItemFailure[];
}

/**
 * The shard of a record, from its `eventID` (`shardId-000000000002:4959...`), else `unknown`.
 *
 * @example
 * shardIdOf({ eventID: 'shardId-000000000002:4959', kinesis: { data: '', sequenceNumber: '4959' } });
 * // 'shardId-000000000002'
 */
export function shardIdOf(record: KinesisStreamRecord): string {
  const id = record.eventID;
  if (id === undefined) return 'unknown';
  const colon = id.lastIndexOf(':');
  return colon > 0 ? id.slice(0, colon) : id;
}

/** Bytes of the scratch buffer base64 is decoded into; it grows for larger records. */
const INITIAL_SCRATCH_BYTES = 64 * 1024;
let scratch = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);

/**
 * The text of a record's base64 `data`, as `Buffer.from(data, 'base64').toString('utf8')`, decoded
 * into one reused buffer instead of a new one per record (measured per 20,000 records of 424 B:
 * 10.6 ms -> 6.5 ms).
 *
 * @example
 * recordText({ data: 'YQli', sequenceNumber: '1' }); // 'a\tb'
 */
export function recordText(kinesis: { readonly data: string }): string {
  const data = kinesis.data;
  // Base64 holds 3 bytes per 4 characters, never more.
  const most = Math.ceil(data.length / 4) * 3;
  if (most > scratch.length) scratch = Buffer.allocUnsafe(Math.max(most, scratch.length * 2));
  const n = scratch.write(data, 0, 'base64');
  return scratch.toString('utf8', 0, n);
}

/**
 * An event that is not a Kinesis event at all: `null`, no `Records` array, or records of which
 * none has a `kinesis` object (an SQS, S3, DynamoDB Streams event...). That is a deployment
 * mistake, not bad data: the handler throws it, so the invocation fails loudly (Lambda's `Errors`
 * metric) and nothing is checkpointed. The message says what was expected and what came, by
 * type and shape, never quoting the event's values.
 */
export class KinesisEventError extends RealtimeLogError {
  override name = 'KinesisEventError';
}

/** A record as the handler reads it: `problem` says why it cannot be read, and it is quarantined. */
export interface CheckedRecord extends KinesisStreamRecord {
  /** Why the record cannot be read (no `kinesis` object, no string `data`...); never quotes data. */
  readonly problem?: string;
}

const EXPECTED = 'expected a Kinesis event, { Records: [{ kinesis: { data, sequenceNumber } }] }';

/** Other event sources, by the `eventSource` Lambda sets: named from this list only, never quoted. */
const OTHER_SOURCES: Readonly<Record<string, string>> = {
  'aws:sqs': 'SQS',
  'aws:dynamodb': 'DynamoDB Streams',
  'aws:s3': 'S3',
  'aws:sns': 'SNS',
  'aws:kafka': 'Kafka (MSK)',
  SelfManagedKafka: 'Kafka',
  'aws:mq': 'Amazon MQ',
  'aws:ses': 'SES',
  'aws:codecommit': 'CodeCommit',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value's type in words: never the value. */
function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'undefined' ? 'nothing' : t === 'object' ? 'an object' : `a ${t}`;
}

/** The service a non-Kinesis record comes from, by its `eventSource` or its shape, or null. */
function otherSourceOf(record: unknown): string | null {
  if (!isObject(record)) return null;
  const source = record.eventSource ?? record.EventSource;
  if (typeof source === 'string' && Object.hasOwn(OTHER_SOURCES, source)) return OTHER_SOURCES[source]!;
  if (isObject(record.dynamodb)) return 'DynamoDB Streams';
  if (isObject(record.s3)) return 'S3';
  if (isObject(record.Sns)) return 'SNS';
  if ('receiptHandle' in record || 'messageId' in record) return 'SQS';
  return null;
}

function eventProblem(event: unknown): string {
  if (!isObject(event)) return `${EXPECTED}; got ${typeOf(event)}`;
  if (!('Records' in event)) {
    if (Array.isArray(event.records) && 'deliveryStreamArn' in event) {
      return `${EXPECTED}; got a Kinesis Data Firehose transformation event (records, deliveryStreamArn): the handler reads the Kinesis stream itself`;
    }
    return `${EXPECTED}; got an object without Records`;
  }
  return `${EXPECTED}; got an object whose Records is ${typeOf(event.Records)}`;
}

function recordProblem(record: unknown): string | null {
  if (!isObject(record)) return `the record is ${typeOf(record)}, not an object with a kinesis object`;
  const k = record.kinesis;
  if (!isObject(k)) {
    const other = otherSourceOf(record);
    return `the record has no kinesis object (it is ${typeOf(k)}${other === null ? '' : `; a record of ${other}`})`;
  }
  if (typeof k.data !== 'string')
    return `the record's kinesis.data is ${typeOf(k.data)}, not a base64 string`;
  if (typeof k.sequenceNumber !== 'string' || k.sequenceNumber === '') {
    const got = k.sequenceNumber === '' ? 'empty' : typeOf(k.sequenceNumber);
    return `the record's kinesis.sequenceNumber is ${got}, not a non-empty string`;
  }
  return null;
}

/** A record whose optional parts are as typed: `eventID` a string, the arrival a finite number. */
function isClean(record: KinesisStreamRecord): boolean {
  const t = record.kinesis.approximateArrivalTimestamp;
  return (
    (record.eventID === undefined || typeof record.eventID === 'string') &&
    (t === undefined || (typeof t === 'number' && Number.isFinite(t)))
  );
}

/** The record with its well-typed parts only (`problem` set when it cannot be read at all). */
function substitute(record: unknown, problem: string | null): CheckedRecord {
  const r = isObject(record) ? record : {};
  const k = isObject(r.kinesis) ? r.kinesis : {};
  const t = k.approximateArrivalTimestamp;
  return {
    kinesis: {
      data: problem === null ? (k.data as string) : '',
      sequenceNumber: typeof k.sequenceNumber === 'string' ? k.sequenceNumber : '',
      ...(typeof t === 'number' && Number.isFinite(t) ? { approximateArrivalTimestamp: t } : {}),
    },
    ...(typeof r.eventID === 'string' ? { eventID: r.eventID } : {}),
    ...(problem === null ? {} : { problem }),
  };
}

/**
 * Checks what Lambda passed before anything reads it. Throws `KinesisEventError` for an event
 * that is not a Kinesis event at all; otherwise returns its records, the well-formed ones as
 * they came (the array itself when all are), a record that cannot be read replaced by one with
 * a `problem` (quarantined by the handler, so one bad record never fails the batch), and
 * ill-typed optional parts (`eventID`, `approximateArrivalTimestamp`) left out.
 *
 * @example
 * checkKinesisEvent({ Records: [] }); // []
 * checkKinesisEvent({ Records: [{ kinesis: { sequenceNumber: '1' } }] })[0]?.problem;
 * // "the record's kinesis.data is nothing, not a base64 string"
 * checkKinesisEvent(null); // throws KinesisEventError: expected a Kinesis event ...; got null
 */
export function checkKinesisEvent(event: unknown): readonly CheckedRecord[] {
  const records = isObject(event) ? event.Records : undefined;
  if (!Array.isArray(records)) throw new KinesisEventError(eventProblem(event));
  if (records.length === 0) return records;
  let checked: CheckedRecord[] | null = null;
  let kinesisRecords = 0;
  for (let i = 0; i < records.length; i++) {
    const record: unknown = records[i];
    if (isObject(record) && isObject(record.kinesis)) kinesisRecords++;
    const problem = recordProblem(record);
    if (problem === null && isClean(record as KinesisStreamRecord)) {
      if (checked !== null) checked.push(record as CheckedRecord);
      continue;
    }
    checked ??= records.slice(0, i) as CheckedRecord[];
    checked.push(substitute(record, problem));
  }
  if (kinesisRecords === 0) {
    const sources = new Set(records.map(otherSourceOf).filter((s) => s !== null));
    const of = sources.size === 1 ? ` of ${[...sources][0]}` : '';
    throw new KinesisEventError(
      `${EXPECTED}; got ${records.length} record${records.length === 1 ? '' : 's'}${of} without a kinesis object (is the function subscribed to a Kinesis stream?)`,
    );
  }
  return checked ?? (records as CheckedRecord[]);
}

/**
 * The sequence number Lambda should retry from for the record at `index`: its own, or the
 * nearest earlier record's when it has none (a retry from earlier is harmless), or `''` when no
 * record up to it has one (Lambda then retries the whole batch).
 *
 * @example
 * retrySequenceNumber([{ kinesis: { data: '', sequenceNumber: '7' } }], 0); // '7'
 */
export function retrySequenceNumber(records: readonly KinesisStreamRecord[], index: number): string {
  for (let i = index; i >= 0; i--) {
    const sequenceNumber = records[i]?.kinesis.sequenceNumber;
    if (sequenceNumber !== undefined && sequenceNumber !== '') return sequenceNumber;
  }
  return '';
}
