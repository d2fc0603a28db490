/** Kinesis events and Lambda contexts as Lambda delivers them, built from log lines. */
import type { KinesisStreamEvent, LambdaContext } from '../../src/handler/kinesis-event.js';

/** A plausible first sequence number (Kinesis uses 56-digit decimals). */
export const FIRST_SEQUENCE = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n;

/** Options of `kinesisEvent`. */
export interface EventOptions {
  readonly shardId?: string;
  /** Sequence number of the first record (then +1 per record). */
  readonly firstSequence?: bigint;
  /** Epoch seconds of arrival of every record. */
  readonly arrival?: number;
  /** Lines per Kinesis record (CloudFront writes one). */
  readonly linesPerRecord?: number;
}

/**
 * A Kinesis event with one record per line (base64 of the line and its `\\n`).
 *
 * @example
 * const event = kinesisEvent(generateLines({ fields, count: 100 }).map((g) => g.line));
 */
export function kinesisEvent(lines: readonly string[], options: EventOptions = {}): KinesisStreamEvent {
  const shardId = options.shardId ?? 'shardId-000000000000';
  const first = options.firstSequence ?? FIRST_SEQUENCE;
  const per = options.linesPerRecord ?? 1;
  const Records = [];
  for (let i = 0, r = 0; i < lines.length; i += per, r++) {
    const sequenceNumber = (first + BigInt(r)).toString();
    const text = `${lines.slice(i, i + per).join('\n')}\n`;
    Records.push({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: `pk-${r}`,
        sequenceNumber,
        data: Buffer.from(text, 'utf8').toString('base64'),
        approximateArrivalTimestamp: options.arrival ?? 1_740_830_460.5,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/cf-realtime-logs',
    });
  }
  return { Records };
}

/** A Lambda context with `remainingMs` left (fixed). */
export function lambdaContext(remainingMs = 60_000): LambdaContext {
  return { getRemainingTimeInMillis: () => remainingMs, awsRequestId: 'req-test', functionName: 'cfrt' };
}
