/**
 * The invocation log stage: one structured JSON line per invocation, counts only, never the event
 * or client data.
 */
import type { SinkReport } from './delivery.js';
import type { IngestCounts } from './ingest.js';
import type { CheckedRecord } from './kinesis-event.js';

/** The structured log line of one invocation: counts only, never the event or client data. */
export interface InvocationLog {
  readonly level: 'INFO' | 'WARN' | 'ERROR';
  readonly message: string;
  readonly requestId: string | null;
  readonly shardId: string | null;
  readonly records: number;
  readonly lines: number;
  readonly parsed: number;
  readonly malformed: number;
  readonly malformedByField: Record<string, number>;
  readonly late: number;
  readonly untimed: number;
  /** Cells (window x dimension values) the batch made. */
  readonly windows: number;
  /**
   * Records counted in their window's stream-wide cell but not in some dimension cell: the batch
   * held `DEFAULT_MAX_CELLS` dimension cells (its breakdown is incomplete; its totals are not).
   */
  readonly cellOverflow: number;
  readonly sinks: SinkReport[];
  /** Index of the first record reported to Lambda for retry, or null. */
  readonly retryFrom: number | null;
  readonly durationMs: number;
  /** Now minus the oldest `approximateArrivalTimestamp` of the batch (like IteratorAge), ms. */
  readonly iteratorAgeMs: number | null;
}

/** Oldest and newest `approximateArrivalTimestamp` of a batch (epoch seconds; infinite when none). */
export interface ArrivalRange {
  readonly oldest: number;
  readonly newest: number;
}

/**
 * The arrival range of a batch: its oldest arrival gives the log line's iterator age, its newest
 * stands in for a clock behind Kinesis's.
 *
 * @example
 * const { oldest } = arrivalRange(checkKinesisEvent(event));
 */
export function arrivalRange(records: readonly CheckedRecord[]): ArrivalRange {
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    const t = r.kinesis.approximateArrivalTimestamp;
    if (t !== undefined && t < oldest) oldest = t;
    if (t !== undefined && t > newest) newest = t;
  }
  return { oldest, newest };
}

/** What one invocation did, as the stages report it. */
export interface InvocationOutcome {
  readonly requestId: string | null;
  readonly shardId: string | null;
  readonly records: number;
  readonly counts: IngestCounts;
  readonly windows: number;
  readonly cellOverflow: number;
  readonly reports: SinkReport[];
  /** Index of the first record Lambda must retry from; `records` when none. */
  readonly retryFrom: number;
  readonly started: number;
  readonly ended: number;
  /** Oldest `approximateArrivalTimestamp` of the batch, epoch seconds (infinite when none). */
  readonly oldestArrival: number;
}

/**
 * The log line of one invocation. ERROR when Lambda must retry, WARN when a line was malformed or a
 * sink dropped data it will never take, INFO otherwise.
 *
 * @example
 * log(JSON.stringify(invocationLog(outcome)));
 */
export function invocationLog(o: InvocationOutcome): InvocationLog {
  const retried = o.retryFrom < o.records;
  return {
    level: retried
      ? 'ERROR'
      : o.counts.malformed > 0 || o.reports.some((r) => r.dropped > 0)
        ? 'WARN'
        : 'INFO',
    message: 'cfrt processed a Kinesis batch',
    requestId: o.requestId,
    shardId: o.shardId,
    records: o.records,
    lines: o.counts.lines,
    parsed: o.counts.parsed,
    malformed: o.counts.malformed,
    malformedByField: o.counts.malformedByField,
    late: o.counts.late,
    untimed: o.counts.untimed,
    windows: o.windows,
    cellOverflow: o.cellOverflow,
    sinks: o.reports,
    retryFrom: retried ? o.retryFrom : null,
    durationMs: o.ended - o.started,
    iteratorAgeMs: Number.isFinite(o.oldestArrival)
      ? Math.max(0, o.ended - Math.round(o.oldestArrival * 1_000))
      : null,
  };
}
