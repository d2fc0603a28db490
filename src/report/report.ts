/**
 * The report `cfrt analyze` renders: what the aggregator summarized (a totals summary and one per
 * window, plus per-dimension cells when asked), and the JSON contract derived from it. The
 * renderers (table, HTML, JSON) all read this one value, so they cannot disagree.
 */

import type { TopEntry, WindowSummary } from '../aggregate/types.js';
import type { Finding } from '../detect/types.js';
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
  /** With `--findings`: what the detector found, window by window (docs/findings.md). */
  findings?: Finding[];
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
  /** Requests per status code (`"200"`, `"404"`, `"000"`), ascending by code. */
  statusCodes: Record<string, number>;
}

/**
 * The top-N lists of the totals, `top` entries each, largest first. Paths, miss paths, clients,
 * countries and edge locations carry per-entry `figures` (see `TopEntryFigures`) when the cells
 * kept them; `userAgents` are the raw strings, `browsers`, `operatingSystems`, `devices` and `bots`
 * the names the enricher gave them.
 */
export interface ContractTopLists {
  paths: TopEntry[];
  missPaths: TopEntry[];
  errorPaths: TopEntry[];
  clients: TopEntry[];
  countries: TopEntry[];
  edgeLocations: TopEntry[];
  referers: TopEntry[];
  userAgents: TopEntry[];
  browsers: TopEntry[];
  operatingSystems: TopEntry[];
  devices: TopEntry[];
  bots: TopEntry[];
}

/** The totals in the JSON contract: the figures, then what only the totals carry. */
export interface ContractTotals extends ContractFigures {
  /** Requests from bots / requests with a classified user agent; null when unknown. */
  botShare?: number | null;
  /** The earliest and latest record timestamps, epoch ms; null when unknown. */
  firstSeen?: number | null;
  lastSeen?: number | null;
  top?: ContractTopLists;
}

/** One window in the JSON contract. */
export interface ContractWindow extends ContractFigures {
  /** Window start, epoch ms. */
  start: number;
  /** Window end (exclusive), epoch ms. */
  end?: number;
  /**
   * True for a window at either end of the report that the data covers only in part (see
   * `partialStarts`): its counts are not comparable with full windows.
   */
  partial?: boolean;
}

/** The `--format json` document. */
export interface AnalyzeJson {
  records: number;
  malformed: number;
  totals: ContractTotals;
  windows: ContractWindow[];
  /** Present only with `--dimension`: the per-dimension cells. */
  dimensions?: (ContractWindow & { dimensions: Record<string, string> })[];
  /** Present only with `--findings`: every finding, in window order (docs/findings.md). */
  findings?: Finding[];
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
  statusCodes: {},
};

/** The top lists of an empty input: every list, empty. */
const EMPTY_TOP_LISTS: Readonly<ContractTopLists> = {
  paths: [],
  missPaths: [],
  errorPaths: [],
  clients: [],
  countries: [],
  edgeLocations: [],
  referers: [],
  userAgents: [],
  browsers: [],
  operatingSystems: [],
  devices: [],
  bots: [],
};

/**
 * A window at an edge counts as partial when the data starts (first window) or ends (last window)
 * more than this share of the window inside it: a log file cut at 12:00:41 makes its 12:00 window
 * a 19-second one, which would read as a drop in traffic.
 */
export const PARTIAL_WINDOW_SLACK = 0.1;

/**
 * The starts of the windows the data covers only in part: the first window when its first record
 * came more than PARTIAL_WINDOW_SLACK of the window after its start, the last when its last record
 * came that much before its end. Inner windows lie between data, so they are whole. Windows of
 * cells stored without first and last timestamps are never called partial.
 *
 * @example
 * partialStarts(report.windows).has(report.windows[0].start); // true: the input began mid-window
 */
export function partialStarts(windows: readonly WindowSummary[]): Set<number> {
  const out = new Set<number>();
  const first = windows[0];
  const last = windows.at(-1);
  if (first === undefined || last === undefined) return out;
  const slack = (w: WindowSummary) => (w.end - w.start) * PARTIAL_WINDOW_SLACK;
  if (first.firstSeen != null && first.firstSeen - first.start > slack(first)) out.add(first.start);
  if (last.lastSeen != null && last.end - last.lastSeen > slack(last)) out.add(last.start);
  return out;
}

/**
 * The first `limit` heavy hitters as the report shows them (key and count). Summaries list them in
 * the canonical order already (largest first, ties by key): nothing to sort.
 */
export function topOf(entries: readonly TopEntry[], limit: number): TopEntry[] {
  return entries.slice(0, limit).map((e) => ({ key: e.key, count: e.count }));
}

/** As `topOf`, keeping each entry's error bound and figures (the contract's `top` lists). */
export function topWithFigures(entries: readonly TopEntry[] | undefined, limit: number): TopEntry[] {
  if (entries === undefined) return [];
  return entries.slice(0, limit).map((e) => {
    const out: TopEntry = { key: e.key, count: e.count, error: e.error ?? 0 };
    if (e.figures !== undefined) out.figures = { ...e.figures };
    return out;
  });
}

/**
 * The contract's top lists of a summary, `top` entries each.
 *
 * @example
 * contractTopLists(report.totals, 10).paths[0].figures?.p99; // 0.412
 */
export function contractTopLists(s: WindowSummary, top: number): ContractTopLists {
  const t = s.top;
  return {
    paths: topWithFigures(t.paths, top),
    missPaths: topWithFigures(t.missPaths, top),
    errorPaths: topWithFigures(t.errorPaths, top),
    clients: topWithFigures(t.clients, top),
    countries: topWithFigures(t.countries, top),
    edgeLocations: topWithFigures(t.edgeLocations, top),
    referers: topWithFigures(t.referers, top),
    userAgents: topWithFigures(t.userAgents, top),
    browsers: topWithFigures(t.browsers, top),
    operatingSystems: topWithFigures(t.operatingSystems, top),
    devices: topWithFigures(t.devices, top),
    bots: topWithFigures(t.bots, top),
  };
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
    statusCodes: { ...s.statusCodes },
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
  const partial = partialStarts(report.windows);
  const json: AnalyzeJson = {
    records: report.records,
    malformed: report.malformed,
    totals:
      report.totals === null
        ? {
            ...structuredClone(EMPTY_FIGURES),
            botShare: null,
            firstSeen: null,
            lastSeen: null,
            top: structuredClone(EMPTY_TOP_LISTS),
          }
        : {
            ...contractFigures(report.totals, report.top),
            botShare: report.totals.botShare,
            firstSeen: report.totals.firstSeen ?? null,
            lastSeen: report.totals.lastSeen ?? null,
            top: contractTopLists(report.totals, report.top),
          },
    windows: report.windows.map((w) => ({
      start: w.start,
      ...contractFigures(w, report.top),
      end: w.end,
      partial: partial.has(w.start),
    })),
  };
  if (report.breakdown.length > 0) {
    json.dimensions = report.breakdown.map((w) => ({
      start: w.start,
      dimensions: { ...w.dimensions },
      ...contractFigures(w, report.top),
    }));
  }
  if (report.findings !== undefined) json.findings = report.findings;
  return json;
}
