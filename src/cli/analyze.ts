/**
 * `cfrt analyze`: files, globs or stdin (gzip or not) -> parse -> derive -> aggregate -> a report
 * (terminal table, self-contained HTML, or the JSON contract). Streams: memory is bounded by the
 * open windows and the sketch sizes, never by the input's size.
 */
import { writeFileSync } from 'node:fs';
import {
  type Aggregator,
  createAggregator,
  createLineAggregator,
  type DimensionName,
  mergeCells,
  summarize,
  type WindowCell,
  type WindowSummary,
} from '../aggregate/index.js';
import { timestampAt } from '../parser/decode.js';
import { createParser } from '../parser/parser.js';
import { createCliEnricher, type PrivacyOptions } from './deriver.js';
import { readLines } from './input.js';
import { Progress } from './progress.js';
import { renderHtml } from './render-html.js';
import { renderTable } from './render-table.js';
import { type AnalyzeReport, type MalformedExample, toJson } from './report.js';

/** Malformed lines quoted in the report (all of them are counted). */
export const MAX_MALFORMED_EXAMPLES = 20;
/** Records between two drains of closed windows: frequent enough to keep memory flat, rare enough to cost nothing. */
export const DRAIN_EVERY = 1 << 16;
/**
 * Totals: a second aggregator whose records all carry one time, so the whole input is one cell
 * (cells of different windows do not merge, and its sketches must see every record), and inputs
 * without a `timestamp` field still get totals. Overwriting the time after the windows have
 * counted the record costs nothing; copying the record would.
 */
const TOTALS_TIME = 0;
const TOTALS_WINDOW_SECONDS = 86_400;

/** Report formats. */
export type ReportFormat = 'table' | 'html' | 'json';

/** Everything `cfrt analyze` was asked to do. */
export interface AnalyzeOptions {
  fields: readonly string[];
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
}

/** 2000-01-01: CloudFront started in 2008; an earlier timestamp in a broken line is debris, not a time. */
const MIN_PLAUSIBLE_MS = 946_684_800_000;

/** Finds a malformed line's timestamp, when its column is still readable, so it lands in its window. */
function timestampReader(fields: readonly string[]): (line: string) => number | null {
  const index = fields.indexOf('timestamp');
  return (line) => {
    const ms = timestampAt(line, index);
    return ms !== null && ms >= MIN_PLAUSIBLE_MS ? ms : null;
  };
}

function byStartThenKey(a: WindowSummary, b: WindowSummary): number {
  if (a.start !== b.start) return a.start - b.start;
  const ka = JSON.stringify(a.dimensions);
  const kb = JSON.stringify(b.dimensions);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Adds a late-arriving fragment (a window drained earlier) into the summary already made. */
function foldLate(into: WindowSummary, extra: WindowSummary): void {
  into.late += extra.late;
  into.malformed += extra.malformed;
  into.requests += extra.requests;
  into.bytesOut += extra.bytesOut;
  into.bytesIn += extra.bytesIn;
}

/**
 * Runs an analysis and returns the report (no output).
 *
 * @example
 * const report = await analyze({ ...options, inputs: ['logs.gz'] });
 * report.totals?.requests;
 */
export async function analyze(options: AnalyzeOptions): Promise<AnalyzeReport> {
  const parser =
    options.order === 'delivery'
      ? createParser(options.fields, { order: 'delivery' })
      : createParser(options.fields);
  const layoutFields = parser.layouts[0]?.fields ?? options.fields;
  const readTimestamp = timestampReader(layoutFields);
  const enricher = createCliEnricher(options.privacy);
  const common = { samplingRate: options.samplingRate, topK: options.topK } as const;
  const windows: Aggregator = createAggregator({
    ...common,
    windowSeconds: options.windowSeconds,
    allowedLatenessSeconds: options.allowedLatenessSeconds,
    dimensions: [[], ...options.dimensions],
  });
  const totals: Aggregator = createAggregator({ ...common, windowSeconds: TOTALS_WINDOW_SECONDS });
  const lines = createLineAggregator({ parser, enricher, aggregator: windows });

  const summaries = new Map<string, WindowSummary>();
  const take = (cells: readonly WindowCell[]): void => {
    for (const cell of cells) {
      // A copy: top-N keys are slices of the input text and would pin whole read chunks
      // (64 KiB each) for as long as the report lives; cloning makes them flat strings.
      const summary = structuredClone(summarize(cell, { top: options.top }));
      const seen = summaries.get(cell.key);
      if (seen === undefined) summaries.set(cell.key, summary);
      else foldLate(seen, summary);
    }
  };

  const progress = new Progress(process.stderr, { enabled: options.progress });
  const examples: MalformedExample[] = [];
  let records = 0;
  let malformed = 0;
  let sinceDrain = 0;
  for (const source of options.inputs) {
    let lineNo = 0;
    for await (const line of readLines([source])) {
      lineNo++;
      if (line === '' || line === '\r') continue;
      const result = lines.add(line);
      if (!result.ok) {
        malformed++;
        progress.tick(line.length + 1, true);
        windows.addMalformed(readTimestamp(line));
        if (examples.length < MAX_MALFORMED_EXAMPLES)
          examples.push({ source, line: lineNo, reason: result.reason });
        continue;
      }
      records++;
      progress.tick(line.length + 1);
      // The line aggregator's record is ours and not read again: its time can be overwritten.
      const derived = result.record as { timestamp?: number | null };
      derived.timestamp = TOTALS_TIME;
      totals.add(result.record);
      if (++sinceDrain === DRAIN_EVERY) {
        sinceDrain = 0;
        take(windows.drainClosed());
      }
    }
  }
  take(windows.drain());
  progress.done();

  const all = [...summaries.values()].sort(byStartThenKey);
  const totalsSummary = rollUp(totals.drain(), options.top);
  if (totalsSummary !== null) {
    // The totals cell sees every record at one time, so lateness and malformed lines are
    // counted where they really happened: in the windows.
    totalsSummary.late = 0;
    for (const s of all) if (Object.keys(s.dimensions).length === 0) totalsSummary.late += s.late;
    totalsSummary.malformed = malformed;
  }
  return {
    records,
    malformed,
    malformedExamples: examples,
    totals: totalsSummary,
    // A window only malformed or late lines fell into has no traffic to report: its lines are
    // counted in `malformed` and the totals' `late`, and the timeline shows it as a gap.
    windows: all.filter((s) => Object.keys(s.dimensions).length === 0 && s.requests > 0),
    breakdown: all.filter((s) => Object.keys(s.dimensions).length > 0 && s.requests > 0),
    windowSeconds: options.windowSeconds,
    top: options.top,
    samplingRate: options.samplingRate,
    inputs: [...options.inputs],
  };
}

/** The one totals cell's summary (records without a timestamp form no cell). */
function rollUp(cells: readonly WindowCell[], top: number): WindowSummary | null {
  const [first, ...rest] = cells;
  if (first === undefined) return null;
  return summarize(rest.reduce(mergeCells, first), { top });
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
  const text =
    options.format === 'json'
      ? `${JSON.stringify(toJson(report), null, 2)}\n`
      : options.format === 'html'
        ? renderHtml(report)
        : renderTable(report, { width: process.stdout.columns ?? 100 });
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
      })}\n`,
    );
  }
  return options.strict && report.malformed > 0 ? 1 : 0;
}
