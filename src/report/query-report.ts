/**
 * The report of a query: what `queryWindows` merged, in the shape `cfrt analyze` reports (so the
 * same renderers print it, and `--format json` and the query API answer the same JSON).
 */
import { summarize, type WindowSummary } from '../aggregate/index.js';
import type { QueryWindowsResult } from '../sinks/dynamodb-query.js';
import type { AnalyzeReport } from './report.js';

/** What the report says about where its figures came from. */
export interface QueryReportOptions {
  /** Entries per top-N list. */
  readonly top: number;
  /** The table read, named in the report's footer. */
  readonly table: string;
  /** The window asked for, when nothing was found to tell the stored one. */
  readonly windowSeconds?: number | undefined;
  /** The command named in the header; default `cfrt query`. */
  readonly command?: string;
}

function byStartThenDimensions(a: WindowSummary, b: WindowSummary): number {
  if (a.start !== b.start) return a.start - b.start;
  const ka = JSON.stringify(a.dimensions);
  const kb = JSON.stringify(b.dimensions);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * The report of a query result. Stored cells count requests, not lines: `records` is the
 * stream-wide request count (scaled by the sampling rate when the config samples) and
 * `malformed` the malformed lines the handler filed under the range's windows.
 *
 * @example
 * const report = queryReport(await queryWindows({ ...options, dimensions: [[], ['country']] }), {
 *   top: 10,
 *   table: 'cf-windows',
 * });
 * renderReport(report, 'json');
 */
export function queryReport(result: QueryWindowsResult, options: QueryReportOptions): AnalyzeReport {
  const { top } = options;
  const windows: WindowSummary[] = [];
  const breakdown: WindowSummary[] = [];
  for (const cell of result.windows) {
    const s = summarize(cell, { top });
    if (s.requests <= 0) continue;
    (Object.keys(s.dimensions).length === 0 ? windows : breakdown).push(s);
  }
  windows.sort(byStartThenDimensions);
  breakdown.sort(byStartThenDimensions);
  const streamWide = result.totals.find((c) => Object.keys(c.dimensions).length === 0);
  const totals = streamWide === undefined ? null : summarize(streamWide, { top });
  return {
    records: totals === null ? 0 : Math.round(totals.requests),
    malformed: totals?.malformed ?? 0,
    malformedExamples: [],
    totals: totals !== null && totals.requests > 0 ? totals : null,
    windows,
    breakdown,
    windowSeconds: result.windowSeconds ?? options.windowSeconds ?? result.storedWindowSeconds ?? 60,
    top,
    samplingRate: 100,
    inputs: [`table ${options.table}`],
    command: options.command ?? 'cfrt query',
  };
}
