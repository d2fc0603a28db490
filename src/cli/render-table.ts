/**
 * `--format table`: the terminal report. Totals, a timeline of sparklines (every window, folded
 * into the terminal's width), the last windows as rows, and the top-N lists.
 */

import type { TopEntry, WindowSummary } from '../aggregate/types.js';
import { STATUS_CLASSES } from '../model/classes.js';
import {
  formatDuration,
  formatInt,
  formatPercent,
  formatSeconds,
  formatTime,
  middleTruncate,
} from '../report/figures.js';
import { type AnalyzeReport, sampleOf } from '../report/report.js';
import {
  type Series,
  type SeriesName,
  scaleValues,
  seriesOf,
  type TimelineSlot,
  timeline,
} from '../report/timeline.js';
import { type TopList, topLists } from '../report/top-lists.js';
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
export function sparkline(
  values: Series,
  width: number = MAX_SPARK_WIDTH,
  how: Fold = 'sum',
  scale?: readonly number[],
): string {
  let folded: (number | null)[] = values;
  if (values.length > width) {
    const per = Math.ceil(values.length / width);
    folded = [];
    for (let i = 0; i < values.length; i += per) folded.push(fold(values.slice(i, i + per), how));
  }
  const defined = folded.filter((v): v is number => v !== null);
  if (defined.length === 0) return ' '.repeat(folded.length);
  // The scale spans `scale` (whole windows' values) when given and not folded: partial edge
  // windows are drawn clamped to it instead of flattening the rest.
  const basis = scale !== undefined && scale.length > 0 && folded === values ? scale : defined;
  const max = Math.max(...basis);
  const min = Math.min(...basis);
  const span = max - min;
  return folded
    .map((v) => {
      if (v === null) return ' ';
      if (v < min) return BARS[0];
      if (v > max) return BARS[BARS.length - 1];
      if (span === 0) return v === 0 ? BARS[0] : BARS[BARS.length - 1];
      return BARS[Math.max(0, Math.min(BARS.length - 1, Math.floor(((v - min) / span) * BARS.length)))];
    })
    .join('');
}

function pad(text: string, width: number, right = false): string {
  const len = [...text].length;
  if (len >= width) return text;
  return right ? ' '.repeat(width - len) + text : text + ' '.repeat(width - len);
}

/** One column of a table that fits a width: lower `drop` goes first (0: never dropped). */
interface Column {
  header: string;
  cells: string[];
  /** Dropped in ascending order while the table is too wide; 0 never. */
  drop: number;
  /** The key column: cut (both ends kept) to what the others leave, at least `min` characters. */
  flex?: { min: number };
}

const len = (text: string): number => [...text].length;

/**
 * Columns as text that fits `width`: columns with the lowest `drop` go first while the table is
 * too wide, then the flex column is cut keeping both ends. First column left-aligned, the rest
 * right-aligned; the header is the first row.
 */
export function fitTable(columns: readonly Column[], width: number, indent = '  '): string[] {
  let cols = [...columns];
  const natural = (c: Column): number => Math.max(len(c.header), ...c.cells.map(len));
  const total = (cs: readonly Column[]): number =>
    indent.length +
    cs.reduce((n, c) => n + (c.flex === undefined ? natural(c) : c.flex.min), 0) +
    2 * (cs.length - 1);
  const droppable = [...cols].filter((c) => c.drop > 0).sort((a, b) => a.drop - b.drop);
  while (total(cols) > width && droppable.length > 0) {
    const gone = droppable.shift();
    cols = cols.filter((c) => c !== gone);
  }
  const fixed = cols.reduce((n, c) => n + (c.flex === undefined ? natural(c) : 0), 0);
  const widths = cols.map((c) =>
    c.flex === undefined
      ? natural(c)
      : Math.min(natural(c), Math.max(c.flex.min, width - indent.length - fixed - 2 * (cols.length - 1))),
  );
  const rows = [
    cols.map((c) => c.header),
    ...(cols[0]?.cells ?? []).map((_, r) => cols.map((c) => c.cells[r] ?? '')),
  ];
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, i) => {
          const w = widths[i] ?? 0;
          const text = cols[i]?.flex !== undefined ? middleTruncate(cell, w) : cell;
          return pad(text, w, i > 0);
        })
        .join('  ')
        .trimEnd(),
  );
}

/** Words joined by `sep`, wrapped to lines of at most `width` characters (the first after `lead`). */
function wrap(parts: readonly string[], width: number, sep = '   '): string[] {
  const lines: string[] = [];
  let line = '';
  for (const p of parts) {
    if (line !== '' && len(line) + sep.length + len(p) > width) {
      lines.push(line);
      line = p;
    } else line = line === '' ? p : `${line}${sep}${p}`;
  }
  if (line !== '') lines.push(line);
  return lines;
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

function totalsSection(t: WindowSummary, report: AnalyzeReport, width: number): string[] {
  const statusParts = STATUS_CLASSES.filter((c) => t.status[c] > 0).map(
    (c) =>
      `${c} ${formatInt(t.status[c])} (${formatPercent(t.requests === 0 ? null : t.status[c] / t.requests)})`,
  );
  const statusText = statusParts.join('   ');
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
  const labels = Math.max(...rows.map((r) => r[0]?.length ?? 0));
  const room = Math.max(width - labels - 4, 20);
  const out: string[] = [];
  for (const [k = '', v = ''] of rows) {
    // Values made of parts (status classes, quantiles) wrap between parts; prose wraps between words.
    const parts = v.includes('   ') ? v.split('   ') : v.split(' ');
    const lines = wrap(parts, room, v.includes('   ') ? '   ' : ' ');
    lines.forEach((line, i) => {
      out.push(`  ${pad(i === 0 ? k : '', labels)}  ${line}`);
    });
  }
  return out;
}

/** Options of `renderTable`. */
export interface RenderTableOptions {
  /** Columns to fit (at least 60). Default 100. */
  width?: number;
  /**
   * Bold headings and dim notes (SGR escapes). Only for a terminal that wants them: the CLI sets it
   * when stdout is a TTY, NO_COLOR is unset or empty and TERM is not `dumb`. Default false.
   */
  color?: boolean;
}

function styles(color: boolean) {
  const sgr = (code: string) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  return { bold: sgr('1'), dim: sgr('2') };
}

/**
 * Whether the terminal report should use color: a TTY, NO_COLOR unset or empty
 * (https://no-color.org), TERM not `dumb`.
 *
 * @example
 * renderTable(report, { width: process.stdout.columns, color: wantsColor(process.stdout, process.env) });
 */
export function wantsColor(
  stream: { isTTY?: boolean },
  env: Readonly<Record<string, string | undefined>>,
): boolean {
  return stream.isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
}

function partialNote(slots: readonly TimelineSlot[], windowSeconds: number): string {
  const notes: string[] = [];
  const first = slots[0];
  const last = slots.at(-1);
  if (first?.partial === true && first.summary?.firstSeen != null) {
    notes.push(`the first window starts at ${formatTime(first.summary.firstSeen).slice(11)}`);
  }
  if (last !== first && last?.partial === true && last.summary?.lastSeen != null) {
    notes.push(`the last ends at ${formatTime(last.summary.lastSeen).slice(11)}`);
  }
  if (notes.length === 0) return '';
  return `partial: ${notes.join(', ')} (of ${windowSeconds} s); left out of the scales`;
}

/** A top list as a table: key, requests, share, and the entry figures where the list has them. */
function topListTable(list: TopList, width: number): string[] {
  const e = list.entries;
  const share = (n: number) => formatPercent(list.shareOf > 0 ? n / list.shareOf : null);
  const cols: Column[] = [
    {
      header: list.keyLabel,
      drop: 0,
      cells: e.map((x) => (x.key === '' ? '(empty)' : escapeControl(x.key))),
      flex: { min: 24 },
    },
    {
      header: 'requests',
      drop: 0,
      cells: e.map((x) => `${x.error !== undefined && x.error > 0 ? '~' : ''}${formatInt(x.count)}`),
    },
    { header: 'share', drop: 6, cells: e.map((x) => share(x.count)) },
  ];
  if (list.figures) {
    const f = (get: (fig: NonNullable<TopEntry['figures']>) => string) =>
      e.map((x) => (x.figures === undefined ? '-' : get(x.figures)));
    cols.push(
      { header: 'errors', drop: 5, cells: f((x) => formatPercent(x.errorRate)) },
      // Miss paths hit nothing by definition.
      ...(list.id === 'miss-paths'
        ? []
        : [{ header: 'hit', drop: 3, cells: f((x) => formatPercent(x.cacheHitRatio)) }]),
      { header: 'out', drop: 2, cells: f((x) => formatBytes(x.bytesOut)) },
      { header: 'p50', drop: 1, cells: f((x) => formatSeconds(x.p50)) },
      { header: 'p99', drop: 4, cells: f((x) => formatSeconds(x.p99)) },
    );
  }
  return fitTable(cols, width);
}

/**
 * The terminal report. Every value from the data (top-list keys, dimension values, file names,
 * malformed-line reasons) goes through `escapeControl`: the only control character in the output
 * is the newline between rows.
 *
 * @example
 * process.stdout.write(renderTable(report, { width: process.stdout.columns }));
 */
export function renderTable(report: AnalyzeReport, options: RenderTableOptions = {}): string {
  const width = Math.max(options.width ?? 100, 60);
  const style = styles(options.color === true);
  const out: string[] = [];
  const first = report.windows[0];
  const last = report.windows.at(-1);
  const head = `${report.command ?? 'cfrt analyze'}: ${formatInt(report.records)} records, ${formatInt(report.malformed)} malformed`;
  const span =
    first !== undefined && last !== undefined
      ? `${formatTime(first.start)} .. ${formatTime(last.end)} UTC (${formatDuration((last.end - first.start) / 1000)})`
      : '';
  // One line when it fits, else the span on a line of its own.
  if (span === '') out.push(style.bold(head), '');
  else if (len(`${head}, ${span}`) <= width) out.push(`${style.bold(head)}, ${span}`, '');
  else out.push(style.bold(head), `  ${span}`, '');
  const t = report.totals;
  if (t === null) {
    out.push('No records parsed: nothing to report.');
  } else {
    out.push(style.bold('Totals'), ...totalsSection(t, report, width), '');
    if (report.windows.length === 0) {
      out.push('No timeline: no record had a timestamp (is `timestamp` in the field list?).', '');
    } else {
      const slots = timeline(report.windows, report.windowSeconds);
      out.push(style.bold(`Timeline: ${formatInt(slots.length)} windows of ${report.windowSeconds} s`));
      const labelWidth = Math.max(...TIMELINE.map((l) => l.label.length));
      const ranges = TIMELINE.map((line) => {
        const series = seriesOf(slots, line.series);
        return { line, series, range: range(scaleValues(series, slots), line.show) };
      });
      const rangeWidth = Math.max(...ranges.map((r) => len(r.range)));
      const sparkWidth = Math.min(MAX_SPARK_WIDTH, Math.max(width - labelWidth - rangeWidth - 6, 10));
      for (const { line, series, range: r } of ranges) {
        const spark = sparkline(series, sparkWidth, line.fold, scaleValues(series, slots));
        const shown = Math.min(slots.length, sparkWidth);
        out.push(`  ${pad(line.label, labelWidth)}  ${pad(spark, shown)}  ${r}`);
      }
      const partial = partialNote(slots, report.windowSeconds);
      if (partial !== '') out.push(style.dim(`  ${partial}`));
      out.push('');

      const shown = report.windows.slice(-MAX_TABLE_ROWS);
      out.push(
        style.bold(
          shown.length < report.windows.length
            ? `Windows (the last ${shown.length} of ${report.windows.length}; --format html or json for all)`
            : 'Windows',
        ),
      );
      const partialSet = new Set(slots.filter((x) => x.partial).map((x) => x.start));
      const col = (header: string, drop: number, cell: (w: WindowSummary) => string): Column => ({
        header,
        drop,
        cells: shown.map(cell),
      });
      out.push(
        ...fitTable(
          [
            col('start (UTC)', 0, (w) => `${formatTime(w.start)}${partialSet.has(w.start) ? '*' : ''}`),
            col('requests', 0, (w) => formatInt(w.requests)),
            col('out', 6, (w) => formatBytes(w.bytesOut)),
            col('2xx', 3, (w) => formatInt(w.status['2xx'])),
            col('3xx', 2, (w) => formatInt(w.status['3xx'])),
            col('4xx', 7, (w) => formatInt(w.status['4xx'])),
            col('5xx', 9, (w) => formatInt(w.status['5xx'])),
            col('000', 1, (w) => formatInt(w.status['000'])),
            col('hit', 8, (w) => formatPercent(w.cacheHitRatio)),
            col('p50', 5, (w) => formatSeconds(w.timeTaken.p50)),
            col('p90', 1, (w) => formatSeconds(w.timeTaken.p90)),
            col('p99', 10, (w) => formatSeconds(w.timeTaken.p99)),
            col('clients', 4, (w) => formatInt(w.uniqueClients)),
          ],
          width,
        ),
      );
      if (partialSet.size > 0) out.push(style.dim('  * partial window: the data covers only part of it'));
      out.push('');
    }

    for (const list of topLists(t, report.top)) {
      out.push(style.bold(`Top ${list.title.toLowerCase()}`), ...topListTable(list, width), '');
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
          middleTruncate(escapeControl(r.dims), Math.max(width - 40, 20)),
          formatInt(r.requests),
          formatInt(r.errors),
          formatBytes(r.bytes),
        ]),
      ]),
      '',
    );
  }

  if (report.findings !== undefined) {
    out.push(`Findings: ${report.findings.length === 0 ? 'none' : formatInt(report.findings.length)}`);
    // The summary names the subject (a path, a bot name: input text), so it is escaped, and it
    // wraps between words under itself.
    for (const f of report.findings) {
      const lead = `  ${f.severity.padEnd(8)} ${f.kind.padEnd(17)} `;
      const lines = wrap(escapeControl(f.summary).split(' '), Math.max(width - len(lead), 20), ' ');
      lines.forEach((line, i) => {
        out.push(`${i === 0 ? lead : ' '.repeat(len(lead))}${line}`);
      });
    }
    out.push('');
  }

  if (report.malformed > 0) {
    const only = report.inputs.length === 1 ? report.inputs[0] : undefined;
    const name = (source: string): string => (source === '-' ? 'stdin' : escapeControl(source));
    out.push(
      `Malformed lines: ${formatInt(report.malformed)}${only === undefined ? '' : ` (in ${name(only)})`}`,
    );
    // Reasons are not cut (they name the field and quote the value, which is what one needs):
    // they wrap between words, continued under the reason.
    for (const m of report.malformedExamples) {
      const lead = `  ${only === undefined ? `${name(m.source)}:` : 'line '}${m.line}: `;
      const lines = wrap(escapeControl(m.reason).split(' '), Math.max(width - len(lead), 20), ' ');
      lines.forEach((line, i) => {
        out.push(`${i === 0 ? lead : ' '.repeat(len(lead))}${line}`);
      });
    }
    if (report.malformedExamples.length < report.malformed) {
      out.push(`  ... ${formatInt(report.malformed - report.malformedExamples.length)} more`);
    }
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}
