/**
 * `--format html`: one self-contained file. Charts are inline SVG drawn here, tables are plain
 * HTML, styles are inline; there is no script and a Content-Security-Policy of `default-src
 * 'none'`, so the file opens offline and cannot fetch anything even if a logged path or user
 * agent (attacker-controlled text) tried: every value is escaped.
 */

import type { WindowSummary } from '../aggregate/types.js';
import { STATUS_CLASSES } from '../model/classes.js';
import {
  formatClock,
  formatDuration,
  formatInt,
  formatPercent,
  formatSeconds,
  formatTime,
} from '../report/figures.js';
import { type AnalyzeReport, sampleOf } from '../report/report.js';
import { type Series, seriesOf, type TimelineSlot, timeline } from '../report/timeline.js';
import { topLists } from '../report/top-lists.js';
import { escapeControl } from './escape-control.js';
import { formatBytes } from './progress.js';

/** Per-point hover titles are drawn up to this many windows (beyond, the SVG would balloon). */
export const MAX_POINT_TITLES = 240;

const CHART_W = 760;
const CHART_H = 220;
const PAD = { left: 64, right: 16, top: 14, bottom: 28 } as const;

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

/** An SVG line chart over the timeline; `null` values break the line. */
function chart(spec: ChartSpec, slots: readonly TimelineSlot[], windowSeconds: number): string {
  const n = slots.length;
  const innerW = CHART_W - PAD.left - PAD.right;
  const innerH = CHART_H - PAD.top - PAD.bottom;
  const defined = spec.lines.flatMap((l) => l.values.filter((v): v is number => v !== null));
  const yMax = spec.yMax ?? niceMax(defined.length === 0 ? 1 : Math.max(...defined));
  const x = (i: number): number => PAD.left + (n <= 1 ? innerW / 2 : (i / (n - 1)) * innerW);
  const y = (v: number): number => PAD.top + innerH - (Math.min(v, yMax) / yMax) * innerH;
  const parts: string[] = [];
  parts.push(
    `<svg class="chart" id="chart-${spec.id}" viewBox="0 0 ${CHART_W} ${CHART_H}" role="img" aria-label="${escapeHtml(spec.title)}" xmlns="http://www.w3.org/2000/svg">`,
  );
  for (let k = 0; k <= 4; k++) {
    const v = (yMax * k) / 4;
    const yy = r1(y(v));
    parts.push(
      `<line class="grid" x1="${PAD.left}" x2="${CHART_W - PAD.right}" y1="${yy}" y2="${yy}"/>`,
      `<text class="tick" x="${PAD.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escapeHtml(spec.format(v))}</text>`,
    );
  }
  const ticks = Math.min(n, 6);
  for (let k = 0; k < ticks; k++) {
    const i = ticks === 1 ? 0 : Math.round((k * (n - 1)) / (ticks - 1));
    const slot = slots[i];
    if (slot === undefined) continue;
    parts.push(
      `<text class="tick" x="${r1(x(i))}" y="${CHART_H - 8}" text-anchor="middle">${formatClock(slot.start, windowSeconds)}</text>`,
    );
  }
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
          `<path class="area" fill="${line.color}" d="${seg}L${r1(x(b))},${r1(y(0))}L${r1(x(a))},${r1(y(0))}Z"/>`,
        );
      }
    }
    if (d !== '') {
      parts.push(
        `<path class="line" data-series="${escapeHtml(line.name)}" stroke="${line.color}" d="${d}"/>`,
      );
    }
    if (n <= MAX_POINT_TITLES) {
      line.values.forEach((v, i) => {
        const slot = slots[i];
        if (v === null || slot === undefined) return;
        parts.push(
          `<circle class="pt" cx="${r1(x(i))}" cy="${r1(y(v))}" r="2.5" fill="${line.color}"><title>${escapeHtml(`${formatTime(slot.start)} UTC · ${line.name}: ${spec.format(v)}`)}</title></circle>`,
        );
      });
    }
  });
  parts.push('</svg>');
  const legend = spec.lines
    .map((l) => `<span class="key"><i style="background:${l.color}"></i>${escapeHtml(l.name)}</span>`)
    .join('');
  return `<figure class="card"><figcaption>${escapeHtml(spec.title)}<span class="legend">${legend}</span></figcaption>${parts.join('')}</figure>`;
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
  return `<section class="charts">${specs.map((spec) => chart(spec, slots, report.windowSeconds)).join('')}</section>`;
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

function tables(t: WindowSummary, report: AnalyzeReport): string {
  const lists = topLists(t, report.top);
  return `<section class="tops">${lists
    .map(
      (l) =>
        `<div class="card top" id="top-${l.id}"><h3>Top ${escapeHtml(l.title.toLowerCase())}</h3><table><thead><tr><th>${escapeHtml(l.keyLabel)}</th><th>requests</th><th>share</th></tr></thead><tbody>${l.entries
          .map(
            (e) =>
              `<tr><td class="key" title="${escapeHtml(e.key)}">${escapeHtml(e.key === '' ? '(empty)' : e.key)}</td><td>${formatInt(e.count)}</td><td>${formatPercent(t.requests === 0 ? null : e.count / t.requests)}</td></tr>`,
          )
          .join('')}</tbody></table></div>`,
    )
    .join('')}</section>`;
}

function windowTable(windows: readonly WindowSummary[], caption: string, withDims: boolean): string {
  if (windows.length === 0) return '';
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
      formatTime(w.start),
      ...(withDims
        ? [
            Object.entries(w.dimensions)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
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
  return `<details class="card"><summary>${escapeHtml(caption)}</summary><table class="windows"><thead><tr>${head
    .map((h) => `<th>${escapeHtml(h)}</th>`)
    .join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r}</tr>`).join('')}</tbody></table></details>`;
}

const STYLE = `
:root{color-scheme:light dark;--fg:#111827;--muted:#6b7280;--bg:#f9fafb;--card:#fff;--line:#e5e7eb}
@media (prefers-color-scheme:dark){:root{--fg:#e5e7eb;--muted:#9ca3af;--bg:#0b1020;--card:#111827;--line:#1f2937}}
*{box-sizing:border-box}body{margin:0;padding:24px;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:20px;margin:0 0 4px}h3{font-size:14px;margin:0 0 8px}.sub{color:var(--muted);margin:0 0 20px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px;margin:0}
.stats{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin-bottom:16px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.stat .label{color:var(--muted);font-size:12px}.stat .value{font-size:22px;font-weight:600}.stat .note{color:var(--muted);font-size:12px}
.status{grid-column:1/-1;color:var(--muted);margin:0}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:12px;margin-bottom:16px}
figcaption{font-weight:600;margin-bottom:6px;display:flex;justify-content:space-between;gap:8px;flex-wrap:wrap}
.legend{font-weight:400;color:var(--muted);font-size:12px}.key{margin-left:10px;white-space:nowrap}.key i{display:inline-block;width:10px;height:3px;margin-right:4px;vertical-align:middle}
svg.chart{width:100%;height:auto;display:block}.grid{stroke:var(--line);stroke-width:1}.tick{fill:var(--muted);font-size:11px}
.line{fill:none;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}.area{opacity:.12}.pt{opacity:0}.pt:hover{opacity:1}
.tops{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:12px;margin-bottom:16px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{padding:3px 6px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}td.key{max-width:260px;overflow:hidden;text-overflow:ellipsis}
details{margin-bottom:16px;overflow-x:auto}summary{cursor:pointer;font-weight:600}
.malformed li{font-family:ui-monospace,monospace;font-size:12px}
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
