/**
 * One entry for every report format, so `cfrt analyze` and `cfrt query` print the same report
 * and the same JSON from the same renderers.
 */

import { type AnalyzeReport, toJson } from '../report/report.js';
import type { ReportFormat } from './analyze.js';
import { renderHtml } from './render-html.js';
import { renderTable } from './render-table.js';

/**
 * The report as text in `format`: terminal tables (`width` columns, `color` only when the caller
 * checked `wantsColor`), a self-contained HTML
 * document, or the JSON contract (pretty-printed, one trailing newline).
 *
 * @example
 * process.stdout.write(renderReport(report, 'json'));
 */
export function renderReport(
  report: AnalyzeReport,
  format: ReportFormat,
  width = 100,
  options: { color?: boolean } = {},
): string {
  if (format === 'json') return `${JSON.stringify(toJson(report), null, 2)}\n`;
  if (format === 'html') return renderHtml(report);
  return renderTable(report, { width, color: options.color === true });
}
