/**
 * `cfrt analyze` end to end: the built CLI on generated traffic, checked against exact oracles
 * from the generator's own `expected` records.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import type { AnalyzeJson } from '../../src/report/report.js';
import { expectDistinct, expectQuantile, expectTopUris, oracleOf } from './oracle.js';
import { runCli } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIELDS = readFileSync(join(ROOT, 'fixtures/sample/fields.txt'), 'utf8').trim();
const FIELD_LIST = FIELDS.split(/[\s,]+/);
const COUNT = 6_000;
/** 20 requests/s over 6,000 lines: about five minutes of event time, six windows. */
const lines = generateLines({
  fields: FIELD_LIST,
  count: COUNT,
  seed: 7,
  requestsPerSecond: 20,
  malformedRate: 0.01,
});
const records = lines.flatMap((l) => (l.expected === null ? [] : [l.expected]));
/** A malformed line whose timestamp is readable, an hour after the traffic: no window of its own. */
const stray = `${((Math.max(...records.map((r) => r.timestamp as number)) + 3_600_000) / 1000).toFixed(3)}\tnot a record`;
const malformed = lines.length - records.length + 1;
const text = `${[...lines.map((l) => l.line), stray].join('\n')}\n`;

let dir = '';
let plain = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfrt-analyze-'));
  plain = join(dir, 'logs.tsv');
  writeFileSync(plain, text);
  writeFileSync(join(dir, 'logs.tsv.gz'), gzipSync(text));
  const half = Math.floor(lines.length / 2);
  writeFileSync(
    join(dir, 'part-1.tsv.gz'),
    gzipSync(
      `${lines
        .slice(0, half)
        .map((l) => l.line)
        .join('\n')}\n`,
    ),
  );
  writeFileSync(join(dir, 'part-2.tsv'), `${[...lines.slice(half).map((l) => l.line), stray].join('\n')}\n`);
});

async function analyzeJson(args: string[], input?: string | Buffer): Promise<AnalyzeJson> {
  const result = await runCli(['analyze', '--fields', FIELDS, '--format', 'json', ...args], { input });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as AnalyzeJson;
}

describe('cfrt analyze --format json', () => {
  let json: AnalyzeJson;
  beforeAll(async () => {
    json = await analyzeJson([plain]);
  });

  it('counts records and malformed lines exactly', () => {
    expect(malformed).toBeGreaterThan(20);
    expect(json.records).toBe(records.length);
    expect(json.malformed).toBe(malformed);
  });

  it('matches the exact totals: requests, bytes, status classes, cache hit ratio', () => {
    const { totals } = oracleOf(records);
    expect(json.totals.requests).toBe(totals.requests);
    expect(json.totals.bytesOut).toBe(totals.bytesOut);
    expect(json.totals.bytesIn).toBe(totals.bytesIn);
    expect(json.totals.status).toEqual(totals.status);
    expect(json.totals.cacheHitRatio).toBeCloseTo(totals.cacheHitRatio ?? Number.NaN, 12);
  });

  it('keeps latency percentiles within the sketch accuracy, distinct clients within HLL error, top URIs within Space-Saving bounds', () => {
    const { totals } = oracleOf(records);
    for (const q of ['p50', 'p90', 'p99'] as const) {
      const qv = Number(q.slice(1)) / 100;
      expectQuantile(json.totals.timeTaken[q], totals.timeTaken, qv, `timeTaken.${q}`);
      expectQuantile(json.totals.timeToFirstByte[q], totals.timeToFirstByte, qv, `timeToFirstByte.${q}`);
    }
    expectDistinct(json.totals.uniqueClients, totals.clients.size, 'uniqueClients');
    expectTopUris(json.totals.topUris, totals.paths, totals.requests, 100, 10, 'topUris');
  });

  it('has one 60 s window per minute of event time, ascending, each exact', () => {
    const { windows } = oracleOf(records);
    // Exactly the minutes with traffic: a minute only malformed lines fell into is no window.
    const withTraffic = json.windows;
    expect(withTraffic.map((w) => w.start)).toEqual([...windows.keys()]);
    for (let i = 1; i < json.windows.length; i++)
      expect(json.windows[i]!.start).toBeGreaterThan(json.windows[i - 1]!.start);
    for (const w of withTraffic) {
      const o = windows.get(w.start)!;
      expect(w.requests, `window ${w.start}`).toBe(o.requests);
      expect(w.bytesOut).toBe(o.bytesOut);
      expect(w.bytesIn).toBe(o.bytesIn);
      expect(w.status).toEqual(o.status);
      expect(w.cacheHitRatio).toBeCloseTo(o.cacheHitRatio ?? Number.NaN, 12);
      expectQuantile(w.timeTaken.p99, o.timeTaken, 0.99, `window ${w.start} timeTaken.p99`);
      expectDistinct(w.uniqueClients, o.clients.size, `window ${w.start} uniqueClients`);
      expectTopUris(w.topUris, o.paths, o.requests, 100, 10, `window ${w.start} topUris`);
    }
  });

  it('follows --window', async () => {
    const hourly = await analyzeJson(['--window', '120', plain]);
    const { windows } = oracleOf(records, 120_000);
    expect(hourly.windows.map((w) => [w.start, w.requests])).toEqual(
      [...windows.entries()].map(([start, o]) => [start, o.requests]),
    );
  });

  it('scales counts by --sampling-rate, records stay as read', async () => {
    const sampled = await analyzeJson(['--sampling-rate', '10', plain]);
    expect(sampled.records).toBe(records.length);
    expect(sampled.totals.requests).toBe(records.length * 10);
    expect(sampled.totals.bytesOut).toBe(oracleOf(records).totals.bytesOut * 10);
  });

  it('still totals a field list without timestamp, with no windows', async () => {
    const withoutTime = FIELD_LIST.filter((f) => f !== 'timestamp');
    const body = `${lines
      .filter((l) => l.expected !== null)
      .map((l) => l.line.slice(l.line.indexOf('\t') + 1))
      .join('\n')}\n`;
    const result = await runCli(['analyze', '--fields', withoutTime.join(','), '--format', 'json'], {
      input: body,
    });
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as AnalyzeJson;
    const { totals } = oracleOf(records);
    expect(json.records).toBe(records.length);
    expect(json.totals.requests).toBe(totals.requests);
    expect(json.totals.status).toEqual(totals.status);
    expect(json.windows).toEqual([]);
  });

  it('adds a per-dimension breakdown with --dimension, whose cells add up to the totals', async () => {
    const byClass = await analyzeJson(['--dimension', 'statusClass', plain]);
    expect(byClass.dimensions).toBeDefined();
    const sum: Record<string, number> = {};
    for (const cell of byClass.dimensions ?? []) {
      const cls = cell.dimensions.statusClass ?? '?';
      sum[cls] = (sum[cls] ?? 0) + cell.requests;
    }
    const { totals } = oracleOf(records);
    for (const [cls, n] of Object.entries(totals.status)) if (n > 0) expect(sum[cls]).toBe(n);
  });

  it('shows client addresses truncated by default, never the raw address', async () => {
    const result = await runCli(['analyze', '--fields', FIELDS, '--top', '50', plain]);
    expect(result.code).toBe(0);
    const raw = new Set(records.map((r) => r['c-ip'] as string));
    const section = result.stdout.split('Top clients')[1]?.split('\n\n')[0] ?? '';
    expect(section).not.toBe('');
    for (const line of section.trim().split('\n')) {
      const address = line.trim().split(/\s+/)[0] ?? '';
      if (address.includes('.')) expect(address).toMatch(/\.0$/);
      expect(raw.has(address) && !address.endsWith('.0')).toBe(false);
    }
  });
});

describe('cfrt analyze input', () => {
  it('reads gzip (detected, not by name), stdin, and globs across files to the same report', async () => {
    const reference = await analyzeJson([plain]);
    expect(await analyzeJson([join(dir, 'logs.tsv.gz')])).toEqual(reference);
    expect(await analyzeJson([], text)).toEqual(reference);
    expect(await analyzeJson(['-'], gzipSync(text))).toEqual(reference);
    const parts = await analyzeJson([join(dir, 'part-*')]);
    expect(parts.records).toBe(reference.records);
    expect(parts.malformed).toBe(reference.malformed);
    expect(parts.totals).toEqual(reference.totals);
  });

  it('reports malformed lines with their line numbers, and --strict exits 1', async () => {
    const bad = lines.findIndex((l) => l.expected === null);
    const result = await runCli(['analyze', '--fields', FIELDS, plain]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Malformed lines: ${malformed}`);
    expect(result.stdout).toContain(`Malformed lines: ${malformed} (in ${plain})`);
    expect(result.stdout).toContain(`  line ${bad + 1}: `);
    const fromTwo = await runCli(['analyze', '--fields', FIELDS, join(dir, 'part-*')]);
    expect(fromTwo.stdout).toMatch(new RegExp(`part-1\\.tsv\\.gz:${bad + 1}: `));
    const strict = await runCli(['analyze', '--fields', FIELDS, '--strict', '--format', 'json', plain]);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.stdout).malformed).toBe(malformed);
  });

  it('says what to change for a bad option, a missing file or an unmatched glob (exit 2)', async () => {
    for (const [args, message] of [
      [['--format', 'xml', plain], /--format: must be table, html or json; got "xml"/],
      [
        ['--window', '0', plain],
        /--window: must be a whole number of seconds from 1 to 86400 \(one day\); got 0/,
      ],
      [['--window', 'ten', plain], /--window: must be a whole number of seconds .*; got "ten"/],
      // Every mistake at once, each named by its flag.
      [
        ['--top-k', '5', '--geo', 'moon', plain],
        /--top-k: must be a whole number from 100 to 1000; got 5\n- --geo: must be "none", "country" or "city"; got "moon"/,
      ],
      [['--dimension', 'planet', plain], /Unknown dimension "planet"/],
      [[join(dir, 'nope.tsv')], /No such file/],
      [[join(dir, '*.nope')], /No file matches/],
      [['--client-ip', 'hash', plain], /needs --hmac-key/],
    ] as const) {
      const result = await runCli(['analyze', '--fields', FIELDS, ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  });

  it('analyzes the bundled sample with no arguments', async () => {
    const result = await runCli(['analyze', '--format', 'json']);
    expect(result.code).toBe(0);
    const sample = JSON.parse(result.stdout) as AnalyzeJson;
    expect(sample.records + sample.malformed).toBeGreaterThanOrEqual(50_000);
    expect(sample.totals.requests).toBe(sample.records);
    // Its malformed lines include timestamps like "0x1F" (31 to Number()): no 1970 window.
    expect(sample.windows.length).toBeGreaterThanOrEqual(10);
    for (const w of sample.windows) expect(w.start).toBeGreaterThanOrEqual(Date.UTC(2025, 0, 1));
  });
});

describe('cfrt analyze memory', () => {
  /** Input streamed through stdin: a few hundred MB, far more than the heap the CLI is given. */
  const BYTES = 200 * 1024 * 1024;
  /**
   * The CLI's JS heap limit: if memory grew with input, it would die here (the input is 2.5x it).
   * Measured: 56 MB dies, 64 MB passes alone but died once in the full suite on two busy cores
   * (garbage collection lagging behind), so 80 MB: a margin, not a looser claim.
   */
  const HEAP_MB = 80;
  /** Peak resident memory allowed (heap + code + buffers), well below the input's size. */
  const MAX_RSS = 192 * 1024 * 1024;

  it(`stays flat on ${BYTES / 1024 / 1024} MiB streamed through stdin`, async () => {
    const generator = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'test/cli/stream-lines.ts'),
        '--fields',
        FIELDS,
        '--bytes',
        String(BYTES),
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let generated = '';
    generator.stderr?.setEncoding('utf8').on('data', (d: string) => {
      generated += d;
    });
    const generatorDone = new Promise<number | null>((done) => generator.on('close', done));
    const result = await runCli(['analyze', '--fields', FIELDS, '--format', 'json', '--stats'], {
      pipeFrom: generator,
      nodeArgs: [`--max-old-space-size=${HEAP_MB}`],
    });
    expect(await generatorDone).toBe(0);
    expect(result.code, result.stderr).toBe(0);
    const written = JSON.parse(generated) as { lines: number; bytes: number };
    expect(written.bytes).toBeGreaterThanOrEqual(BYTES);
    const stats = JSON.parse(result.stderr.trim().split('\n').at(-1) ?? '{}') as {
      records: number;
      maxRssBytes: number;
    };
    expect(stats.records).toBe(written.lines);
    expect(JSON.parse(result.stdout).records).toBe(written.lines);
    expect(stats.maxRssBytes).toBeLessThan(MAX_RSS);
    // About 30 s alone (most of it the tsx generator); a limit, not a measure: on two cores shared
    // with the rest of the suite it took past 180 s.
  }, 480_000);
});
