/**
 * Quarantine: where malformed lines go, with their reason. A malformed line never fails the batch
 * (a poison record must not block a shard); it is counted, and written to the quarantine sink.
 */
import type { Sink, SinkResult } from '../sinks/types.js';

/** A line that did not parse, with where it came from and why. */
export interface QuarantinedLine {
  /** One sentence naming the field and the value (from the parser). */
  readonly reason: string;
  /** The field at fault; `null` for a wrong column count or a blank line. */
  readonly field: string | null;
  /** The line as received (trailing newline stripped). */
  readonly line: string;
  readonly shardId: string;
  /** The Kinesis record's sequence number (fetch it again from the source stream while retained). */
  readonly sequenceNumber: string;
  /** Line number within the Kinesis record, from 0. */
  readonly lineInRecord: number;
  /** When Kinesis accepted the record, epoch ms, or null. */
  readonly arrivedAt: number | null;
}

/** Longest reason written to the log: the parser's reasons quote at most 120 characters of value. */
export const MAX_LOGGED_REASON_LENGTH = 300;

/**
 * A quarantine that writes one JSON line per malformed line to the function's log, with the
 * reason, field and record coordinates, but never the line itself (it holds client addresses);
 * use a Kinesis quarantine to keep whole lines.
 *
 * @example
 * const quarantine = createLogQuarantine((line) => console.warn(line));
 */
export function createLogQuarantine(
  output: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
): Sink<QuarantinedLine> {
  return {
    name: 'quarantine-log',
    async write(batch: readonly QuarantinedLine[]): Promise<SinkResult> {
      for (const q of batch) {
        output(
          JSON.stringify({
            level: 'WARN',
            message: 'cfrt quarantined a malformed line',
            reason: q.reason.slice(0, MAX_LOGGED_REASON_LENGTH),
            field: q.field,
            shardId: q.shardId,
            sequenceNumber: q.sequenceNumber,
            lineInRecord: q.lineInRecord,
            lineLength: q.line.length,
          }),
        );
      }
      return { sink: 'quarantine-log', written: batch.length, failed: [] };
    },
  };
}
