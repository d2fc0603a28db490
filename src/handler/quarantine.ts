/**
 * Quarantine: where malformed lines go, with their reason. A malformed line never fails the batch
 * (a poison record must not block a shard); it is counted, and written to the quarantine sink.
 */
import type { Sink, SinkResult } from '../sinks/types.js';

/** A line that did not parse, with where it came from and why. */
export interface QuarantinedLine {
  /**
   * One sentence naming the field and the problem (from the parser). It never quotes a value that
   * could be personal (the parser quotes at most 8 characters not shaped like an address, else the
   * value's length and shape): it goes to CloudWatch Logs.
   */
  readonly reason: string;
  /** The field at fault; `null` for a wrong column count, a blank line or a line too long. */
  readonly field: string | null;
  /**
   * The line as received (trailing newline stripped); empty for a line over MAX_LINE_BYTES, which
   * is quarantined by its length (in `reason`) and never kept.
   */
  readonly line: string;
  readonly shardId: string;
  /** The Kinesis record's sequence number (fetch it again from the source stream while retained). */
  readonly sequenceNumber: string;
  /** Line number within the Kinesis record, from 0. */
  readonly lineInRecord: number;
  /** When Kinesis accepted the record, epoch ms, or null. */
  readonly arrivedAt: number | null;
}

/** Longest reason written to the log: the parser's reasons quote at most 8 characters of a value. */
export const MAX_LOGGED_REASON_LENGTH = 300;
/**
 * Malformed lines logged one by one per `write` (the handler writes once per invocation); the
 * rest are counted in one summary line. A batch of tiny malformed lines (`x\n` is 2 bytes, under
 * 3 of base64) would otherwise log ~230 bytes per line: a 5.3 MB event logged 472 MB.
 */
export const MAX_QUARANTINE_LOG_LINES = 100;
/**
 * Largest logged line, in UTF-8 bytes: the reason is cut further when a line would be longer
 * (a reason of escaped control characters is up to 6 bytes per character).
 */
export const MAX_QUARANTINE_LOG_LINE_BYTES = 1_024;
/** Longest shard id and sequence number logged (Kinesis: shard ids 128, sequence numbers 129 characters). */
export const MAX_LOGGED_COORDINATE_LENGTH = 129;
/** Summary key of lines with no field at fault (wrong column count, blank, too long). */
export const NO_FIELD_KEY = '(line)';

/**
 * A quarantine sink. `keepsAtMost` says that it uses only that many lines one by one and reads
 * nothing but `field` of the rest (the log quarantine), so a caller may pass the rest as
 * `omittedLine` placeholders instead of keeping every malformed line of a batch: a 5 MB event of
 * 2-byte lines held 2.6 million line objects (about 580 MB) for a sink that logs 100.
 */
export interface QuarantineSink extends Sink<QuarantinedLine> {
  readonly keepsAtMost?: number;
}

/** Placeholders by field: one object each, shared by every line it stands for (fields are few). */
const OMITTED = new Map<string | null, QuarantinedLine>();
const MAX_OMITTED_FIELDS = 512;

/**
 * The placeholder for a malformed line a sink with `keepsAtMost` does not use one by one: only its
 * field is real. One shared object per field, so a batch costs an array slot per such line.
 *
 * @example
 * omittedLine('sc-status').field; // 'sc-status'
 */
export function omittedLine(field: string | null): QuarantinedLine {
  let line = OMITTED.get(field);
  if (line === undefined) {
    line = Object.freeze({
      reason: 'not kept one by one (counted by field)',
      field,
      line: '',
      shardId: '',
      sequenceNumber: '',
      lineInRecord: -1,
      arrivedAt: null,
    });
    if (OMITTED.size < MAX_OMITTED_FIELDS) OMITTED.set(field, line);
  }
  return line;
}

function loggedLine(q: QuarantinedLine): string {
  let reason = String(q.reason).slice(0, MAX_LOGGED_REASON_LENGTH);
  for (;;) {
    const line = JSON.stringify({
      level: 'WARN',
      message: 'cfrt quarantined a malformed line',
      reason,
      field: q.field === null ? null : String(q.field).slice(0, MAX_LOGGED_COORDINATE_LENGTH),
      shardId: String(q.shardId).slice(0, MAX_LOGGED_COORDINATE_LENGTH),
      sequenceNumber: String(q.sequenceNumber).slice(0, MAX_LOGGED_COORDINATE_LENGTH),
      lineInRecord: q.lineInRecord,
      lineLength: q.line.length,
    });
    // Only a hostile reason gets here; halving converges in a few steps.
    if (Buffer.byteLength(line) <= MAX_QUARANTINE_LOG_LINE_BYTES || reason === '') return line;
    reason = reason.slice(0, reason.length >> 1);
  }
}

/**
 * A quarantine that writes one JSON line per malformed line to the function's log, with the
 * reason, field and record coordinates, but never the line itself (it holds client addresses);
 * use a Kinesis quarantine to keep whole lines.
 *
 * Logging costs what the data costs: per `write` (per invocation) at most
 * `MAX_QUARANTINE_LOG_LINES` lines of at most `MAX_QUARANTINE_LOG_LINE_BYTES` each, then one
 * summary line counting every line of the batch by field (`byField`, `NO_FIELD_KEY` when no field
 * is at fault) and how many were not logged one by one. Every line is counted: nothing is lost
 * silently, and a stream quarantine still receives every line.
 *
 * @example
 * const quarantine = createLogQuarantine((line) => console.warn(line));
 */
export function createLogQuarantine(
  output: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
): QuarantineSink {
  return {
    name: 'quarantine-log',
    keepsAtMost: MAX_QUARANTINE_LOG_LINES,
    async write(batch: readonly QuarantinedLine[]): Promise<SinkResult> {
      const logged = Math.min(batch.length, MAX_QUARANTINE_LOG_LINES);
      for (let i = 0; i < logged; i++) output(loggedLine(batch[i]!));
      if (logged < batch.length) {
        const byField = new Map<string, number>();
        for (const q of batch) {
          const key =
            q.field === null ? NO_FIELD_KEY : String(q.field).slice(0, MAX_LOGGED_COORDINATE_LENGTH);
          byField.set(key, (byField.get(key) ?? 0) + 1);
        }
        output(
          JSON.stringify({
            level: 'WARN',
            message: 'cfrt quarantined more malformed lines than are logged one by one',
            quarantined: batch.length,
            logged,
            notLogged: batch.length - logged,
            byField: Object.fromEntries(byField),
          }),
        );
      }
      return { sink: 'quarantine-log', written: batch.length, failed: [] };
    },
  };
}
