/**
 * One unit of `cfrt analyze` (file-chunks.ts): its lines read, parsed, derived and aggregated by
 * one aggregator, as the whole input always was. The main thread runs it for input it does not cut,
 * and each `--threads` worker for the ranges it is given; a unit's result is plain data
 * (`UnitResult`: counters and serialized cells) that the main thread merges in unit order.
 */
import {
  type Aggregator,
  createAggregator,
  createLineAggregator,
  deserializeCell,
  implausibleTime,
  type LineAggregator,
  plausibleTimeRange,
  type TimeRange,
  type WindowCell,
} from '../aggregate/index.js';
import { serializeCellWhole } from '../aggregate/serialize.js';
import type { Enricher } from '../enrich/index.js';
import { timestampAt } from '../parser/decode.js';
import { createParser } from '../parser/parser.js';
import type { MalformedExample } from '../report/report.js';
import type { AnalyzeOptions } from './analyze.js';
import { ClosedCells } from './closed-cells.js';
import { createCliEnricher } from './deriver.js';
import type { Unit } from './file-chunks.js';
import { isTooLong, readLineBatches } from './input.js';
import { MAX_SAMPLED_LINES } from './no-records.js';

/** Malformed lines quoted in the report (all of them are counted). */
export const MAX_MALFORMED_EXAMPLES = 20;
/** Records between two drains of closed windows: frequent enough to keep memory flat, rare enough to cost nothing. */
export const DRAIN_EVERY = 1 << 16;
/**
 * Records without a usable timestamp have no window; they still count in the totals, through a
 * second aggregator that sees only them, at this one time and in one window.
 */
const UNTIMED_TIME = 0;
const UNTIMED_WINDOW_SECONDS = 86_400;
/**
 * The key of the distinct-client hash in reports. Fixed, so the same input gives the same
 * estimates in every run (a per-process random key moved them by about 1% between runs); public,
 * which is safe because `cfrt analyze` keeps no state and prints no hash, only counts. State that
 * is stored (the handler, `cfrt replay`) is keyed by a deployment secret instead.
 */
const REPORT_CLIENT_KEY = 'cfrt analyze: reports only, never stored';

/** What a unit tells about each line as it goes (the progress display, or a worker's relay of it). */
export interface UnitProgress {
  tick(bytes: number, malformed?: boolean): void;
}

/** Where a unit notes the lines that did not parse (the no-records check, or a recorder of it). */
export interface MalformedSink {
  malformed(line: string, reason?: string): void;
}

/** The parser of the command's field lists (known only at run time). */
function parserOf(options: AnalyzeOptions) {
  const previous = options.previousFields ?? [];
  const layouts = previous.length > 0 ? [options.fields, previous] : [options.fields];
  return createParser({ layouts: layouts as string[][] }, { order: options.order });
}
type UnitParser = ReturnType<typeof parserOf>;

/** What every unit of one run shares: the options, decided once, and the plausible time range. */
export interface UnitContext {
  readonly options: AnalyzeOptions;
  readonly parser: UnitParser;
  /**
   * One enricher for every unit a thread runs: its caches (user agents above all) are pure
   * memoization, and warming them again for each 32 MiB range cost more than the range's cells.
   */
  readonly enricher: Enricher;
  readonly range: TimeRange;
  readonly readTimestamp: (line: string) => number | null;
}

/**
 * Builds the context of a run. `now` is the main thread's clock, passed to workers, so that every
 * unit judges timestamps against the same plausible range.
 *
 * @example
 * const context = unitContext(options, Date.now());
 */
export function unitContext(options: AnalyzeOptions, now: number): UnitContext {
  const parser = parserOf(options);
  const layoutFields = parser.layouts[0]?.fields ?? options.fields;
  const index = layoutFields.indexOf('timestamp');
  // Logs are analyzed after the fact: a time after this machine's clock is broken or hostile.
  return {
    options,
    parser,
    enricher: createCliEnricher(options.privacy),
    range: plausibleTimeRange(now),
    readTimestamp: (line) => timestampAt(line, index),
  };
}

/** A unit's figures as live objects (the main thread reports them at once when there is one unit). */
export interface UnitOutcome {
  readonly closed: ClosedCells;
  /** The untimed aggregator's cells (drained). */
  readonly untimed: WindowCell[];
  readonly records: number;
  readonly malformed: number;
  /** Up to `MAX_MALFORMED_EXAMPLES`, with line numbers within their segment's range. */
  readonly examples: (MalformedExample & { readonly segment: number })[];
  /** Records whose window had closed (in this unit's order) when they came. */
  readonly late: number;
  /** The largest event time the unit's windows saw, or null. */
  readonly watermark: number | null;
  /** Lines read per segment (empty and over-long ones included), to number the next range's lines. */
  readonly lines: number[];
}

/**
 * Reads, parses, derives and aggregates one unit's lines with one aggregator: the loop `cfrt
 * analyze` has always run over its whole input.
 *
 * @example
 * const outcome = await runUnit(context, { segments: [{ input: 0, source: 'logs.gz' }] }, progress, check);
 */
export async function runUnit(
  context: UnitContext,
  unit: Unit,
  progress: UnitProgress,
  check: MalformedSink,
): Promise<UnitOutcome> {
  const { options, parser, enricher, range, readTimestamp } = context;
  const common = {
    samplingRate: options.samplingRate,
    topK: options.topK,
    clientKey: REPORT_CLIENT_KEY,
    // Finite input in any order: windows and cells are drained as they close and kept compact
    // (ClosedCells), so no record may be turned away for a cap meant for one Lambda batch.
    maxWindows: Number.POSITIVE_INFINITY,
    maxCells: Number.POSITIVE_INFINITY,
  } as const;
  const windows: Aggregator = createAggregator({
    ...common,
    timeRange: range,
    windowSeconds: options.windowSeconds,
    allowedLatenessSeconds: options.allowedLatenessSeconds,
    dimensions: [[], ...options.dimensions],
    // The detector's cache-busting check reads distinct query strings (when the field is there).
    distinctQueries: options.findings !== undefined,
  });
  const untimed: Aggregator = createAggregator({ ...common, windowSeconds: UNTIMED_WINDOW_SECONDS });
  const lines: LineAggregator = createLineAggregator({ parser, enricher, aggregator: windows });
  const closed = new ClosedCells(options.findings !== undefined);

  const examples: (MalformedExample & { segment: number })[] = [];
  const lineCounts: number[] = [];
  let records = 0;
  let malformed = 0;
  let sinceDrain = 0;
  for (let segment = 0; segment < unit.segments.length; segment++) {
    const { source, range: bytes } = unit.segments[segment]!;
    let lineNo = 0;
    // Batches of lines, each handled synchronously: a promise per chunk, not per line.
    for await (const batch of readLineBatches(source, bytes)) {
      for (const line of batch) {
        lineNo++;
        if (line === '' || line === '\r') continue;
        if (isTooLong(line)) {
          // Longer than MAX_LINE_BYTES: never held, so no timestamp to file it under.
          malformed++;
          progress.tick(line.bytes + 1, true);
          windows.addMalformed(null);
          if (examples.length < MAX_MALFORMED_EXAMPLES)
            examples.push({ source, line: lineNo, reason: line.reason, segment });
          continue;
        }
        const result = lines.add(line);
        const failure = !result.ok
          ? result.reason
          : result.outcome === 'implausible'
            ? implausibleTime(result.timestamp ?? Number.NaN, range)
            : null;
        if (!result.ok || failure !== null) {
          if (!result.ok) check.malformed(line, result.reason);
          malformed++;
          progress.tick(line.length + 1, true);
          windows.addMalformed(readTimestamp(line));
          if (examples.length < MAX_MALFORMED_EXAMPLES)
            examples.push({ source, line: lineNo, reason: failure ?? 'malformed', segment });
          continue;
        }
        records++;
        progress.tick(line.length + 1);
        if (result.outcome === 'untimed') {
          // The line aggregator's record is ours and not read again: its time can be set.
          (result.record as { timestamp?: number | null }).timestamp = UNTIMED_TIME;
          untimed.add(result.record);
        }
        if (++sinceDrain === DRAIN_EVERY) {
          sinceDrain = 0;
          closed.add(windows.drainClosed());
        }
      }
    }
    lineCounts.push(lineNo);
  }
  const watermark = windows.watermark();
  closed.add(windows.drain());
  return {
    closed,
    untimed: untimed.drain(),
    records,
    malformed,
    examples,
    late: windows.stats().late,
    watermark,
    lines: lineCounts,
  };
}

/** A malformed line as the no-records check looks at it, without its content (see `shapeOf`). */
export interface MalformedSample {
  readonly shape: string;
  readonly reason?: string | undefined;
}

/**
 * A unit's figures as plain data, for a worker's message: counters, and the cells serialized
 * (`serializeCellWhole`; the main thread reads them back with `deserializeCell` and merges them).
 */
export interface UnitResult {
  readonly records: number;
  readonly malformed: number;
  readonly examples: readonly (MalformedExample & { readonly segment: number })[];
  readonly late: number;
  readonly watermark: number | null;
  readonly lines: readonly number[];
  /** The kept cells of closed windows, in the order they were kept. */
  readonly cells: readonly string[];
  /** The stream-wide cells rolled up (null when the unit had no timed record). */
  readonly totals: string | null;
  readonly untimed: readonly string[];
  /** Fragments the unit merged into cells it had kept. */
  readonly fragments: number;
  /** The first `MAX_SAMPLED_LINES` lines that did not parse, and how many did not. */
  readonly samples: readonly MalformedSample[];
  readonly unparsed: number;
}

/**
 * A line reduced to what the no-records check reads of it (no-records.ts: whether it starts with a
 * standard log's header, whether it holds NUL or undecodable bytes, its number of tab-separated
 * columns), so a worker can hand over 100 sampled lines without their content, which may be up
 * to 1 MiB each: the check classifies the shape exactly as it would the line.
 *
 * @example
 * shapeOf('#Fields: date time'); // '#Fields'
 * shapeOf('a\tb\tc'); // '\t\t'
 */
export function shapeOf(line: string): string {
  const header = line.startsWith('#Version') || line.startsWith('#Fields');
  const binary = line.includes('\0') || line.includes('\uFFFD');
  let tabs = 0;
  for (let i = line.indexOf('\t'); i !== -1; i = line.indexOf('\t', i + 1)) tabs++;
  return `${header ? '#Fields' : ''}${binary ? '\0' : ''}${'\t'.repeat(tabs)}`;
}

/** Records what the no-records check would see of a unit's unparsed lines. */
export class MalformedRecorder implements MalformedSink {
  readonly samples: MalformedSample[] = [];
  count = 0;

  malformed(line: string, reason?: string): void {
    this.count++;
    if (this.samples.length < MAX_SAMPLED_LINES) this.samples.push({ shape: shapeOf(line), reason });
  }
}

/**
 * A unit's outcome as plain data.
 *
 * @example
 * port.postMessage(toResult(await runUnit(context, unit, progress, recorder), recorder));
 */
export function toResult(outcome: UnitOutcome, recorder: MalformedRecorder): UnitResult {
  const totals = outcome.closed.totals;
  return {
    records: outcome.records,
    malformed: outcome.malformed,
    examples: outcome.examples,
    late: outcome.late,
    watermark: outcome.watermark,
    lines: outcome.lines,
    // Whole: the per-entry figures' budget is for stored cells, and would cut what one pass keeps.
    cells: Array.from(outcome.closed.values(), (c) => serializeCellWhole(c)),
    totals: totals === null ? null : serializeCellWhole(totals),
    untimed: outcome.untimed.map((c) => serializeCellWhole(c)),
    fragments: outcome.closed.fragments,
    samples: recorder.samples,
    unparsed: recorder.count,
  };
}

/** Reads back serialized cells. */
export function cellsOf(texts: readonly string[]): WindowCell[] {
  return texts.map((t) => deserializeCell(t));
}
