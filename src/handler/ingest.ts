/**
 * The ingest stage, pure: the records of one batch in, a batch result out (cells, counts, the
 * records and quarantined lines for the sinks, each with the index of the Kinesis record it came
 * from, and the first sequence number of each window). Nothing is written here.
 */
import {
  type AddOutcome,
  type Aggregator,
  type AggregatorOptions,
  createAggregator,
  createLineAggregator,
  implausibleTime,
  type WindowCell,
} from '../aggregate/index.js';
import type { Enricher } from '../enrich/index.js';
import { timestampAt } from '../parser/decode.js';
import { MAX_LINE_BYTES, tooLongReason } from '../parser/line-limit.js';
import type { ParseFailure, Parser } from '../parser/parser.js';
import { type CheckedRecord, type KinesisStreamRecord, recordText } from './kinesis-event.js';
import { omittedLine, type QuarantinedLine } from './quarantine.js';

/** What ingest is built from: decided once, at construction (and when the key arrives). */
export interface IngestStages {
  readonly parser: Parser<Record<string, unknown>>;
  readonly enricher: Enricher;
  /** The aggregator's options; the handler adds each invocation's plausible `timeRange`. */
  readonly aggregator: AggregatorOptions;
  /** Column of `timestamp` in the current field list (-1 without one): files a malformed line's window. */
  readonly timestampColumn: number;
}

/** What one ingest pass is asked for. */
export interface IngestOptions {
  /** Ingest records `[0, to)`; all by default. */
  readonly to?: number;
  /** Keep enriched, privacy-protected records for the record sinks. */
  readonly records?: boolean;
  /** Keep malformed lines for the quarantine sink. */
  readonly quarantine?: boolean;
  /**
   * Keep at most this many malformed lines whole (the quarantine sink's `keepsAtMost`); the rest
   * become `omittedLine` placeholders that carry only their field. Default: all.
   */
  readonly quarantineKeep?: number;
  /** The shard the quarantined lines name. */
  readonly shardId?: string;
  /**
   * Keep what the aggregator was given, so that `cellsBefore` re-aggregates a prefix without
   * decoding, parsing or deriving again (records path only; the handler asks for it when a record
   * sink may fail with no state sink, the one case where delivery needs a prefix's cells).
   */
  readonly prefixes?: boolean;
}

/** Counters of one pass over the records. */
export interface IngestCounts {
  lines: number;
  parsed: number;
  malformed: number;
  late: number;
  untimed: number;
  malformedByField: Record<string, number>;
}

/** One batch, ingested. */
export interface IngestResult {
  readonly counts: IngestCounts;
  readonly cells: WindowCell[];
  readonly cellOverflow: number;
  /** Enriched, protected records (with `records: true`), and the Kinesis record index of each. */
  readonly records: Record<string, unknown>[];
  readonly recordIndex: number[];
  /** Malformed lines (with `quarantine: true`), and the Kinesis record index of each. */
  readonly quarantined: QuarantinedLine[];
  readonly quarantineIndex: number[];
  /** Window start (epoch ms) -> sequence number of the first record with a line in that window. */
  readonly firstSequenceByWindow: Map<number, string>;
  /**
   * The cells of the Kinesis records `[0, to)` alone (delivery asks when a failure cut the batch).
   * With `prefixes`, from what the aggregator was given, in the same order; otherwise by ingesting
   * the prefix again.
   */
  cellsBefore(to: number): WindowCell[];
}

/** What the aggregator was given, in order: a derived record, or a malformed line's time. */
type AggregatorInput = { readonly record: Record<string, unknown> } | { readonly malformedAt: number | null };

/** Counts of no records. */
export function emptyCounts(): IngestCounts {
  return { lines: 0, parsed: 0, malformed: 0, late: 0, untimed: 0, malformedByField: {} };
}

/** Start of the epoch-aligned window holding `ts`, as the aggregator computes it. */
function windowStartOf(ts: number, windowMs: number): number {
  return ts - (((ts % windowMs) + windowMs) % windowMs);
}

/**
 * A parsed line the aggregator put in no window, to quarantine: its timestamp is outside the
 * invocation's plausible range, or its window would be one more than the aggregator holds open.
 */
function unwindowedLine(
  outcome: 'implausible' | 'overflow',
  line: string,
  timestamp: unknown,
  agg: Aggregator,
): ParseFailure {
  const reason =
    outcome === 'overflow'
      ? `timestamp: its window would be one more than the ${agg.options.maxWindows} a batch may open (the batch spans too much event time)`
      : (implausibleTime(Number(timestamp), agg.options.timeRange) ?? 'timestamp is implausible');
  return { ok: false, line, field: 'timestamp', value: null, reason };
}

/**
 * Decodes, parses, derives and aggregates the records `[0, to)` of a batch. Without `records`, the
 * line aggregator does only what the aggregates need (the same cells, see `createLineAggregator`).
 *
 * @example
 * const result = ingest(stages, checkKinesisEvent(event), { records: true, shardId });
 * result.cells; // the window cells of the batch
 */
export function ingest(
  stages: IngestStages,
  records: readonly CheckedRecord[],
  options: IngestOptions = {},
): IngestResult {
  const { parser, enricher, timestampColumn } = stages;
  const agg = createAggregator(stages.aggregator);
  const windowMs = agg.options.windowSeconds * 1_000;
  const to = options.to ?? records.length;
  const keepRecords = options.records === true;
  const keepQuarantined = options.quarantine === true;
  const keepWhole = options.quarantineKeep ?? Number.POSITIVE_INFINITY;
  const shardId = options.shardId ?? '';
  const out: Record<string, unknown>[] = [];
  const recordIndex: number[] = [];
  const quarantined: QuarantinedLine[] = [];
  const quarantineIndex: number[] = [];
  const firstSequenceByWindow = new Map<number, string>();
  // The first record of each window in this batch keys that window's stored state (see delivery).
  // Records of a batch mostly share a window: the window of the previous one needs no lookup.
  let lastStart = Number.NaN;
  let lastEnd = Number.NaN;
  const seen = (ts: unknown, sequenceNumber: string) => {
    if (typeof ts !== 'number') return;
    if (ts >= lastStart && ts < lastEnd) return;
    const start = windowStartOf(ts, windowMs);
    lastStart = start;
    lastEnd = start + windowMs;
    if (!firstSequenceByWindow.has(start)) firstSequenceByWindow.set(start, sequenceNumber);
  };
  const counts = emptyCounts();
  const lineAggregator = keepRecords ? null : createLineAggregator({ parser, enricher, aggregator: agg });
  const keepInputs = keepRecords && options.prefixes === true;
  const inputs: AggregatorInput[] = [];
  const inputIndex: number[] = [];
  const malformedLine = (
    result: ParseFailure,
    k: KinesisStreamRecord['kinesis'],
    i: number,
    j: number,
    field = result.field ?? '(columns)',
  ) => {
    counts.malformed++;
    counts.malformedByField[field] = (counts.malformedByField[field] ?? 0) + 1;
    const at = timestampAt(result.line, timestampColumn);
    const ts = at !== null && at > 0 ? at : null;
    agg.addMalformed(ts);
    if (keepInputs) {
      inputs.push({ malformedAt: ts });
      inputIndex.push(i);
    }
    seen(ts, k.sequenceNumber);
    if (keepQuarantined && quarantined.length >= keepWhole) {
      quarantined.push(omittedLine(result.field));
      quarantineIndex.push(i);
    } else if (keepQuarantined) {
      quarantined.push({
        reason: result.reason,
        field: result.field,
        line: result.line,
        shardId,
        sequenceNumber: k.sequenceNumber,
        lineInRecord: j,
        arrivedAt:
          k.approximateArrivalTimestamp === undefined
            ? null
            : Math.round(k.approximateArrivalTimestamp * 1_000),
      });
      quarantineIndex.push(i);
    }
  };
  for (let i = 0; i < to; i++) {
    const k = records[i]!.kinesis;
    const problem = records[i]!.problem;
    if (problem !== undefined) {
      // A record that cannot be read (see checkKinesisEvent) is quarantined like a line, alone.
      counts.lines++;
      const failure: ParseFailure = { ok: false, line: '', field: null, value: null, reason: problem };
      malformedLine(failure, k, i, 0, '(record)');
      continue;
    }
    const text = recordText(k);
    // One line per record is CloudFront's normal case; split only when there are more.
    const nl = text.indexOf('\n');
    const lines = nl === -1 || nl === text.length - 1 ? [text] : text.split('\n');
    // Base64 holds 3 bytes per 4 characters: a record no longer than MAX_LINE_BYTES (every record
    // Kinesis takes) holds no line longer, and its lines are never measured.
    const measure = k.data.length > (MAX_LINE_BYTES / 3) * 4;
    for (let j = 0; j < lines.length; j++) {
      const line = lines[j]!;
      if (lines.length > 1 && (line === '' || line === '\r')) continue;
      counts.lines++;
      if (measure) {
        const bytes = Buffer.byteLength(line) - (line.endsWith('\n') ? 1 : 0);
        if (bytes > MAX_LINE_BYTES) {
          // Counted and quarantined with its length; its content is neither parsed nor kept.
          const reason = tooLongReason(bytes);
          malformedLine({ ok: false, line: '', field: null, value: null, reason }, k, i, j, '(too long)');
          continue;
        }
      }
      let outcome: AddOutcome;
      let timestamp: unknown;
      if (lineAggregator !== null) {
        const added = lineAggregator.add(line);
        if (!added.ok) {
          malformedLine(added, k, i, j);
          continue;
        }
        outcome = added.outcome;
        timestamp = added.timestamp;
        if (outcome === 'implausible' || outcome === 'overflow') {
          malformedLine(unwindowedLine(outcome, line, timestamp, agg), k, i, j);
          continue;
        }
      } else {
        const result = parser.parseLine(line);
        if (!result.ok) {
          malformedLine(result, k, i, j);
          continue;
        }
        // The parsed record is ours: derived, counted and protected in place, no copy of it unless
        // the prefix re-aggregation needs it as counted (with the raw address).
        const derived = result.record;
        enricher.inPlace.derive(derived);
        outcome = agg.add(derived);
        if (keepInputs) {
          inputs.push({ record: derived });
          inputIndex.push(i);
        }
        timestamp = derived.timestamp;
        if (outcome === 'implausible' || outcome === 'overflow') {
          malformedLine(unwindowedLine(outcome, line, timestamp, agg), k, i, j);
          continue;
        }
        if (keepInputs) out.push(enricher.protect(derived));
        else {
          enricher.inPlace.protect(derived);
          out.push(derived);
        }
        recordIndex.push(i);
      }
      counts.parsed++;
      seen(timestamp, k.sequenceNumber);
      if (outcome === 'late') counts.late++;
      else if (outcome === 'untimed') counts.untimed++;
    }
  }
  return {
    counts,
    cells: agg.cells(),
    cellOverflow: agg.stats().cellOverflow,
    records: out,
    recordIndex,
    quarantined,
    quarantineIndex,
    firstSequenceByWindow,
    cellsBefore(end: number): WindowCell[] {
      if (!keepInputs) return ingest(stages, records, { to: Math.min(end, to) }).cells;
      // The same inputs in the same order: the same outcomes (late, implausible, overflow) and cells.
      const prefix = createAggregator(stages.aggregator);
      for (let n = 0; n < inputs.length && inputIndex[n]! < end; n++) {
        const input = inputs[n]!;
        if ('record' in input) prefix.add(input.record);
        else prefix.addMalformed(input.malformedAt);
      }
      return prefix.cells();
    },
  };
}
