import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, renderHtml } from '../../src/cli/render-html.js';
import { renderTable, sparkline, wantsColor } from '../../src/cli/render-table.js';
import { formatInt, formatSeconds, middleTruncate } from '../../src/report/figures.js';
import { type AnalyzeReport, partialStarts, toJson } from '../../src/report/report.js';
import { timeline } from '../../src/report/timeline.js';
import { summaryOf } from './factories.js';

const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);

function reportOf(windows: AnalyzeReport['windows'], overrides: Partial<AnalyzeReport> = {}): AnalyzeReport {
  return {
    records: windows.reduce((n, w) => n + w.requests, 0),
    malformed: 0,
    malformedExamples: [],
    totals:
      windows.length === 0 ? null : summaryOf(T0, { requests: windows.reduce((n, w) => n + w.requests, 0) }),
    windows,
    breakdown: [],
    windowSeconds: 60,
    top: 10,
    samplingRate: 100,
    inputs: ['-'],
    ...overrides,
  };
}

describe('sparkline', () => {
  it('draws one bar per value, the maximum as a full bar and gaps as spaces', () => {
    expect(sparkline([0, 5, 10, null, 10], 60)).toBe('▁▅█ █');
  });

  it('folds long series into the width, never wider', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.nat(1000), { nil: null }), { maxLength: 500, size: 'max' }),
        fc.integer({ min: 1, max: 80 }),
        (values, width) => {
          const line = [...sparkline(values, width)];
          if (values.length <= width) expect(line.length).toBe(values.length);
          else expect(line.length).toBeLessThanOrEqual(width);
          for (const c of line) expect(' ▁▂▃▄▅▆▇█').toContain(c);
        },
      ),
    );
  });
});

describe('figures', () => {
  it('groups thousands and keeps units readable', () => {
    expect(formatInt(1234567)).toBe('1,234,567');
    expect(formatInt(999)).toBe('999');
    expect(formatSeconds(0.0123)).toBe('12.3 ms');
    expect(formatSeconds(2.5)).toBe('2.50 s');
    expect(formatSeconds(null)).toBe('-');
  });
});

describe('timeline', () => {
  it('fills windows without traffic between the first and the last as gaps', () => {
    const slots = timeline([summaryOf(T0), summaryOf(T0 + 180_000)], 60);
    expect(slots.map((s) => s.start)).toEqual([T0, T0 + 60_000, T0 + 120_000, T0 + 180_000]);
    expect(slots.map((s) => s.summary === null)).toEqual([false, true, true, false]);
  });
});

describe('the JSON contract', () => {
  it('has the contract keys, in order, for the totals and every window; new keys only after them', () => {
    const json = toJson(reportOf([summaryOf(T0), summaryOf(T0 + 60_000)]));
    expect(Object.keys(json)).toEqual(['records', 'malformed', 'totals', 'windows']);
    const figures = [
      'requests',
      'bytesOut',
      'bytesIn',
      'status',
      'cacheHitRatio',
      'timeTaken',
      'timeToFirstByte',
      'uniqueClients',
      'topUris',
    ];
    // The contract grows at the end: statusCodes everywhere, then what only totals or windows carry.
    expect(Object.keys(json.totals)).toEqual([
      ...figures,
      'statusCodes',
      'botShare',
      'firstSeen',
      'lastSeen',
      'top',
    ]);
    for (const w of json.windows)
      expect(Object.keys(w)).toEqual(['start', ...figures, 'statusCodes', 'end', 'partial']);
    expect(Object.keys(json.totals.top!)).toEqual([
      'paths',
      'missPaths',
      'errorPaths',
      'clients',
      'countries',
      'edgeLocations',
      'referers',
      'userAgents',
      'browsers',
      'operatingSystems',
      'devices',
      'bots',
    ]);
    expect(Object.keys(json.totals.status)).toEqual(['1xx', '2xx', '3xx', '4xx', '5xx', '000']);
    expect(Object.keys(json.totals.timeTaken)).toEqual(['p50', 'p90', 'p99']);
    expect(json.windows.map((w) => w.start)).toEqual([T0, T0 + 60_000]);
  });

  it("cuts top URIs at --top, in the summary's canonical order (largest first), without the error bound", () => {
    const w = summaryOf(T0, {
      top: {
        ...summaryOf(T0).top,
        paths: [
          { key: '/a', count: 9, error: 0 },
          { key: '/c', count: 5, error: 1 },
          { key: '/b', count: 2, error: 0 },
        ],
      },
    });
    expect(toJson(reportOf([w], { top: 2 })).windows[0]?.topUris).toEqual([
      { key: '/a', count: 9 },
      { key: '/c', count: 5 },
    ]);
  });

  it('reports an empty input as zeros and nulls, not missing keys', () => {
    const json = toJson(reportOf([], { malformed: 3 }));
    expect(json).toEqual({
      records: 0,
      malformed: 3,
      totals: {
        requests: 0,
        bytesOut: 0,
        bytesIn: 0,
        status: { '1xx': 0, '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0, '000': 0 },
        cacheHitRatio: null,
        timeTaken: { p50: null, p90: null, p99: null },
        timeToFirstByte: { p50: null, p90: null, p99: null },
        uniqueClients: 0,
        topUris: [],
        statusCodes: {},
        botShare: null,
        firstSeen: null,
        lastSeen: null,
        top: {
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
        },
      },
      windows: [],
    });
  });
});

describe('the table report', () => {
  it('shows totals, the timeline, windows and top lists', () => {
    const text = renderTable(reportOf([summaryOf(T0), summaryOf(T0 + 60_000, { requests: 2000 })]), {
      width: 100,
    });
    expect(text).toContain('cfrt analyze: 3,000 records, 0 malformed');
    expect(text).toMatch(/requests\s+[▁-█]{2}\s+1,000 \.\. 2,000/);
    expect(text).toContain('Top paths');
    expect(text).toContain('/index.html');
    expect(text).toContain('Top bots');
    expect(text).toContain('Googlebot');
  });

  it('fits 80 and 100 columns: columns drop by priority, long keys keep both ends', () => {
    const long = (i: number) =>
      `https://www.example.com/products/category/subcategory/item-${i}?ref=newsletter`;
    const figures = {
      requests: 10,
      errors: 1,
      errorRate: 0.1,
      cacheHitRatio: 0.5,
      bytesOut: 1e6,
      p50: 0.1,
      p90: 0.5,
      p99: 1.2,
    };
    const totals = summaryOf(T0, {
      requests: 3000,
      top: {
        ...summaryOf(T0).top,
        paths: Array.from({ length: 10 }, (_, i) => ({ key: long(i), count: 100 - i, error: 0, figures })),
        referers: Array.from({ length: 10 }, (_, i) => ({ key: long(i), count: 50 - i })),
      },
    });
    const report = reportOf([summaryOf(T0), summaryOf(T0 + 60_000, { requests: 2000 })], { totals });
    for (const width of [80, 100]) {
      const lines = renderTable(report, { width }).split('\n');
      expect(lines.filter((l) => [...l].length > width)).toEqual([]);
      // Every path row is told apart by its end.
      const rows = lines.filter((l) => l.includes('?ref=newsletter'));
      expect(new Set(rows.map((r) => r.trim().split(/\s+/)[0])).size).toBe(rows.length);
    }
    const narrow = renderTable(report, { width: 80 });
    expect(narrow).toContain('p99');
    expect(renderTable(report, { width: 100 })).toContain('p50');
  });

  it('uses SGR only when asked (a TTY without NO_COLOR or TERM=dumb)', () => {
    const report = reportOf([summaryOf(T0)]);
    expect(renderTable(report)).not.toContain('\x1b');
    expect(renderTable(report, { color: true })).toContain('\x1b[1m');
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(wantsColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
    expect(wantsColor({}, {})).toBe(false);
  });

  it('marks partial edge windows and leaves them out of the scales', () => {
    const windows = [
      summaryOf(T0, { requests: 7, firstSeen: T0 + 56_000, lastSeen: T0 + 59_000 }),
      summaryOf(T0 + 60_000, { requests: 6000, firstSeen: T0 + 60_001, lastSeen: T0 + 119_999 }),
      summaryOf(T0 + 120_000, { requests: 5000, firstSeen: T0 + 120_000, lastSeen: T0 + 179_000 }),
    ];
    expect([...partialStarts(windows)]).toEqual([T0]);
    const json = toJson(reportOf(windows));
    expect(json.windows.map((w) => w.partial)).toEqual([true, false, false]);
    const text = renderTable(reportOf(windows));
    expect(text).toMatch(/requests\s+\S{3}\s+5,000 \.\. 6,000/);
    expect(text).toContain('partial: the first window starts at 12:00:56');
  });

  it('cuts keys keeping both ends', () => {
    expect(middleTruncate('https://www.example.com/product/12345?ref=mail', 30)).toBe(
      'https://www.example.…?ref=mail',
    );
    expect(middleTruncate('short', 30)).toBe('short');
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-composite' }),
        fc.integer({ min: 2, max: 80 }),
        (text, width) => {
          const cut = middleTruncate(text, width);
          expect([...cut].length).toBeLessThanOrEqual(
            Math.max(width, [...text].length <= width ? [...text].length : 0),
          );
        },
      ),
    );
  });

  it('says so when nothing parsed', () => {
    expect(
      renderTable(
        reportOf([], { malformed: 2, malformedExamples: [{ source: 'a.log', line: 1, reason: 'bad' }] }),
      ),
    ).toContain('No records parsed');
  });
});

describe('the HTML report', () => {
  it('is one document with no script and no external reference', () => {
    const html = renderHtml(reportOf([summaryOf(T0), summaryOf(T0 + 60_000)]));
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=|url\(/i);
    expect(html).toContain("default-src 'none'");
    expect(html.match(/<svg class="chart"/g)?.length).toBe(7);
  });

  it('escapes every logged value (paths and user agents are attacker-controlled)', () => {
    fc.assert(
      fc.property(fc.string(), (evil) => {
        const key = `<img src=x onerror=alert(1)>${evil}`;
        const w = summaryOf(T0, {
          top: { ...summaryOf(T0).top, paths: [{ key, count: 1 }], userAgents: [{ key, count: 1 }] },
        });
        const html = renderHtml(reportOf([w], { totals: w }));
        expect(html).not.toContain('<img');
        expect(html).toContain(escapeHtml(key));
      }),
      { numRuns: 50 },
    );
  });
});
