/**
 * Data never drives the terminal: a path, user agent, referer, host, dimension value, file name or
 * malformed-line reason holding ESC, another C0 or C1 control, DEL or a bidi override reaches the
 * table report, `cfrt parse`'s stderr and `cfrt replay`'s table as a visible escape (`\x1b`),
 * and the HTML report shows it the same way. The parser decodes CloudFront's `%1B` into a raw
 * ESC, so a request for `/%1B[2J` is enough to clear the screen of whoever reads the report.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WindowSummary } from '../../src/aggregate/types.js';
import { escapeControl } from '../../src/cli/escape-control.js';
import { renderHtml } from '../../src/cli/render-html.js';
import { renderTable } from '../../src/cli/render-table.js';
import type { AnalyzeReport } from '../../src/report/report.js';
import { summaryOf } from '../cli/factories.js';
import { runCli } from '../cli/run-cli.js';

const T0 = Date.UTC(2025, 2, 1, 12, 0, 0);
// Built from strings so this file holds no control character (and biome's regex lint agrees).
const CLASS = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
/** What a terminal acts on: C0, DEL, C1, line separators and the bidi controls. */
const CONTROL = new RegExp(`[\\u0000-\\u001f${CLASS}]`, 'u');
/** The same, with the newline a renderer puts between rows allowed. */
const CONTROL_BUT_NEWLINE = new RegExp(`[\\u0000-\\u0009\\u000b-\\u001f${CLASS}]`, 'u');
const HOSTILE = [
  '\u001b[2J',
  '\u001b]0;pwned\u0007',
  '\u001b[31m',
  '\r',
  '\n',
  '\t',
  '\u0000',
  '\u007f',
  '\u0085',
  '\u009b2J',
  '\u202e',
  '\u2066',
  '\u2028',
];

/** Text with control characters spliced in. */
const hostileText = fc
  .array(fc.oneof(fc.string({ maxLength: 8, unit: 'binary' }), fc.constantFrom(...HOSTILE)), {
    minLength: 1,
    maxLength: 6,
  })
  .map((parts) => parts.join(''));

function reportWith(keys: readonly string[], reason: string, source: string): AnalyzeReport {
  const entries = keys.map((key, i) => ({ key, count: 100 - i }));
  const base = summaryOf(T0);
  const totals: WindowSummary = {
    ...base,
    top: {
      paths: entries,
      missPaths: entries,
      errorPaths: entries,
      clients: entries,
      referers: entries,
      userAgents: entries,
      countries: entries,
      edgeLocations: entries,
    },
  };
  const dims = Object.fromEntries(keys.map((k, i) => [i === 0 ? 'host' : `country${i}`, k]));
  return {
    records: 1000,
    malformed: 3,
    malformedExamples: [
      { source, line: 7, reason },
      { source: '-', line: 9, reason: `sc-status: "${keys[0]}" is not an integer` },
    ],
    totals,
    windows: [summaryOf(T0)],
    breakdown: [summaryOf(T0, { dimensions: dims })],
    windowSeconds: 60,
    top: 10,
    samplingRate: 100,
    inputs: [source, '-'],
    state: { cells: 1, fragmentsMerged: 0, lateRecords: 0, bytes: null },
  } as AnalyzeReport;
}

describe('the table report writes no control character from the data', () => {
  it('property: only the newline between rows, whatever the keys, dimensions, reasons and file names hold', () => {
    fc.assert(
      fc.property(
        fc.array(hostileText, { minLength: 1, maxLength: 5 }),
        hostileText,
        hostileText,
        (keys, reason, source) => {
          const text = renderTable(reportWith(keys, reason, source), { width: 120 });
          expect(text).not.toMatch(CONTROL_BUT_NEWLINE);
          // The same as the report of the escaped data: no row broken, no column shifted. (Which
          // user agents are bots may differ once escaped: that list is left out of the comparison.)
          const escaped = reportWith(
            keys.map((k) => escapeControl(k)),
            escapeControl(reason),
            escapeControl(source),
          );
          const withoutBots = (t: string) => t.replace(/Top bots\n( {2}.*\n)*\n/, '');
          expect(withoutBots(text)).toBe(withoutBots(renderTable(escaped, { width: 120 })));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('shows an escape sequence as visible text', () => {
    const text = renderTable(reportWith(['/\u001b[2J/index.html'], 'r', 'logs.gz'), { width: 120 });
    expect(text).toContain('/\\x1b[2J/index.html');
  });

  it('escapeControl leaves text without control characters as it is', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        if (!CONTROL.test(s)) expect(escapeControl(s)).toBe(s);
        expect(escapeControl(s)).not.toMatch(CONTROL);
      }),
    );
  });
});

describe('the HTML report neutralizes control and bidi characters in text', () => {
  it('property: no bidi override, C0 (but the template newline) or C1 character from the data', () => {
    fc.assert(
      fc.property(fc.array(hostileText, { minLength: 1, maxLength: 3 }), hostileText, (keys, reason) => {
        const html = renderHtml(reportWith(keys, reason, 'logs.gz'));
        expect(html).not.toMatch(CONTROL_BUT_NEWLINE);
      }),
      { numRuns: 100 },
    );
  });
});

describe('cfrt end to end', () => {
  // Columns in CloudFront's order (the list's order does not matter).
  const FIELDS =
    'timestamp,c-ip,sc-status,sc-bytes,cs-uri-stem,x-edge-location,time-taken,cs-user-agent,x-edge-result-type';
  const line = (status: string, path: string, agent: string) =>
    ['1740830400.000', '203.0.113.9', status, '512', path, 'IAD89-C1', '0.010', agent, 'Hit'].join('\t');
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cfrt-terminal-'));
  });

  it('analyze prints a path CloudFront logged as /%1B[2J (decoded to a raw ESC) escaped', async () => {
    // CloudFront percent-encodes control characters in the URI; the parser decodes them.
    const lines = [
      line('200', '/%1B[2J%E2%80%AEgnp.exe', 'curl%1B]0;pwned%07'),
      line('200', '/%1B[2J%E2%80%AEgnp.exe', 'curl'),
      '1740830402.000\t203.0.113.11\t2\u001b[2J',
    ];
    const file = join(dir, 'hostile.log');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { code, stdout, stderr } = await runCli(['analyze', '--fields', FIELDS, file]);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(CONTROL_BUT_NEWLINE);
    expect(stderr).not.toMatch(CONTROL_BUT_NEWLINE);
    expect(stdout).toContain('/\\x1b[2J\\u202egnp.exe');
    expect(stdout).toContain('curl\\x1b]0;pwned\\x07');
  });

  it('parse reports malformed values holding raw control characters escaped on stderr; stdout stays JSON', async () => {
    // Raw control characters (a hand-made file: CloudFront would have encoded them); short
    // values are quoted in the reason, longer ones described.
    const statuses = ['\u009b2J', '2\u202e', '\u001b[2J', '2\u001b[2J\u009b31m\u001b]0;x\u0007'];
    const file = join(dir, 'malformed.log');
    const lines = [line('200', '/%1B[2J', 'curl'), ...statuses.map((s) => line(s, '/', 'x'))];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const { stdout, stderr } = await runCli(['parse', '--fields', FIELDS, file]);
    expect(stderr).not.toMatch(CONTROL_BUT_NEWLINE);
    for (const n of [2, 3, 4, 5]) expect(stderr).toContain(`line ${n}: sc-status:`);
    expect(JSON.parse(stdout.trim())['cs-uri-stem']).toBe('/\u001b[2J');
  });
});
