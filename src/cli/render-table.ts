/**
 * `--format table`: the terminal report. Totals, a timeline of sparklines (every window, folded
 * into the terminal's width), the last windows as rows, and the top-N lists.
 */

import type { WindowSummary } from '../aggregate/types.js';
import { STATUS_CLASSES } from '../model/classes.js';
import { formatDuration, formatInt, formatPercent, formatSeconds, formatTime } from '../report/figures.js';
import { type AnalyzeReport, sampleOf } from '../report/report.js';
import { type Series, type SeriesName, seriesOf, timeline } from '../report/timeline.js';
import { topLists } from '../report/top-lists.js';
import { escapeControl } from './escape-control.js';
import { formatBytes } from './progress.js';

/** Window rows printed before older ones are left to the sparklines (and to html/json). */
export const MAX_TABLE_ROWS = 30;
/** Widest sparkline, in characters. */
export const MAX_SPARK_WIDTH = 60;

const BARS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** How consecutive windows fold into one sparkline character. */
type Fold = 'sum' | 'mean' | 'max';

function fold(values: readonly (number | null)[], how: Fold): number | null {
  let acc: number | null = null;
  let n = 0;
  for (const v of values) {
    if (v === null) continue;
    n++;
    if (acc === null) acc = v;
    else if (how === 'max') acc = Math.max(acc, v);
    else acc += v;
  }
  if (acc === null) return null;
  return how === 'mean' ? acc / n : acc;
}

/**
 * A sparkline: one bar per value (values folded to fit `width`), a space where undefined.
 * The scale runs from the minimum to the maximum (the range is printed beside it).
 *
 * @example
 * sparkline([1, 5, 10, null, 3], 10); // '▁▄█ ▂'
 */
export function sparkline(values: Series, width: number = MAX_SPARK_WIDTH, how: Fold = 'sum'): string {
  let folded: (number | null)[] = values;
  if (values.length > width) {
    const per = Math.ceil(values.length / width);
    folded = [];
    for (let i = 0; i < values.length; i += per) folded.push(fold(values.slice(i, i + per), how));
  }
  const defined = folded.filter((v): v is number => v !== null);
  if (defined.length === 0) return ' '.repeat(folded.length);
  const max = Math.max(...defined);
  const min = Math.min(...defined);
  const span = max - min;
  return folded
    .map((v) => {
      if (v === null) return ' ';
      if (span === 0) return v === 0 ? BARS[0] : BARS[BARS.length - 1];
      return BARS[Math.min(BARS.length - 1, Math.floor(((v - min) / span) * BARS.length))];
    })
    .join('');
}

function pad(text: string, width: number, right = false): string {
  const len = [...text].length;
  if (len >= width) return text;
  return right ? ' '.repeat(width - len) + text : text + ' '.repeat(width - len);
}

function truncate(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(width - 1, 1)).join('')}…`;
}

/** Columns as text: first column left-aligned, the rest right-aligned. */
function table(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => pad(cell, widths[i] ?? 0, i > 0))
        .join('  ')
        .trimEnd(),
  );
}

function range(values: Series, show: (v: number) => string): string {
  const defined = values.filter((v): v is number => v !== null);
  if (defined.length === 0) return '';
  return `${show(Math.min(...defined))} .. ${show(Math.max(...defined))}`;
}

interface Line {
  label: string;
  series: SeriesName;
  fold: Fold;
  show: (v: number) => string;
}

const TIMELINE: readonly Line[] = [
  { label: 'requests', series: 'requests', fold: 'sum', show: formatInt },
  { label: 'bytes out', series: 'bytesOut', fold: 'sum', show: formatBytes },
  { label: 'errors', series: 'errors', fold: 'sum', show: formatInt },
  { label: '4xx rate', series: 'rate4xx', fold: 'mean', show: (v) => formatPercent(v) },
  { label: '5xx rate', series: 'rate5xx', fold: 'mean', show: (v) => formatPercent(v) },
  { label: 'cache hit ratio', series: 'hitRatio', fold: 'mean', show: (v) => formatPercent(v) },
  { label: 'latency p50', series: 'p50', fold: 'max', show: formatSeconds },
  { label: 'latency p99', series: 'p99', fold: 'max', show: formatSeconds },
  { label: 'TTFB p99', series: 'ttfb99', fold: 'max', show: formatSeconds },
  { label: 'distinct clients', series: 'clients', fold: 'max', show: formatInt },
];

function totalsSection(t: WindowSummary, report: AnalyzeReport): string[] {
  const statusText = STATUS_CLASSES.filter((c) => t.status[c] > 0)
    .map(
      (c) =>
        `${c} ${formatInt(t.status[c])} (${formatPercent(t.requests === 0 ? null : t.status[c] / t.requests)})`,
    )
    .join('   ');
  const rows: string[][] = [
    ['requests', `${formatInt(t.requests)}${t.estimated ? ` (estimated from a ${sampleOf(report)})` : ''}`],
    ['bandwidth', `${formatBytes(t.bytesOut)} out, ${formatBytes(t.bytesIn)} in`],
    ['status', statusText || '-'],
    [
      'error rates',
      `4xx ${formatPercent(t.errorRates['4xx'], 2)}   5xx ${formatPercent(t.errorRates['5xx'], 2)}   000 ${formatPercent(t.errorRates['000'], 2)}`,
    ],
    ['cache hit ratio', formatPercent(t.cacheHitRatio)],
    [
      'latency',
      `p50 ${formatSeconds(t.timeTaken.p50)}   p90 ${formatSeconds(t.timeTaken.p90)}   p99 ${formatSeconds(t.timeTaken.p99)}`,
    ],
    [
      'time to first byte',
      `p50 ${formatSeconds(t.timeToFirstByte.p50)}   p90 ${formatSeconds(t.timeToFirstByte.p90)}   p99 ${formatSeconds(t.timeToFirstByte.p99)}`,
    ],
    ['distinct clients', `~${formatInt(t.uniqueClients)}`],
  ];
  if (t.botShare !== null) rows.push(['bot share', formatPercent(t.botShare)]);
  if (t.late > 0) {
    rows.push([
      'late records',
      `${formatInt(t.late)} (came after their window closed; merged into it, figures are exact)`,
    ]);
  }
  const width = Math.max(...rows.map((r) => r[0]?.length ?? 0));
  return rows.map(([k = '', v = '']) => `  ${pad(k, width)}  ${v}`);
}

/**
 * The terminal report. Every value from the data (top-list keys, dimension values, file names,
 * malformed-line reasons) goes through `escapeControl`: the only control character in the output
 * is the newline between rows.
 *
 * @example
 * process.stdout.write(renderTable(report, { width: process.stdout.columns }));
 */
export function renderTable(report: AnalyzeReport, options: { width?: number } = {}): string {
  const width = Math.max(options.width ?? 100, 60);
  const out: string[] = [];
  const first = report.windows[0];
  const last = report.windows.at(-1);
  const span =
    first !== undefined && last !== undefined
      ? `, ${formatTime(first.start)} .. ${formatTime(last.end)} UTC (${formatDuration((last.end - first.start) / 1000)})`
      : '';
  out.push(
    `${report.command ?? 'cfrt analyze'}: ${formatInt(report.records)} records, ${formatInt(report.malformed)} malformed${span}`,
    '',
  );
  const t = report.totals;
  if (t === null) {
    out.push('No records parsed: nothing to report.');
  } else {
    out.push('Totals', ...totalsSection(t, report), '');
    if (report.windows.length === 0) {
      out.push('No timeline: no record had a timestamp (is `timestamp` in the field list?).', '');
    } else {
      const slots = timeline(report.windows, report.windowSeconds);
      const sparkWidth = Math.min(MAX_SPARK_WIDTH, Math.max(width - 48, 10));
      out.push(`Timeline: ${formatInt(slots.length)} windows of ${report.windowSeconds} s`);
      const rows = TIMELINE.map((line) => {
        const series = seriesOf(slots, line.series);
        return [line.label, sparkline(series, sparkWidth, line.fold), range(series, line.show)];
      });
      const labelWidth = Math.max(...rows.map((r) => r[0]?.length ?? 0));
      const spark = Math.max(...rows.map((r) => [...(r[1] ?? '')].length));
      for (const [label = '', s = '', r = ''] of rows)
        out.push(`  ${pad(label, labelWidth)}  ${pad(s, spark)}  ${r}`);
      out.push('');

      const shown = report.windows.slice(-MAX_TABLE_ROWS);
      out.push(
        shown.length < report.windows.length
          ? `Windows (the last ${shown.length} of ${report.windows.length}; --format html or json for all)`
          : 'Windows',
      );
      out.push(
        ...table([
          [
            'start (UTC)',
            'requests',
            'out',
            '2xx',
            '3xx',
            '4xx',
            '5xx',
            '000',
            'hit',
            'p50',
            'p90',
            'p99',
            'clients',
          ],
          ...shown.map((w) => [
            formatTime(w.start),
            formatInt(w.requests),
            formatBytes(w.bytesOut),
            formatInt(w.status['2xx']),
            formatInt(w.status['3xx']),
            formatInt(w.status['4xx']),
            formatInt(w.status['5xx']),
            formatInt(w.status['000']),
            formatPercent(w.cacheHitRatio),
            formatSeconds(w.timeTaken.p50),
            formatSeconds(w.timeTaken.p90),
            formatSeconds(w.timeTaken.p99),
            formatInt(w.uniqueClients),
          ]),
        ]),
        '',
      );
    }

    for (const list of topLists(t, report.top)) {
      out.push(`Top ${list.title.toLowerCase()}`);
      const keyWidth = Math.max(width - 24, 20);
      out.push(
        ...table(
          list.entries.map((e) => [
            truncate(e.key === '' ? '(empty)' : escapeControl(e.key), keyWidth),
            formatInt(e.count),
            formatPercent(t.requests === 0 ? null : e.count / t.requests),
          ]),
        ),
        '',
      );
    }
  }

  if (report.breakdown.length > 0) {
    out.push(
      `By dimension (${formatInt(report.breakdown.length)} cells; --format json or html for every cell)`,
    );
    const byValues = new Map<string, { dims: string; requests: number; errors: number; bytes: number }>();
    for (const cell of report.breakdown) {
      const dims = Object.entries(cell.dimensions)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      const acc = byValues.get(dims) ?? { dims, requests: 0, errors: 0, bytes: 0 };
      acc.requests += cell.requests;
      acc.errors += cell.status['4xx'] + cell.status['5xx'] + cell.status['000'];
      acc.bytes += cell.bytesOut;
      byValues.set(dims, acc);
    }
    const ranked = [...byValues.values()].sort((a, b) => b.requests - a.requests).slice(0, report.top);
    out.push(
      ...table([
        ['dimensions', 'requests', 'errors', 'out'],
        ...ranked.map((r) => [
          truncate(escapeControl(r.dims), Math.max(width - 40, 20)),
          formatInt(r.requests),
          formatInt(r.errors),
          formatBytes(r.bytes),
        ]),
      ]),
      '',
    );
  }

  if (report.malformed > 0) {
    const only = report.inputs.length === 1 ? report.inputs[0] : undefined;
    const name = (source: string): string => (source === '-' ? 'stdin' : escapeControl(source));
    out.push(
      `Malformed lines: ${formatInt(report.malformed)}${only === undefined ? '' : ` (in ${name(only)})`}`,
    );
    // Reasons are not cut: they name the field and quote the value, which is what one needs.
    for (const m of report.malformedExamples) {
      out.push(
        `  ${only === undefined ? `${name(m.source)}:` : 'line '}${m.line}: ${escapeControl(m.reason)}`,
      );
    }
    if (report.malformedExamples.length < report.malformed) {
      out.push(`  ... ${formatInt(report.malformed - report.malformedExamples.length)} more`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
