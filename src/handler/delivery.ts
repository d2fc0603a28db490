/**
 * The delivery stage: writes one ingested batch to its sinks in order and answers the index of the
 * first Kinesis record Lambda must retry from (`records` when every output landed).
 *
 * The rules, written once:
 * 1. State first: one cell per window, keyed by (shard, sequence number of that window's first record
 *    in this batch). A retry from the batch's first record, or a bisected or re-cut batch, meets each
 *    window's first record again and overwrites the same item; keying by the batch's first record
 *    instead would leave a stale item behind after a bisect. A state failure retries from 0.
 * 2. Records and quarantine, only when nothing failed before (a batch retried anyway would send
 *    duplicates downstream). A failed item retries from the Kinesis record it came from. With a state
 *    sink, any failure retries from 0: every window's item must be met again and overwritten.
 * 3. Metrics of the records that landed everywhere: all of them, or the prefix before the retry
 *    point; none when the retry starts at 0. A metrics failure retries from 0.
 * A permanent failure (data no service will take) is reported as dropped and never retried.
 */
import type { WindowCell } from '../aggregate/index.js';
import type { StateWriteOptions } from '../sinks/dynamodb.js';
import type { Sink, SinkResult, WriteOptions } from '../sinks/types.js';
import type { QuarantinedLine, QuarantineSink } from './quarantine.js';

/** What one sink did in one invocation (the log line's `sinks` entries). */
export interface SinkReport {
  readonly sink: string;
  readonly kind: 'state' | 'records' | 'quarantine' | 'metrics';
  readonly items: number;
  readonly written: number;
  readonly failed: number;
  readonly dropped: number;
  readonly skipped?: string;
  readonly error?: string;
}

/** The sinks of a handler, by what they receive. */
export interface DeliverySinks {
  readonly state: readonly Sink<WindowCell>[];
  readonly records: readonly Sink<Record<string, unknown>>[];
  readonly quarantine: QuarantineSink | null;
  readonly metrics: readonly Sink<WindowCell>[];
}

/** One ingested batch, as delivery needs it. */
export interface DeliveryBatch {
  /** Kinesis records in the batch: the retry point when every output landed. */
  readonly size: number;
  readonly cells: readonly WindowCell[];
  readonly records: readonly Record<string, unknown>[];
  /** Kinesis record index of each of `records`. */
  readonly recordIndex: readonly number[];
  readonly quarantined: readonly QuarantinedLine[];
  /** Kinesis record index of each of `quarantined`. */
  readonly quarantineIndex: readonly number[];
  /** The cells of the records before `to` (called only when a failure cut the batch). */
  readonly cellsBefore: (to: number) => readonly WindowCell[];
}

/** Where Lambda must retry from after a step, and what its sinks did. */
export interface DeliveryStep {
  readonly retryFrom: number;
  readonly reports: SinkReport[];
}

const SKIPPED = 'not written: the batch is retried from an earlier record';

function skipped(sink: string, kind: SinkReport['kind'], items: number): SinkReport {
  return { sink, kind, items, written: 0, failed: 0, dropped: 0, skipped: SKIPPED };
}

/** Writes to one sink; a sink that throws is a bug, its items did not land. */
async function write<T>(
  sink: Sink<T>,
  kind: SinkReport['kind'],
  items: readonly T[],
  options: WriteOptions,
): Promise<{ report: SinkReport; result: SinkResult }> {
  let result: SinkResult;
  try {
    result = await sink.write(items, options);
  } catch (error) {
    const reason = `threw: ${error instanceof Error ? error.message : String(error)}`;
    result = {
      sink: sink.name,
      written: 0,
      failed: items.map((_, index) => ({ index, reason, retryable: false })),
    };
  }
  const dropped = result.failed.filter((f) => f.permanent === true).length;
  const first = result.failed.find((f) => f.permanent !== true) ?? result.failed[0];
  return {
    result,
    report: {
      sink: sink.name,
      kind,
      items: items.length,
      written: result.written,
      failed: result.failed.length - dropped,
      dropped,
      ...(first !== undefined ? { error: first.reason } : {}),
    },
  };
}

/** Writes `items` to every sink at once; the retry point is the least `recordOf` of a failed item. */
async function writeAll<T>(
  writes: readonly {
    sink: Sink<T>;
    kind: SinkReport['kind'];
    items: readonly T[];
    recordOf: (i: number) => number;
  }[],
  retryFrom: number,
  options: WriteOptions,
): Promise<DeliveryStep> {
  const results = await Promise.all(writes.map((w) => write(w.sink, w.kind, w.items, options)));
  const reports: SinkReport[] = [];
  let from = retryFrom;
  results.forEach(({ report, result }, k) => {
    reports.push(report);
    for (const f of result.failed)
      if (f.permanent !== true) from = Math.min(from, writes[k]!.recordOf(f.index));
  });
  return { retryFrom: from, reports };
}

/**
 * Step 1: state cells. A failure retries from 0.
 *
 * @example
 * const { retryFrom } = await deliverState(sinks, batch, options);
 */
export function deliverState(
  sinks: DeliverySinks,
  batch: DeliveryBatch,
  options: StateWriteOptions,
): Promise<DeliveryStep> {
  const all = sinks.state.map((sink) => ({
    sink,
    kind: 'state' as const,
    items: batch.cells,
    recordOf: () => 0,
  }));
  return writeAll(all, batch.size, options);
}

/**
 * Step 2: records and quarantined lines, unless an earlier step already failed. A failed item
 * retries from its Kinesis record; with a state sink, from 0.
 *
 * @example
 * const step = await deliverRecords(sinks, batch, state.retryFrom, options);
 */
export async function deliverRecords(
  sinks: DeliverySinks,
  batch: DeliveryBatch,
  retryFrom: number,
  options: WriteOptions,
): Promise<DeliveryStep> {
  const all: {
    sink: Sink<object>;
    kind: 'records' | 'quarantine';
    items: readonly object[];
    recordOf: (i: number) => number;
  }[] = sinks.records.map((sink) => ({
    sink: sink as Sink<object>,
    kind: 'records' as const,
    items: batch.records,
    recordOf: (i: number) => batch.recordIndex[i] ?? 0,
  }));
  if (sinks.quarantine !== null && batch.quarantined.length > 0) {
    all.push({
      sink: sinks.quarantine as Sink<object>,
      kind: 'quarantine',
      items: batch.quarantined,
      recordOf: (i) => batch.quarantineIndex[i] ?? 0,
    });
  }
  let step: DeliveryStep;
  if (retryFrom === batch.size) {
    step = await writeAll(all, retryFrom, options);
  } else {
    step = { retryFrom, reports: all.map((w) => skipped(w.sink.name, w.kind, w.items.length)) };
  }
  // State items are keyed by each window's first record: a retry must start at the batch's first
  // record so that every one of them is met again and overwritten.
  if (step.retryFrom < batch.size && sinks.state.length > 0) return { ...step, retryFrom: 0 };
  return step;
}

/**
 * Step 3: metrics of the records that landed everywhere (the prefix before `retryFrom`); none
 * when the retry starts at 0. A failure retries from 0.
 *
 * @example
 * const step = await deliverMetrics(sinks, batch, records.retryFrom, options);
 */
export async function deliverMetrics(
  sinks: DeliverySinks,
  batch: DeliveryBatch,
  retryFrom: number,
  options: WriteOptions,
): Promise<DeliveryStep> {
  if (retryFrom === 0 || sinks.metrics.length === 0) {
    return {
      retryFrom,
      reports: sinks.metrics.map((sink) => skipped(sink.name, 'metrics', batch.cells.length)),
    };
  }
  const landed = retryFrom < batch.size ? batch.cellsBefore(retryFrom) : batch.cells;
  const all = sinks.metrics.map((sink) => ({
    sink,
    kind: 'metrics' as const,
    items: landed,
    recordOf: () => 0,
  }));
  return writeAll(all, retryFrom, options);
}

/**
 * Delivers a batch: state, then records and quarantine, then metrics (the rules at the top of
 * this file). Answers the index Lambda must retry from (`batch.size` when none) and every report.
 *
 * @example
 * const { retryFrom, reports } = await deliver(sinks, batch, options);
 */
export async function deliver(
  sinks: DeliverySinks,
  batch: DeliveryBatch,
  options: StateWriteOptions,
): Promise<DeliveryStep> {
  const state = await deliverState(sinks, batch, options);
  const records = await deliverRecords(sinks, batch, state.retryFrom, options);
  const metrics = await deliverMetrics(sinks, batch, records.retryFrom, options);
  return {
    retryFrom: metrics.retryFrom,
    reports: [...state.reports, ...records.reports, ...metrics.reports],
  };
}
