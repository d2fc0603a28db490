/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The HTML report rendered in a real browser: Debian's `chromium` (installed by `.ci/run`) driven
 * by playwright-core. The charts must draw and the page must raise no error and fetch nothing.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { runCli } from './run-cli.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
const FIELDS = readFileSync(join(ROOT, 'fixtures/sample/fields.txt'), 'utf8').trim();

// Without a browser the test cannot run; CI installs one, so there it must not be skipped.
const browserMissing = !existsSync(CHROMIUM) && process.env.CI === undefined;

describe.skipIf(browserMissing)('cfrt analyze --format html in headless Chromium', () => {
  let browser: Browser;
  let report = '';
  let stderr = '';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfrt-html-'));
    const lines = generateLines({
      fields: FIELDS.split(','),
      count: 4_000,
      seed: 11,
      requestsPerSecond: 10,
      malformedRate: 0.005,
    });
    // A path that tries to inject markup (the busiest path, so it is listed) must come out as text.
    const busiest = '\t/\t';
    const input = join(dir, 'logs.tsv');
    writeFileSync(
      input,
      `${lines.map((l) => l.line.replace(busiest, '\t/<script>alert(1)</script>\t')).join('\n')}\n`,
    );
    report = join(dir, 'report.html');
    const result = await runCli(['analyze', '--fields', FIELDS, '--format', 'html', '--out', report, input]);
    expect(result.code, result.stderr).toBe(0);
    stderr = result.stderr;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('writes one self-contained file and says where', () => {
    expect(stderr).toContain(`wrote ${report}`);
    const html = readFileSync(report, 'utf8');
    // Nothing that loads: no script, stylesheet link, src/href attribute or CSS url().
    expect(/<script|<link|<iframe|<img|\ssrc=|\shref=|url\(/i.exec(html)?.[0] ?? null).toBeNull();
    expect(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;')).toBe(true);
  });

  it('draws the charts with no console error and no request beyond the file', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(report).href;
    await page.goto(url, { waitUntil: 'load' });

    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        return {
          id: svg.id,
          width: box.width,
          height: box.height,
          lines: [...svg.querySelectorAll('path.line')].map((p) => ({
            d: p.getAttribute('d') ?? '',
            length: (p as unknown as { getTotalLength(): number }).getTotalLength(),
          })),
        };
      }),
    );
    const ids = charts.map((c) => c.id);
    for (const id of ['chart-requests', 'chart-errors', 'chart-cache-hit-ratio', 'chart-latency']) {
      expect(ids).toContain(id);
    }
    for (const chart of charts) {
      expect(chart.width, chart.id).toBeGreaterThan(100);
      expect(chart.height, chart.id).toBeGreaterThan(30);
      expect(chart.lines.length, chart.id).toBeGreaterThan(0);
      for (const line of chart.lines) {
        expect(line.d, chart.id).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+)+/);
        expect(line.length, chart.id).toBeGreaterThan(50);
      }
    }
    const latency = charts.find((c) => c.id === 'chart-latency');
    expect(latency?.lines.length).toBe(3);

    const tables = await page.$$eval('.top h3', (hs) => hs.map((h) => h.textContent));
    expect(tables).toEqual(
      expect.arrayContaining(['Top paths', 'Top miss paths', 'Top error paths', 'Top clients']),
    );
    expect((await page.textContent('body'))?.includes('/<script>alert(1)</script>')).toBe(true);

    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });
  it.each([1400, 390])(
    'is legible at %i px: no text below 11 px, nothing wider than the page, no console error',
    async (width) => {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
      const layout = await page.evaluate(() => {
        const small: string[] = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n !== null; n = walker.nextNode()) {
          const el = n.parentElement;
          if (el === null || (n.textContent ?? '').trim() === '') continue;
          const box = el.getBoundingClientRect();
          if (box.width === 0 || box.height === 0) continue;
          const size = Number.parseFloat(getComputedStyle(el).fontSize);
          if (size < 11)
            small.push(`${el.tagName}.${el.className} ${size}px: ${n.textContent?.slice(0, 30)}`);
        }
        // What sticks out of the page (inner tables scroll inside their card, which does not).
        const wide = [...document.querySelectorAll('body *')]
          .filter((el) => el.closest('.scroll') === null || el.classList.contains('scroll'))
          .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
          .map((el) => `${el.tagName}.${el.className}`);
        return {
          small,
          wide: wide.slice(0, 10),
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
        };
      });
      // Kept for a person to look at: the CI log names the file.
      const shot = join(tmpdir(), `cfrt-report-${width}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      expect(layout.small).toEqual([]);
      expect(layout.wide).toEqual([]);
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth);
      // Axis labels are HTML at their CSS size, not SVG text scaled down with the drawing.
      const tick = await page.$eval('.yaxis span', (el) => Number.parseFloat(getComputedStyle(el).fontSize));
      expect(tick).toBeGreaterThanOrEqual(11);
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it('sorts a top list from the keyboard, without a script', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
    const visibleHeader = () =>
      page.$eval('#top-paths', (card) => {
        const table = [...card.querySelectorAll('table')].find((t) => getComputedStyle(t).display !== 'none');
        return {
          tables: [...card.querySelectorAll('table')].filter((t) => getComputedStyle(t).display !== 'none')
            .length,
          first: table?.querySelector('tbody td')?.textContent ?? '',
        };
      });
    const before = await visibleHeader();
    expect(before.tables).toBe(1);
    await page.focus('#top-paths input[data-k="0"]');
    // Arrow keys move a radio group's choice: requests -> errors -> hit ratio -> bytes out -> p50 -> p99.
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    expect(await page.$eval('#top-paths input:checked', (el) => el.getAttribute('data-k'))).toBe('5');
    const after = await visibleHeader();
    expect(after.tables).toBe(1);
    // Sorted by p99: the visible table's p99 column is descending.
    const p99 = await page.$eval('#top-paths', (card) => {
      const table = [...card.querySelectorAll('table')].find((t) => getComputedStyle(t).display !== 'none')!;
      const col = [...table.querySelectorAll('thead th')].findIndex((th) => th.textContent === 'p99');
      return [...table.querySelectorAll('tbody tr')].map((tr) => tr.children[col]?.textContent ?? '');
    });
    const seconds = (t: string) => Number.parseFloat(t) * (t.endsWith(' ms') ? 0.001 : 1);
    const values = p99.map(seconds);
    expect(values).toEqual([...values].sort((a, b) => b - a));
    // Printed: one table per list, no sort buttons.
    await page.emulateMedia({ media: 'print' });
    expect(await page.$eval('#top-paths .sorts', (el) => getComputedStyle(el).display)).toBe('none');
    await page.close();
  });
});
