/**
 * `cfrt analyze` of a file cut into byte ranges (`--range-bytes`, the units `--threads` runs in
 * parallel) reports what one pass over the whole file reports: every exact figure (counts, bytes,
 * classes, quantiles, distinct clients, malformed lines and their line numbers, late records per
 * window) whatever the cuts. These tests run the TypeScript sources, where units run on the main
 * thread one after another (the same `runUnit` and merge as with workers); the built CLI's workers
 * are tested in analyze-threads.test.ts.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { analyze } from '../../src/cli/analyze.js';
import { parseAnalyzeArgs } from '../../src/cli/analyze-args.js';
import { MalformedRecorder, shapeOf } from '../../src/cli/analyze-unit.js';
import { planUnits } from '../../src/cli/file-chunks.js';
import { createMatchCheck } from '../../src/cli/no-records.js';
import { MAX_LINE_BYTES } from '../../src/parser/line-limit.js';
import type { AnalyzeReport } from '../../src/report/report.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIELDS_FILE = join(ROOT, 'fixtures/sample/fields.txt');
const FIELDS = readFileSync(FIELDS_FILE, 'utf8').trim().split(',');
const dir = mkdtempSync(join(tmpdir(), 'cfrt-ranges-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function write(content: string | Buffer, name = `f${++files}.tsv`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/**
 * Realistic lines with what makes cutting hard: malformed lines, `\r\n` endings, empty lines,
 * lines without a timestamp, and the first block moved to the end, so its records come after
 * their windows closed (late).
 */
function hardLines(seed: number, count: number): string[] {
  const lines = generateLines({
    fields: FIELDS,
    count,
    seed,
    requestsPerSecond: 4,
    malformedRate: 0.03,
    clients: 40,
    paths: 30,
  }).map((g) => g.line);
  const out = lines.map((line, i) => {
    if (i % 53 === 7) return `${line}\r`;
    if (i % 71 === 3) return '';
    // No usable timestamp: counted in the totals, in no window.
    if (i % 89 === 5) return `-${line.slice(line.indexOf('\t'))}`;
    return line;
  });
  const moved = out.splice(0, Math.floor(count / 5));
  return [...out, ...moved];
}

async function report(inputs: string[], extra: string[] = []): Promise<AnalyzeReport> {
  const options = parseAnalyzeArgs([
    '--fields-file',
    FIELDS_FILE,
    '--format',
    'json',
    '--no-progress',
    '--allowed-lateness',
    '0',
    // Top lists hold every key (fewer than this many): exact, so they must match too.
    '--top-k',
    '1000',
    ...extra,
    ...inputs,
  ]);
  return analyze(options);
}

/** The figures that must not depend on the cuts: everything but how merges went (state). */
function exact(r: AnalyzeReport): unknown {
  const { state, ...rest } = r;
  return { ...rest, late: state?.lateRecords, cells: state?.cells };
}

describe('planUnits', () => {
  it('cuts a plain file at line starts, at the first line start at or after each multiple of the range', async () => {
    const file = write('aaaa\nbb\ncccccc\nd\neeeee\n');
    const units = await planUnits([file], 6);
    expect(units.map((u) => u.segments[0]!.range)).toEqual([
      { start: 0, end: 8 },
      { start: 8, end: 15 },
      { start: 15, end: 23 },
    ]);
  });

  it('keeps a line longer than several ranges in the range where it starts', async () => {
    const file = write(`a\n${'x'.repeat(50)}\nb\nc`);
    const units = await planUnits([file], 10);
    expect(units.map((u) => u.segments[0]!.range)).toEqual([
      { start: 0, end: 53 },
      { start: 53, end: 56 },
    ]);
  });

  it('reads stdin, gzip, small and empty files whole, runs of them in one unit', async () => {
    const big = write('line one\nline two\nline three\n');
    const gz = write(gzipSync('a\n'.repeat(100)), 'big.tsv.gz');
    const small = write('a\n');
    const empty = write('');
    const units = await planUnits([small, empty, big, gz, '-'], 10);
    expect(units.map((u) => u.segments.map((s) => [s.input, s.range ?? null]))).toEqual([
      [
        [0, null],
        [1, null],
      ],
      [[2, { start: 0, end: 18 }]],
      [[2, { start: 18, end: 29 }]],
      [
        [3, null],
        [4, null],
      ],
    ]);
  });
});

describe('a file cut into ranges', () => {
  const lines = hardLines(11, 3000);
  // The last line without its `\n`.
  const file = write(lines.join('\n'));
  const size = Buffer.byteLength(lines.join('\n'));

  it('has late records, malformed lines and untimed records to get right', async () => {
    const whole = await report([file]);
    expect(whole.state?.lateRecords).toBeGreaterThan(100);
    expect(whole.malformed).toBeGreaterThan(50);
    expect(whole.malformedExamples).toHaveLength(20);
    expect(whole.windows.some((w) => w.late > 0)).toBe(true);
  });

  it('reports the exact figures of one pass, wherever it is cut (property)', async () => {
    const whole = exact(await report([file]));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: size }), async (rangeBytes) => {
        const cut = await report([file], ['--range-bytes', String(rangeBytes)]);
        expect(exact(cut)).toEqual(whole);
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it('numbers malformed lines from the file’s first line in every range', async () => {
    const whole = await report([file]);
    const cut = await report([file], ['--range-bytes', '4096']);
    expect(cut.malformedExamples).toEqual(whole.malformedExamples);
    const expected = whole.malformedExamples.map((e) => lines[e.line - 1]);
    expect(expected.every((l) => l !== undefined && l !== '')).toBe(true);
  });

  it('keeps per-dimension cells and their late counts exact', async () => {
    const extra = ['--dimension', 'country', '--dimension', 'statusClass'];
    const whole = exact(await report([file], extra));
    expect(exact(await report([file], [...extra, '--range-bytes', '20000']))).toEqual(whole);
  });

  it('scales sampled counts as one pass does', async () => {
    const extra = ['--sampling-rate', '25'];
    const whole = exact(await report([file], extra));
    expect(exact(await report([file], [...extra, '--range-bytes', '30000']))).toEqual(whole);
  });
});

describe('inputs around the cut files', () => {
  it('several files: a cut one between gzip and small ones, line numbers per file', async () => {
    const a = hardLines(3, 400);
    const b = hardLines(4, 1500);
    const c = hardLines(5, 300);
    const gz = write(gzipSync(`${a.join('\n')}\n`), 'a.tsv.gz');
    const big = write(`${b.join('\r\n')}\r\n`);
    const small = write(c.join('\n'));
    const empty = write('');
    const inputs = [gz, big, empty, small];
    const whole = await report(inputs);
    const cut = await report(inputs, ['--range-bytes', '50000']);
    expect(exact(cut)).toEqual(exact(whole));
    expect(new Set(cut.malformedExamples.map((e) => e.source)).size).toBeGreaterThan(1);
  });

  it('a line over MAX_LINE_BYTES across a cut is one malformed line, as in one pass', async () => {
    const lines = hardLines(6, 600);
    lines.splice(300, 0, `${lines[10]}\t${'x'.repeat(MAX_LINE_BYTES + 10)}`);
    const file = write(lines.join('\n'));
    const whole = await report([file]);
    expect(whole.malformedExamples.some((e) => e.reason.startsWith('line too long'))).toBe(true);
    for (const rangeBytes of ['1000', '150000', String(MAX_LINE_BYTES)]) {
      expect(exact(await report([file], ['--range-bytes', rangeBytes]))).toEqual(exact(whole));
    }
  });

  it('an empty file reports nothing, cut or not', async () => {
    const file = write('');
    const r = await report([file], ['--range-bytes', '1']);
    expect(r.records).toBe(0);
    expect(r.totals).toBeNull();
  });

  it('a file of which no line parses fails with the message of one pass', async () => {
    const standard = Array.from({ length: 400 }, (_, i) =>
      i === 0 ? '#Version: 1.0' : `2025-03-01\t12:00:${String(i % 60).padStart(2, '0')}\tIAD89-C1\t1000`,
    );
    const file = write(standard.join('\n'));
    const whole = await report([file]).catch((e: Error) => e.message);
    const cut = await report([file], ['--range-bytes', '500']).catch((e: Error) => e.message);
    expect(whole).toContain('no line matched the field list');
    expect(cut).toBe(whole);
  });
});

describe('shapeOf', () => {
  it('the no-records check judges a line’s shape as it judges the line', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.constantFrom('#Version: 1.0', '#Fields: date time', 'a\tb\0c', 'x\uFFFDy\tz', 'a\tb\tc'),
          ),
          { maxLength: 150 },
        ),
        (lines) => {
          const layouts = { layouts: [{ fields: ['timestamp', 'sc-status', 'c-ip'] }] };
          const direct = createMatchCheck(layouts);
          const recorder = new MalformedRecorder();
          for (const l of lines) {
            direct.malformed(l, 'reason');
            recorder.malformed(l, 'reason');
          }
          const viaShapes = createMatchCheck(layouts);
          for (const s of recorder.samples) viaShapes.malformed(s.shape, s.reason);
          for (let i = recorder.samples.length; i < recorder.count; i++) viaShapes.malformed('');
          expect(viaShapes.problem(0)).toBe(direct.problem(0));
          for (const l of lines) expect(shapeOf(l).length).toBeLessThanOrEqual(l.length + 7);
        },
      ),
    );
  });
});
