/**
 * `cfrt analyze`: files, globs or stdin (gzip or not) -> parse -> derive -> aggregate -> a report
 * (terminal table, self-contained HTML, or the JSON contract). Streams: memory is bounded by the
 * open windows and the sketch sizes, never by the input's size.
 */
import { writeFileSync } from 'node:fs';
import { Cell } from '../aggregate/cell.js';
import {
  type DimensionName,
  mergeCells,
  rollUp,
  summarize,
  type WindowCell,
  type WindowSummary,
} from '../aggregate/index.js';
import { MAX_TOP_K } from '../aggregate/options.js';
import { type BaselineWindow, baselineOf, detectFindings } from '../detect/detect.js';
import type { DetectOptions } from '../detect/options.js';
import type { Finding } from '../detect/types.js';
import type { AnalyzeReport, MalformedExample } from '../report/report.js';
import { autoThreads, runUnits } from './analyze-pool.js';
import {
  cellsOf,
  MAX_MALFORMED_EXAMPLES,
  runUnit,
  type UnitContext,
  type UnitResult,
  unitContext,
} from './analyze-unit.js';
import { ClosedCells, isStreamWide } from './closed-cells.js';
import type { PrivacyOptions } from './deriver.js';
import { planUnits, RANGE_BYTES, type Unit } from './file-chunks.js';
import { createMatchCheck } from './no-records.js';
import { Progress } from './progress.js';
import { renderReport } from './render-report.js';
import { wantsColor } from './render-table.js';

export { DRAIN_EVERY, MAX_MALFORMED_EXAMPLES } from './analyze-unit.js';

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
  /**
   * Worker threads for files cut into ranges (`--threads`): a number, or `auto` (default: one per
   * core, up to MAX_AUTO_THREADS). The report does not depend on it.
   */
  threads?: number | 'auto' | undefined;
  /**
   * Bytes per range a regular, uncompressed file is cut into (`--range-bytes`; default
   * RANGE_BYTES). A file no larger is read whole, as one range. Where cuts fall can move top-N
   * entries past the `topK`th within Space-Saving's bounds; every other figure is exact.
   */
  rangeBytes?: number | undefined;
}

/** What the report is assembled from, however the input was read. */
interface Gathered {
  readonly closed: ClosedCells;
  /** The untimed aggregator's cells, ordered by start then key. */
  readonly untimed: WindowCell[];
  readonly records: number;
  readonly malformed: number;
  readonly examples: MalformedExample[];
  readonly late: number;
}

/**
 * Runs an analysis and returns the report (no output).
 *
 * @example
 * const report = await analyze({ ...options, inputs: ['logs.gz'] });
 * report.totals?.requests;
 */
export async function analyze(options: AnalyzeOptions): Promise<AnalyzeReport> {
  const now = Date.now();
  // Options are checked once, here (the enricher's too), before any line is read or worker started.
  const context = unitContext(options, now);
  const units = await planUnits(options.inputs, options.rangeBytes ?? RANGE_BYTES);
  const progress = new Progress(process.stderr, { enabled: options.progress });
  // A non-empty input of which no line parses is the wrong list or not a real-time log: exit 1.
  const check = createMatchCheck(context.parser);
  let gathered: Gathered;
  if (units.length <= 1) {
    // Input read whole by one aggregator, as it always was: no cells cross a thread.
    const outcome = await runUnit(context, units[0] ?? { segments: [] }, progress, check);
    gathered = {
      ...outcome,
      examples: outcome.examples.map(({ source, line, reason }) => ({ source, line, reason })),
    };
  } else {
    const merger = new UnitMerger(context, units);
    const threads =
      options.threads === undefined || options.threads === 'auto' ? autoThreads() : options.threads;
    await runUnits(units, context, {
      threads,
      progress,
      now,
      onResult: (index, result) => merger.add(index, result, check),
    });
    gathered = merger.gathered();
  }
  progress.done();
  check.assertParsed(gathered.records);
  return reportOf(options, gathered);
}

/**
 * Merges units' results in unit order into what one aggregator reading every unit in turn would
 * have gathered: counts, sketches and cells merged; malformed lines numbered from their input's
 * first line; and lateness judged against the largest time of every unit before (see `add`).
 */
class UnitMerger {
  readonly #units: readonly Unit[];
  readonly #closed: ClosedCells;
  readonly #untimed = new Map<string, WindowCell>();
  readonly #examples: MalformedExample[] = [];
  /** Lines of each input read by the units merged so far (by input index). */
  readonly #lines = new Map<number, number>();
  readonly #weight: number;
  readonly #latenessMs: number;
  #records = 0;
  #malformed = 0;
  #late = 0;
  #watermark: number | null = null;

  constructor(context: UnitContext, units: readonly Unit[]) {
    this.#units = units;
    this.#closed = new ClosedCells(context.options.findings !== undefined);
    // What the aggregator counts a record as (its requests), to count a cell's records back.
    this.#weight = 100 / context.options.samplingRate;
    this.#latenessMs = context.options.allowedLatenessSeconds * 1000;
  }

  add(index: number, result: UnitResult, check: { malformed(line: string, reason?: string): void }): void {
    const unit = this.#units[index]!;
    for (const e of result.examples) {
      if (this.#examples.length >= MAX_MALFORMED_EXAMPLES) break;
      const input = unit.segments[e.segment]!.input;
      this.#examples.push({
        source: e.source,
        line: e.line + (this.#lines.get(input) ?? 0),
        reason: e.reason,
      });
    }
    unit.segments.forEach((segment, i) => {
      this.#lines.set(segment.input, (this.#lines.get(segment.input) ?? 0) + (result.lines[i] ?? 0));
    });
    const cells = cellsOf(result.cells);
    // Read in one pass, a record is late when the largest time before it closed its window. The
    // unit judged that against its own records; a record it took as on time is late all the same
    // when the units before it saw a time that closed its window, which depends on the window
    // only: then every record of that window in this unit was late.
    let late = 0;
    const mark = this.#watermark;
    if (mark !== null) {
      for (const cell of cells) {
        if (!(cell instanceof Cell) || cell.end + this.#latenessMs > mark) continue;
        // requests is the records' weights added up: exact, and within far less than half a
        // weight for the records of one range.
        const records = Math.round(cell.requests / this.#weight);
        if (records <= cell.late) continue;
        if (isStreamWide(cell)) late += records - cell.late;
        cell.late = records;
      }
    }
    const totals = result.totals === null ? null : cellsOf([result.totals])[0]!;
    if (totals instanceof Cell) totals.late += late;
    this.#closed.addKept(cells);
    if (totals !== null) this.#closed.addTotals(totals);
    this.#closed.countFragments(result.fragments);
    for (const cell of cellsOf(result.untimed)) {
      const seen = this.#untimed.get(cell.key);
      this.#untimed.set(cell.key, seen === undefined ? cell : mergeCells(seen, cell));
    }
    this.#records += result.records;
    this.#malformed += result.malformed;
    this.#late += result.late + late;
    // The no-records check sees the units' first unparsed lines as it would have seen the lines.
    for (const s of result.samples) check.malformed(s.shape, s.reason);
    for (let i = result.samples.length; i < result.unparsed; i++) check.malformed('');
    if (result.watermark !== null && (mark === null || result.watermark > mark)) {
      this.#watermark = result.watermark;
    }
  }

  gathered(): Gathered {
    const untimed = [...this.#untimed.values()].sort(
      (a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    return {
      closed: this.#closed,
      untimed,
      records: this.#records,
      malformed: this.#malformed,
      examples: this.#examples,
      late: this.#late,
    };
  }
}

function reportOf(options: AnalyzeOptions, gathered: Gathered): AnalyzeReport {
  const { closed, records, malformed } = gathered;
  const all: WindowSummary[] = [];
  const streamWide: WindowCell[] = gathered.untimed;
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
    malformedExamples: gathered.examples,
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
      lateRecords: gathered.late,
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
