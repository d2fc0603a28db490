/**
 * `cfrt analyze`: files, globs or stdin (gzip or not) -> parse -> derive -> aggregate -> a report
 * (terminal table, self-contained HTML, or the JSON contract). Streams: memory is bounded by the
 * open windows and the sketch sizes, never by the input's size.
 */
import { writeFileSync } from 'node:fs';
import { compactCell, dropEntryFigures } from '../aggregate/cell.js';
import {
  type Aggregator,
  createAggregator,
  createLineAggregator,
  type DimensionName,
  implausibleTime,
  mergeCells,
  plausibleTimeRange,
  rollUp,
  serializeCell,
  summarize,
  type WindowCell,
  type WindowSummary,
} from '../aggregate/index.js';
import { MAX_TOP_K } from '../aggregate/options.js';
import { type BaselineWindow, baselineOf, detectFindings } from '../detect/detect.js';
import type { DetectOptions } from '../detect/options.js';
import type { Finding } from '../detect/types.js';
import { timestampAt } from '../parser/decode.js';
import { createParser } from '../parser/parser.js';
import type { AnalyzeReport, MalformedExample } from '../report/report.js';
import { createCliEnricher, type PrivacyOptions } from './deriver.js';
import { isTooLong, readLineItems } from './input.js';
import { createMatchCheck } from './no-records.js';
import { Progress } from './progress.js';
import { renderReport } from './render-report.js';
import { wantsColor } from './render-table.js';

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

/** Report formats. */
export type ReportFormat = 'table' | 'html' | 'json';

/** Everything `cfrt analyze` was asked to do. */
export interface AnalyzeOptions {
  fields: readonly string[];
  /** The list before a config change, read beside `fields` (`--previous-fields`; empty: none). */
  previousFields?: readonly string[];
  order: 'canonical' | 'delivery';
  /** Sources after glob expansion; `-` is stdin. */
  inputs: readonly string[];
  format: ReportFormat;
  /** Write the report here instead of stdout. */
  out?: string | undefined;
  windowSeconds: number;
  allowedLatenessSeconds: number;
  samplingRate: number;
  /** Extra dimension sets for the breakdown (the stream-wide view is always there). */
  dimensions: DimensionName[][];
  /** Entries per top-N list in the report. */
  top: number;
  /** Space-Saving counters per list (accuracy of the top-N figures). */
  topK: number;
  privacy: PrivacyOptions;
  /** Progress display on a TTY stderr; `false` turns it off. */
  progress: boolean;
  /** Print processing figures (records/s, peak RSS) to stderr as one JSON line. */
  stats: boolean;
  /** Exit 1 when any line was malformed (the report is still written). */
  strict: boolean;
  /**
   * Run the findings detector over the windows (`--findings`): its thresholds (the client policy
   * is `privacy.clientIp`) and how many earlier windows make the baseline.
   */
  findings?: (DetectOptions & { readonly baselineWindows: number }) | undefined;
}

/**
 * Finds a malformed line's timestamp, when its column is still readable, so it lands in its window
 * (the aggregator files an implausible one under no window).
 */
function timestampReader(fields: readonly string[]): (line: string) => number | null {
  const index = fields.indexOf('timestamp');
  return (line) => timestampAt(line, index);
}

/**
 * The cells of closed windows, by key. Input in any order (files of several shards, lines copied
 * out of S3 in any order, a reversed file) makes windows close before all their records came:
 * the aggregator then makes a fragment of the window, which merges here into the cell already
 * kept, so every record lands in its own window whatever the order. Cells are kept compact
 * (top-N lists folded to their counters), never as records.
 */
class ClosedCells {
  readonly #cells = new Map<string, WindowCell>();
  /**
   * Keep the stream-wide-only parts (per-entry figures, user-agent, ASN and spoofed-crawler lists)
   * in every window: the detector reads them (`--findings`), at some memory.
   */
  readonly #keep: (cell: WindowCell) => WindowCell;

  constructor(keepFigures = false) {
    this.#keep = keepFigures ? (cell) => cell : dropEntryFigures;
  }
  #fragments = 0;
  /**
   * The stream-wide cells rolled up as they close: the only cell whose per-entry figures the report
   * shows, so kept windows drop theirs (20 MB less on 200 MiB of input, measured).
   */
  #totals: WindowCell | null = null;

  add(cells: readonly WindowCell[]): void {
    for (const cell of cells) {
      if (isStreamWide(cell)) {
        this.#totals = rollUp(this.#totals === null ? [cell] : [this.#totals, cell])[0] ?? null;
      }
      const seen = this.#cells.get(cell.key);
      if (seen === undefined) this.#cells.set(cell.key, this.#keep(compactCell(cell)));
      else {
        this.#cells.set(cell.key, this.#keep(mergeCells(seen, cell)));
        this.#fragments++;
      }
    }
  }

  /** Every stream-wide cell added, rolled up into one (null when none). */
  get totals(): WindowCell | null {
    return this.#totals;
  }

  /** Fragments merged into a cell that was already kept. */
  get fragments(): number {
    return this.#fragments;
  }

  values(): IterableIterator<WindowCell> {
    return this.#cells.values();
  }

  /** Bytes of the kept cells as serialized (what they would take in DynamoDB). */
  serializedBytes(): number {
    let bytes = 0;
    for (const c of this.#cells.values()) bytes += Buffer.byteLength(serializeCell(c));
    return bytes;
  }
}

function isStreamWide(cell: WindowCell): boolean {
  for (const _ in cell.dimensions) return false;
  return true;
}

/**
 * Runs an analysis and returns the report (no output).
 *
 * @example
 * const report = await analyze({ ...options, inputs: ['logs.gz'] });
 * report.totals?.requests;
 */
export async function analyze(options: AnalyzeOptions): Promise<AnalyzeReport> {
  const previous = options.previousFields ?? [];
  const layouts = previous.length > 0 ? [options.fields, previous] : [options.fields];
  const parser = createParser({ layouts: layouts as string[][] }, { order: options.order });
  const layoutFields = parser.layouts[0]?.fields ?? options.fields;
  const readTimestamp = timestampReader(layoutFields);
  const enricher = createCliEnricher(options.privacy);
  const common = {
    samplingRate: options.samplingRate,
    topK: options.topK,
    clientKey: REPORT_CLIENT_KEY,
    // Finite input in any order: windows and cells are drained as they close and kept compact
    // (ClosedCells), so no record may be turned away for a cap meant for one Lambda batch.
    maxWindows: Number.POSITIVE_INFINITY,
    maxCells: Number.POSITIVE_INFINITY,
  } as const;
  // Logs are analyzed after the fact: a time after this machine's clock is broken or hostile.
  const range = plausibleTimeRange(Date.now());
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
  const lines = createLineAggregator({ parser, enricher, aggregator: windows });
  const closed = new ClosedCells(options.findings !== undefined);
  // A non-empty input of which no line parses is the wrong list or not a real-time log: exit 1.
  const check = createMatchCheck(parser);

  const progress = new Progress(process.stderr, { enabled: options.progress });
  const examples: MalformedExample[] = [];
  let records = 0;
  let malformed = 0;
  let sinceDrain = 0;
  for (const source of options.inputs) {
    let lineNo = 0;
    for await (const line of readLineItems([source])) {
      lineNo++;
      if (line === '' || line === '\r') continue;
      if (isTooLong(line)) {
        // Longer than MAX_LINE_BYTES: never held, so no timestamp to file it under.
        malformed++;
        progress.tick(line.bytes + 1, true);
        windows.addMalformed(null);
        if (examples.length < MAX_MALFORMED_EXAMPLES)
          examples.push({ source, line: lineNo, reason: line.reason });
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
          examples.push({ source, line: lineNo, reason: failure ?? 'malformed' });
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
  closed.add(windows.drain());
  progress.done();
  check.assertParsed(records);

  const all: WindowSummary[] = [];
  const streamWide: WindowCell[] = untimed.drain();
  for (const cell of closed.values()) {
    all.push(summarize(cell, { top: options.top }));
  }
  all.sort(byStartThenDimensions);
  if (closed.totals !== null) streamWide.push(closed.totals);
  const [totalsCell] = rollUp(streamWide);
  const totals = totalsCell === undefined ? null : summarize(totalsCell, { top: options.top });
  // Malformed lines without a readable time are in no window; the totals count them all.
  if (totals !== null) totals.malformed = malformed;
  return {
    records,
    malformed,
    malformedExamples: examples,
    totals,
    // A window only malformed lines fell into has no traffic to report: its lines are counted in
    // `malformed`, and the timeline shows it as a gap.
    windows: all.filter((s) => Object.keys(s.dimensions).length === 0 && s.requests > 0),
    breakdown: all.filter((s) => Object.keys(s.dimensions).length > 0 && s.requests > 0),
    windowSeconds: options.windowSeconds,
    top: options.top,
    samplingRate: options.samplingRate,
    inputs: [...options.inputs],
    ...(options.findings !== undefined
      ? { findings: findingsOf(closed.values(), { ...options.findings, clientIp: options.privacy.clientIp }) }
      : {}),
    state: {
      cells: all.length,
      fragmentsMerged: closed.fragments,
      lateRecords: windows.stats().late,
      bytes: options.stats ? closed.serializedBytes() : null,
    },
  };
}

/**
 * The detector over the kept windows in time order, each judged against the baseline of the
 * `baselineWindows` windows with traffic before it, as the scheduled detector does.
 */
function findingsOf(
  cells: Iterable<WindowCell>,
  options: DetectOptions & { readonly baselineWindows: number },
): Finding[] {
  const { baselineWindows, ...detect } = options;
  const byStart = new Map<number, WindowCell[]>();
  for (const cell of cells) {
    const list = byStart.get(cell.start) ?? [];
    list.push(cell);
    byStart.set(cell.start, list);
  }
  const baseline: BaselineWindow[] = [];
  const out: Finding[] = [];
  for (const start of [...byStart.keys()].sort((a, b) => a - b)) {
    // Every entry a cell kept: a finding is only as complete as the lists it reads.
    const window = (byStart.get(start) ?? []).map((c) => summarize(c, { top: MAX_TOP_K }));
    out.push(...detectFindings({ window, baseline }, detect));
    const facts = baselineOf(window);
    if (facts !== null) {
      baseline.push(facts);
      if (baseline.length > baselineWindows) baseline.shift();
    }
  }
  return out;
}

function byStartThenDimensions(a: WindowSummary, b: WindowSummary): number {
  if (a.start !== b.start) return a.start - b.start;
  const ka = JSON.stringify(a.dimensions);
  const kb = JSON.stringify(b.dimensions);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * Runs `cfrt analyze` and writes the report; resolves to the exit code.
 *
 * @example
 * process.exitCode = await runAnalyze(options);
 */
export async function runAnalyze(options: AnalyzeOptions): Promise<number> {
  const started = Date.now();
  const report = await analyze(options);
  // Color only on a terminal that wants it, and never in a file (--out).
  const color = options.out === undefined && wantsColor(process.stdout, process.env);
  const text = renderReport(report, options.format, process.stdout.columns ?? 100, { color });
  if (options.out !== undefined) {
    writeFileSync(options.out, text);
    if (options.format !== 'table' || !process.stdout.isTTY) {
      process.stderr.write(`cfrt: wrote ${options.out}\n`);
    }
  } else {
    await new Promise<void>((resolve, reject) =>
      process.stdout.write(text, (err) => (err ? reject(err) : resolve())),
    );
  }
  if (options.stats) {
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(
      `${JSON.stringify({
        records: report.records,
        malformed: report.malformed,
        seconds,
        recordsPerSecond: Math.round((report.records + report.malformed) / Math.max(seconds, 1e-3)),
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        ...report.state,
      })}\n`,
    );
  }
  return options.strict && report.malformed > 0 ? 1 : 0;
}
