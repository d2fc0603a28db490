/**
 * `--format html`: one self-contained file. Charts are inline SVG drawn here, tables are plain
 * HTML, styles are inline; there is no script and a Content-Security-Policy of `default-src
 * 'none'`, so the file opens offline and cannot fetch anything even if a logged path or user
 * agent (attacker-controlled text) tried: every value is escaped.
 */

import type { TopEntry, WindowSummary } from '../aggregate/types.js';
import { STATUS_CLASSES } from '../model/classes.js';
import {
  formatClock,
  formatDuration,
  formatInt,
  formatPercent,
  formatSeconds,
  formatTime,
  middleTruncate,
} from '../report/figures.js';
import { type AnalyzeReport, partialStarts, sampleOf } from '../report/report.js';
import { type Series, scaleValues, seriesOf, type TimelineSlot, timeline } from '../report/timeline.js';
import { type TopList, topLists } from '../report/top-lists.js';
import { escapeControl } from './escape-control.js';
import { formatBytes } from './progress.js';

/** Per-point hover titles are drawn up to this many windows (beyond, the SVG would balloon). */
export const MAX_POINT_TITLES = 240;

/** The drawing's own units (it stretches to its box: see `chart`). */
const CHART_W = 1000;
const CHART_H = 200;

/**
 * Escapes text for HTML content and attribute values. Control and bidi characters become visible
 * escapes first (`escapeControl`): a right-to-left override in a logged path would otherwise
 * reorder what the page shows, and a C0 character has no business in a report.
 *
 * @example
 * escapeHtml('<a href="x">'); // '&lt;a href=&quot;x&quot;&gt;'
 * escapeHtml('a\u202Eb'); // 'a\\u202eb'
 */
export function escapeHtml(text: string): string {
  return escapeControl(text).replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

interface ChartLine {
  name: string;
  color: string;
  values: Series;
}

interface ChartSpec {
  id: string;
  title: string;
  lines: ChartLine[];
  format: (v: number) => string;
  /** Fill the area under the first line. */
  area?: boolean;
  /** Fixed top of the y axis (1 for ratios). */
  yMax?: number;
}

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const exp = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * exp >= max) return m * exp;
  return 10 * exp;
}

const r1 = (n: number): string => (Math.round(n * 10) / 10).toString();

/**
 * A line chart over the timeline; `null` values break the line. The SVG holds only lines (it
 * stretches to its box, strokes keep their width); axis labels are HTML around it, so they stay
 * at their CSS size on a phone instead of shrinking with the drawing. Partial edge windows are
 * shaded and left out of the scale.
 */
function chart(spec: ChartSpec, slots: readonly TimelineSlot[], windowSeconds: number): string {
  const n = slots.length;
  const scale = spec.lines.flatMap((l) => scaleValues(l.values, slots));
  const yMax = spec.yMax ?? niceMax(scale.length === 0 ? 1 : Math.max(...scale));
  const x = (i: number): number => (n <= 1 ? CHART_W / 2 : (i / (n - 1)) * CHART_W);
  const y = (v: number): number => CHART_H - (Math.min(v, yMax) / yMax) * CHART_H;
  const step = n <= 1 ? CHART_W : CHART_W / (n - 1);
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" id="chart-${spec.id}" viewBox="0 0 ${CHART_W} ${CHART_H}" preserveAspectRatio="none" role="img" aria-label="${escapeHtml(spec.title)}" xmlns="http://www.w3.org/2000/svg">`,
  );
  for (let k = 0; k <= 4; k++) {
    const yy = r1((CHART_H * k) / 4);
    parts.push(`<line class="grid" x1="0" x2="${CHART_W}" y1="${yy}" y2="${yy}"/>`);
  }
  slots.forEach((slot, i) => {
    if (!slot.partial) return;
    const left = Math.max(0, x(i) - step / 2);
    parts.push(
      `<rect class="partial" x="${r1(left)}" y="0" width="${r1(Math.min(CHART_W, x(i) + step / 2) - left)}" height="${CHART_H}"><title>${escapeHtml(`${formatTime(slot.start)} UTC: partial window (left out of the scale)`)}</title></rect>`,
    );
  });
  spec.lines.forEach((line, li) => {
    let d = '';
    let pen = false;
    const runs: [number, number][] = [];
    let runStart = -1;
    line.values.forEach((v, i) => {
      if (v === null) {
        if (pen) runs.push([runStart, i - 1]);
        pen = false;
        return;
      }
      if (!pen) runStart = i;
      d += `${pen ? 'L' : 'M'}${r1(x(i))},${r1(y(v))}`;
      // A lone point still shows: a short horizontal tick.
      if (!pen && (i === line.values.length - 1 || line.values[i + 1] === null)) d += `h0.01`;
      pen = true;
    });
    if (pen) runs.push([runStart, line.values.length - 1]);
    if (spec.area === true && li === 0) {
      for (const [a, b] of runs) {
        const seg = line.values
          .slice(a, b + 1)
          .map((v, j) => `${j === 0 ? 'M' : 'L'}${r1(x(a + j))},${r1(y(v ?? 0))}`)
          .join('');
        parts.push(
          `<path class="area" fill="${line.color}" d="${seg}L${r1(x(b))},${CHART_H}L${r1(x(a))},${CHART_H}Z"/>`,
        );
      }
    }
    if (d !== '') {
      parts.push(
        `<path class="line" data-series="${escapeHtml(line.name)}" stroke="${line.color}" d="${d}"/>`,
      );
    }
  });
  // Hover anywhere in a window's column: its values.
  if (n <= MAX_POINT_TITLES) {
    slots.forEach((slot, i) => {
      const values = spec.lines
        .map((l) => {
          const v = l.values[i];
          return v === null || v === undefined ? null : `${l.name} ${spec.format(v)}`;
        })
        .filter((t): t is string => t !== null);
      if (values.length === 0) return;
      const left = Math.max(0, x(i) - step / 2);
      parts.push(
        `<rect class="hover" x="${r1(left)}" y="0" width="${r1(Math.min(CHART_W, x(i) + step / 2) - left)}" height="${CHART_H}"><title>${escapeHtml(`${formatTime(slot.start)} UTC${slot.partial ? ' (partial)' : ''} · ${values.join(' · ')}`)}</title></rect>`,
      );
    });
  }
  parts.push('</svg>');
  const yTicks = [4, 3, 2, 1, 0]
    .map((k) => `<span>${escapeHtml(spec.format((yMax * k) / 4))}</span>`)
    .join('');
  const ticks = Math.min(n, 5);
  const xTicks: string[] = [];
  for (let k = 0; k < ticks; k++) {
    const i = ticks === 1 ? 0 : Math.round((k * (n - 1)) / (ticks - 1));
    const slot = slots[i];
    if (slot !== undefined) xTicks.push(`<span>${formatClock(slot.start, windowSeconds)}</span>`);
  }
  const legend = spec.lines
    .map((l) => `<span class="key"><i style="background:${l.color}"></i>${escapeHtml(l.name)}</span>`)
    .join('');
  return `<figure class="card"><figcaption>${escapeHtml(spec.title)}<span class="legend">${legend}</span></figcaption><div class="plot"><div class="yaxis" aria-hidden="true">${yTicks}</div>${parts.join('')}<div class="xaxis" aria-hidden="true">${xTicks.join('')}</div></div></figure>`;
}

const pct = (v: number): string => formatPercent(v, v > 0 && v < 0.1 ? 1 : 0);

function charts(report: AnalyzeReport): string {
  const slots = timeline(report.windows, report.windowSeconds);
  if (slots.length === 0) return '';
  const s = (name: Parameters<typeof seriesOf>[1]): Series => seriesOf(slots, name);
  const specs: ChartSpec[] = [
    {
      id: 'requests',
      title: `Requests per ${report.windowSeconds} s`,
      lines: [{ name: 'requests', color: '#2563eb', values: s('requests') }],
      format: (v) => formatInt(Math.round(v)),
      area: true,
    },
    {
      id: 'errors',
      title: 'Error rates',
      lines: [
        { name: '4xx', color: '#d97706', values: s('rate4xx') },
        { name: '5xx', color: '#dc2626', values: s('rate5xx') },
        { name: '000 (aborted)', color: '#7c3aed', values: s('rate000') },
      ],
      format: pct,
    },
    {
      id: 'cache-hit-ratio',
      title: 'Cache hit ratio',
      lines: [{ name: 'hit / (hit + miss)', color: '#059669', values: s('hitRatio') }],
      format: pct,
      yMax: 1,
    },
    {
      id: 'latency',
      title: 'Latency (time-taken)',
      lines: [
        { name: 'p50', color: '#0891b2', values: s('p50') },
        { name: 'p90', color: '#ca8a04', values: s('p90') },
        { name: 'p99', color: '#dc2626', values: s('p99') },
      ],
      format: formatSeconds,
    },
    {
      id: 'ttfb',
      title: 'Time to first byte',
      lines: [
        { name: 'p50', color: '#0891b2', values: s('ttfb50') },
        { name: 'p90', color: '#ca8a04', values: s('ttfb90') },
        { name: 'p99', color: '#dc2626', values: s('ttfb99') },
      ],
      format: formatSeconds,
    },
    {
      id: 'bandwidth',
      title: 'Bandwidth out',
      lines: [{ name: 'bytes out', color: '#4f46e5', values: s('bytesOut') }],
      format: formatBytes,
      area: true,
    },
    {
      id: 'clients',
      title: 'Distinct clients',
      lines: [{ name: 'clients (estimate)', color: '#be185d', values: s('clients') }],
      format: (v) => formatInt(Math.round(v)),
    },
  ];
  const partial = slots.some((slot) => slot.partial)
    ? '<p class="note">Shaded: a window at an edge the data covers only in part, left out of the scales.</p>'
    : '';
  return `<section class="charts" aria-label="Timeline">${specs.map((spec) => chart(spec, slots, report.windowSeconds)).join('')}</section>${partial}`;
}

function stat(label: string, value: string, note = ''): string {
  return `<div class="stat"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div>${note === '' ? '' : `<div class="note">${escapeHtml(note)}</div>`}</div>`;
}

function totals(t: WindowSummary, report: AnalyzeReport): string {
  const status = STATUS_CLASSES.map(
    (c) => `${c} ${formatPercent(t.requests === 0 ? null : t.status[c] / t.requests)}`,
  ).join(' · ');
  return `<section class="stats">${[
    stat('Requests', formatInt(t.requests), t.estimated ? `estimated from a ${sampleOf(report)}` : ''),
    stat('Bandwidth', formatBytes(t.bytesOut), `${formatBytes(t.bytesIn)} in`),
    stat('Cache hit ratio', formatPercent(t.cacheHitRatio)),
    stat(
      '5xx rate',
      formatPercent(t.errorRates['5xx'], 2),
      `4xx ${formatPercent(t.errorRates['4xx'], 2)} · 000 ${formatPercent(t.errorRates['000'], 2)}`,
    ),
    stat(
      'Latency p99',
      formatSeconds(t.timeTaken.p99),
      `p50 ${formatSeconds(t.timeTaken.p50)} · p90 ${formatSeconds(t.timeTaken.p90)}`,
    ),
    stat('TTFB p99', formatSeconds(t.timeToFirstByte.p99), `p50 ${formatSeconds(t.timeToFirstByte.p50)}`),
    stat('Distinct clients', `~${formatInt(t.uniqueClients)}`),
    stat('Bot share', formatPercent(t.botShare)),
  ].join('')}<p class="status">${escapeHtml(status)}</p></section>`;
}

/** Longest key shown in a table cell (both ends kept); the whole key is the cell's title. */
const MAX_KEY_CHARS = 64;

interface SortColumn {
  header: string;
  /** The cell's text. */
  show: (e: TopEntry) => string;
  /** The value it sorts by (descending); null sorts last. */
  value: (e: TopEntry) => number | null;
}

function keyCell(key: string): string {
  const shown = key === '' ? '(empty)' : middleTruncate(key, MAX_KEY_CHARS);
  return `<td class="key" title="${escapeHtml(key)}">${escapeHtml(shown)}</td>`;
}

/**
 * One top list as a card. Lists with per-entry figures are sortable without a script (the page
 * has none, by its Content-Security-Policy): the table is rendered once per sort order, and the
 * "Sort by" radio buttons (keyboard-usable, as any radio group) show the one chosen, with CSS `:has`.
 */
function topCard(list: TopList): string {
  const share = (n: number) => (list.shareOf > 0 ? n / list.shareOf : 0);
  const cols: SortColumn[] = [
    {
      header: 'requests',
      show: (e) => `${e.error !== undefined && e.error > 0 ? '~' : ''}${formatInt(e.count)}`,
      value: (e) => e.count,
    },
  ];
  if (list.figures) {
    const fig =
      (get: (f: NonNullable<TopEntry['figures']>) => number | null) =>
      (e: TopEntry): number | null =>
        e.figures === undefined ? null : get(e.figures);
    cols.push({
      header: 'errors',
      show: (e) => formatPercent(fig((f) => f.errorRate)(e)),
      value: fig((f) => f.errorRate),
    });
    if (list.id !== 'miss-paths') {
      cols.push({
        header: 'hit ratio',
        show: (e) => formatPercent(fig((f) => f.cacheHitRatio)(e)),
        value: fig((f) => f.cacheHitRatio),
      });
    }
    cols.push(
      {
        header: 'bytes out',
        show: (e) => {
          const v = fig((f) => f.bytesOut)(e);
          return v === null ? '-' : formatBytes(v);
        },
        value: fig((f) => f.bytesOut),
      },
      { header: 'p50', show: (e) => formatSeconds(fig((f) => f.p50)(e)), value: fig((f) => f.p50) },
      { header: 'p99', show: (e) => formatSeconds(fig((f) => f.p99)(e)), value: fig((f) => f.p99) },
    );
  }
  const head = `<thead><tr><th scope="col">${escapeHtml(list.keyLabel)}</th>${cols.map((c) => `<th scope="col">${escapeHtml(c.header)}</th>`).join('')}<th scope="col" class="share">share</th></tr></thead>`;
  const body = (entries: readonly TopEntry[]) =>
    `<tbody>${entries
      .map(
        (e) =>
          `<tr>${keyCell(e.key)}${cols.map((c) => `<td>${escapeHtml(c.show(e))}</td>`).join('')}<td class="share"><span class="bar"><i style="width:${r1(Math.min(1, share(e.count)) * 100)}%"></i></span>${escapeHtml(formatPercent(share(e.count)))}</td></tr>`,
      )
      .join('')}</tbody>`;
  const note =
    list.figures && list.entries.some((e) => (e.error ?? 0) > 0)
      ? '<p class="note">~ an estimate (the list kept the heaviest keys); figures describe the requests counted while the key was listed.</p>'
      : '';
  let views = `<div class="scroll"><table class="v v0">${head}${body(list.entries)}</table></div>`;
  let sorts = '';
  if (list.figures && list.entries.length > 1) {
    const name = `sort-${list.id}`;
    sorts = `<fieldset class="sorts"><legend>Sort by</legend>${cols
      .map(
        (c, k) =>
          `<label><input type="radio" name="${name}" data-k="${k}"${k === 0 ? ' checked' : ''}>${escapeHtml(c.header)}</label>`,
      )
      .join('')}</fieldset>`;
    views = `<div class="scroll">${cols
      .map((c, k) => {
        const sorted = [...list.entries].sort((p, q) => (c.value(q) ?? -1) - (c.value(p) ?? -1));
        return `<table class="v v${k}">${head}${body(sorted)}</table>`;
      })
      .join('')}</div>`;
  }
  return `<div class="card top${list.figures ? ' wide' : ''}" id="top-${list.id}"><h3>Top ${escapeHtml(list.title.toLowerCase())}</h3>${sorts}${views}${note}</div>`;
}

function tables(t: WindowSummary, report: AnalyzeReport): string {
  const lists = topLists(t, report.top);
  return `<section class="tops" aria-label="Top lists">${lists.map((l) => topCard(l)).join('')}</section>`;
}

function windowTable(windows: readonly WindowSummary[], caption: string, withDims: boolean): string {
  if (windows.length === 0) return '';
  const partial = withDims ? new Set<number>() : partialStarts(windows);
  const head = [
    'start (UTC)',
    ...(withDims ? ['dimensions'] : []),
    'requests',
    'bytes out',
    ...STATUS_CLASSES,
    'hit ratio',
    'p50',
    'p90',
    'p99',
    'TTFB p99',
    'clients',
  ];
  const rows = windows.map((w) =>
    [
      `${formatTime(w.start)}${partial.has(w.start) ? ' (partial)' : ''}`,
      ...(withDims
        ? [
            middleTruncate(
              Object.entries(w.dimensions)
                .map(([k, v]) => `${k}=${v}`)
                .join(' '),
              MAX_KEY_CHARS,
            ),
          ]
        : []),
      formatInt(w.requests),
      formatBytes(w.bytesOut),
      ...STATUS_CLASSES.map((c) => formatInt(w.status[c])),
      formatPercent(w.cacheHitRatio),
      formatSeconds(w.timeTaken.p50),
      formatSeconds(w.timeTaken.p90),
      formatSeconds(w.timeTaken.p99),
      formatSeconds(w.timeToFirstByte.p99),
      formatInt(w.uniqueClients),
    ]
      .map((c) => `<td>${escapeHtml(c)}</td>`)
      .join(''),
  );
  return `<details class="card"><summary>${escapeHtml(caption)}</summary><div class="scroll"><table class="windows"><thead><tr>${head
    .map((h) => `<th scope="col">${escapeHtml(h)}</th>`)
    .join(
      '',
    )}</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody></table></div></details>`;
}

/** Sort views a top list may have (requests, errors, hit ratio, bytes, p50, p99). */
const SORT_VIEWS = 6;

const STYLE = `
:root{color-scheme:light dark;--fg:#111827;--muted:#4b5563;--bg:#f9fafb;--card:#fff;--line:#e5e7eb;--accent:#2563eb;--shade:rgba(107,114,128,.14)}
@media (prefers-color-scheme:dark){:root{--fg:#e5e7eb;--muted:#a1a1aa;--bg:#0b1020;--card:#111827;--line:#1f2937;--accent:#60a5fa;--shade:rgba(161,161,170,.16)}}
*{box-sizing:border-box}body{margin:0 auto;max-width:1600px;padding:24px;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:20px 0 8px}h3{font-size:14px;margin:0 0 8px}.sub{color:var(--muted);margin:0 0 16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px;margin:0;min-width:0}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(170px,100%),1fr));gap:12px;margin-bottom:16px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.stat .label{color:var(--muted);font-size:12px}.stat .value{font-size:22px;font-weight:600}.stat .note{color:var(--muted);font-size:12px}
.status{grid-column:1/-1;color:var(--muted);margin:0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(440px,100%),1fr));gap:12px;margin-bottom:16px}
figcaption{font-weight:600;margin-bottom:6px;display:flex;justify-content:space-between;gap:8px;flex-wrap:wrap}
.legend{font-weight:400;color:var(--muted);font-size:12px}.key{margin-left:10px;white-space:nowrap}.key i{display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle}
.plot{display:grid;grid-template-columns:auto 1fr;grid-template-rows:160px auto;column-gap:6px;font-size:12px;color:var(--muted);font-variant-numeric:tabular-nums}
.yaxis{display:flex;flex-direction:column;justify-content:space-between;text-align:right;line-height:1;margin:-6px 0}
.xaxis{grid-column:2;display:flex;justify-content:space-between;padding-top:4px;gap:4px}
svg.chart{width:100%;height:160px;display:block;overflow:visible}.grid{stroke:var(--line);stroke-width:1;vector-effect:non-scaling-stroke}
.line{fill:none;stroke-width:2;stroke-linejoin:round;stroke-linecap:round;vector-effect:non-scaling-stroke}.area{opacity:.12}
.partial{fill:var(--shade)}.hover{fill:transparent}.hover:hover{fill:var(--shade)}
.tops{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(380px,100%),1fr));gap:12px;margin-bottom:16px}
.top.wide{grid-column:1/-1}
.top th:first-child,.top td:first-child{position:sticky;left:0;background:var(--card)}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th{font-weight:600;color:var(--muted);font-size:12px}
th:first-child,td:first-child{text-align:left}td.key{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:13px}
td.share{min-width:110px}.bar{display:inline-block;width:56px;height:8px;margin-right:6px;background:var(--line);border-radius:2px;vertical-align:middle;overflow:hidden}.bar i{display:block;height:100%;background:var(--accent)}
.v{display:none}.v0{display:table}
${Array.from({ length: SORT_VIEWS - 1 }, (_, i) => `.top:has(input[data-k="${i + 1}"]:checked) .v0{display:none}.top:has(input[data-k="${i + 1}"]:checked) .v${i + 1}{display:table}`).join('\n')}
.sorts{border:0;margin:0 0 8px;padding:0;display:flex;flex-wrap:wrap;gap:6px;align-items:center;font-size:12px}
.sorts legend{float:left;color:var(--muted);margin-right:4px;padding:0}
.sorts label{display:inline-flex;align-items:center;gap:4px;border:1px solid var(--line);border-radius:999px;padding:2px 10px;cursor:pointer}
.sorts label:has(input:checked){border-color:var(--accent);color:var(--accent);font-weight:600}
.sorts input{margin:0;accent-color:var(--accent)}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.note{color:var(--muted);font-size:12px;margin:6px 0 0}
details{margin-bottom:16px}summary{cursor:pointer;font-weight:600}
.malformed li{font-family:ui-monospace,monospace;font-size:12px;overflow-wrap:anywhere}
@media (max-width:600px){body{padding:12px}.stat .value{font-size:20px}th,td{padding:4px 6px}}
@media print{:root{--fg:#000;--muted:#333;--bg:#fff;--card:#fff;--line:#ccc}body{padding:0;max-width:none;font-size:11pt}
.card,.stat{break-inside:avoid}.charts{grid-template-columns:1fr 1fr}.sorts{display:none}.scroll{overflow:visible}.hover{display:none}}
`;

/**
 * The HTML report: a complete document as a string.
 *
 * @example
 * writeFileSync('report.html', renderHtml(report));
 */
export function renderHtml(report: AnalyzeReport): string {
  const first = report.windows[0];
  const last = report.windows.at(-1);
  const span =
    first !== undefined && last !== undefined
      ? `${formatTime(first.start)} .. ${formatTime(last.end)} UTC (${formatDuration((last.end - first.start) / 1000)}, ${formatInt(report.windows.length)} windows of ${report.windowSeconds} s)`
      : 'no records';
  const t = report.totals;
  const body = [
    '<h1>CloudFront real-time logs</h1>',
    `<p class="sub">${escapeHtml(`${formatInt(report.records)} records, ${formatInt(report.malformed)} malformed · ${span}`)}</p>`,
    t === null ? '<p>No records parsed: nothing to report.</p>' : totals(t, report),
    charts(report),
    t === null ? '' : tables(t, report),
    windowTable(report.windows, `Every window (${formatInt(report.windows.length)})`, false),
    windowTable(report.breakdown, `By dimension (${formatInt(report.breakdown.length)} cells)`, true),
    report.findings === undefined
      ? ''
      : `<section class="card findings"><h2>${escapeHtml(`Findings (${formatInt(report.findings.length)})`)}</h2>${
          report.findings.length === 0
            ? '<p>None.</p>'
            : `<ul>${report.findings
                .map(
                  (f) =>
                    `<li><b>${escapeHtml(`${f.severity} · ${f.kind}`)}</b> ${escapeHtml(f.summary)}</li>`,
                )
                .join('')}</ul>`
        }</section>`,
    report.malformed > 0
      ? `<details class="card malformed"><summary>${escapeHtml(`Malformed lines (${formatInt(report.malformed)})`)}</summary><ul>${report.malformedExamples
          .map(
            (m) =>
              `<li>${escapeHtml(`${m.source === '-' ? 'stdin' : m.source}:${m.line}: ${m.reason}`)}</li>`,
          )
          .join('')}</ul></details>`
      : '',
    `<p class="sub">${escapeHtml(`Generated by ${report.command ?? 'cfrt analyze'} from ${report.inputs.map((i) => (i === '-' ? 'stdin' : i)).join(', ')}.`)}</p>`,
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>CloudFront real-time logs report</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}
