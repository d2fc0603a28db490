/**
 * The report `cfrt analyze` renders: what the aggregator summarized (a totals summary and one per
 * window, plus per-dimension cells when asked), and the JSON contract derived from it. The
 * renderers (table, HTML, JSON) all read this one value, so they cannot disagree.
 */

import type { TopEntry, WindowSummary } from '../aggregate/types.js';
import { STATUS_CLASSES, type StatusClass } from '../model/classes.js';

/** Everything an analysis produced. */
export interface AnalyzeReport {
  /** Lines that parsed (not scaled by the sampling rate). */
  records: number;
  /** Lines that did not parse. */
  malformed: number;
  /** Up to this many malformed lines, with their line number and reason, for the reader. */
  malformedExamples: MalformedExample[];
  /** The whole input as one cell; `null` when no record parsed. */
  totals: WindowSummary | null;
  /** Stream-wide windows, ascending by start. */
  windows: WindowSummary[];
  /** Per-dimension cells (`--dimension`), ascending by start then dimension values. */
  breakdown: WindowSummary[];
  /** Window size in seconds. */
  windowSeconds: number;
  /** Entries shown per top-N list. */
  top: number;
  /**
   * The sampling rate the counts were scaled by (100 = not sampled). `cfrt query` cannot know it
   * (stored cells say only that they were scaled) and gives 100.
   */
  samplingRate: number;
  /** Input sources as given (after glob expansion); for `cfrt query`, the table read. */
  inputs: string[];
  /** The command that made the report, as its header names it; default `cfrt analyze`. */
  command?: string;
  /** What the analysis held: closed windows are kept as mergeable cells, never as records. */
  state?: AnalyzeState;
}

/** The state an analysis kept (printed by `--stats`). */
export interface AnalyzeState {
  /** Window x dimension cells kept until the report. */
  cells: number;
  /** Fragments (records that came after their window had closed) merged into a kept cell. */
  fragmentsMerged: number;
  /** Records that came after their window had closed (counted in it all the same). */
  lateRecords: number;
  /** The kept cells' serialized size in bytes; measured only with `--stats`. */
  bytes: number | null;
}

/**
 * How the report names the sample its estimated counts were scaled from: `25% sample`, or just
 * `sample` when the rate is not known (stored cells read back by `cfrt query`).
 *
 * @example
 * `estimated from a ${sampleOf(report)}`; // 'estimated from a 25% sample'
 */
export function sampleOf(report: AnalyzeReport): string {
  return report.samplingRate < 100 ? `${report.samplingRate}% sample` : 'sample';
}

/** One malformed line, as reported. */
export interface MalformedExample {
  /** Source (file or `-`). */
  source: string;
  /** 1-based line number within the source. */
  line: number;
  reason: string;
}

/** `{ p50, p90, p99 }` in seconds, `null` where no value was seen. */
export interface Percentiles {
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

/** The figures the JSON contract carries for the totals and for every window. */
export interface ContractFigures {
  requests: number;
  bytesOut: number;
  bytesIn: number;
  status: Record<StatusClass, number>;
  cacheHitRatio: number | null;
  timeTaken: Percentiles;
  timeToFirstByte: Percentiles;
  uniqueClients: number;
  topUris: TopEntry[];
}

/** One window in the JSON contract. */
export interface ContractWindow extends ContractFigures {
  /** Window start, epoch ms. */
  start: number;
}

/** The `--format json` document. */
export interface AnalyzeJson {
  records: number;
  malformed: number;
  totals: ContractFigures;
  windows: ContractWindow[];
  /** Present only with `--dimension`: the per-dimension cells. */
  dimensions?: (ContractWindow & { dimensions: Record<string, string> })[];
}

const EMPTY_STATUS: Readonly<Record<StatusClass, number>> = {
  '1xx': 0,
  '2xx': 0,
  '3xx': 0,
  '4xx': 0,
  '5xx': 0,
  '000': 0,
};

/** The contract figures of an empty input: zeros and nulls, never missing keys. */
export const EMPTY_FIGURES: Readonly<ContractFigures> = {
  requests: 0,
  bytesOut: 0,
  bytesIn: 0,
  status: EMPTY_STATUS,
  cacheHitRatio: null,
  timeTaken: { p50: null, p90: null, p99: null },
  timeToFirstByte: { p50: null, p90: null, p99: null },
  uniqueClients: 0,
  topUris: [],
};

/**
 * The first `limit` heavy hitters as the report shows them (key and count). Summaries list them in
 * the canonical order already (largest first, ties by key): nothing to sort.
 */
export function topOf(entries: readonly TopEntry[], limit: number): TopEntry[] {
  return entries.slice(0, limit).map((e) => ({ key: e.key, count: e.count }));
}

/**
 * The contract figures of one summary.
 *
 * @example
 * contractFigures(summary, 10).topUris; // [{ key: '/index.html', count: 812 }, ...]
 */
export function contractFigures(s: WindowSummary, top: number): ContractFigures {
  const status = { ...EMPTY_STATUS };
  for (const cls of STATUS_CLASSES) status[cls] = s.status[cls] ?? 0;
  return {
    requests: s.requests,
    bytesOut: s.bytesOut,
    bytesIn: s.bytesIn,
    status,
    cacheHitRatio: s.cacheHitRatio,
    timeTaken: { p50: s.timeTaken.p50, p90: s.timeTaken.p90, p99: s.timeTaken.p99 },
    timeToFirstByte: { p50: s.timeToFirstByte.p50, p90: s.timeToFirstByte.p90, p99: s.timeToFirstByte.p99 },
    uniqueClients: s.uniqueClients,
    topUris: topOf(s.top.paths, top),
  };
}

/**
 * The `--format json` document: `{ records, malformed, totals, windows }` (and `dimensions` when
 * the report has a breakdown), keys in the contract's order.
 *
 * @example
 * JSON.stringify(toJson(report), null, 2);
 */
export function toJson(report: AnalyzeReport): AnalyzeJson {
  const json: AnalyzeJson = {
    records: report.records,
    malformed: report.malformed,
    totals:
      report.totals === null ? structuredClone(EMPTY_FIGURES) : contractFigures(report.totals, report.top),
    windows: report.windows.map((w) => ({ start: w.start, ...contractFigures(w, report.top) })),
  };
  if (report.breakdown.length > 0) {
    json.dimensions = report.breakdown.map((w) => ({
      start: w.start,
      dimensions: { ...w.dimensions },
      ...contractFigures(w, report.top),
    }));
  }
  return json;
}
