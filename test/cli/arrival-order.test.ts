/**
 * `cfrt analyze` of finite input does not depend on arrival order: the bundled sample in any
 * permutation, cut into any number of files (plain or gzip), gives the same windows and totals.
 * Files concatenated from several shards, or copied out of S3 in any order, look exactly like that.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { parseAnalyzeArgs } from '../../src/cli/analyze-args.js';
import {
  type AnalyzeJson,
  type ContractFigures,
  type ContractTopLists,
  toJson,
} from '../../src/report/report.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SAMPLE = join(ROOT, 'fixtures/sample');
const LINES = gunzipSync(readFileSync(join(SAMPLE, 'realtime-logs.tsv.gz')))
  .toString('utf8')
  .split('\n')
  .filter((l) => l !== '');
const dir = mkdtempSync(join(tmpdir(), 'cfrt-order-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let run = 0;
/** Writes the lines as files cut at `cuts` (gzip every other file) and analyzes them in that order. */
async function analyzeChunks(lines: readonly string[], cuts: readonly number[], extra: string[] = []) {
  const files: string[] = [];
  const bounds = [0, ...[...new Set(cuts)].sort((a, b) => a - b), lines.length];
  run++;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const text = `${lines.slice(bounds[i], bounds[i + 1]).join('\n')}\n`;
    const gz = i % 2 === 1;
    const file = join(dir, `run${run}-part${i}.tsv${gz ? '.gz' : ''}`);
    writeFileSync(file, gz ? gzipSync(text) : text);
    files.push(file);
  }
  const options = parseAnalyzeArgs([
    '--fields-file',
    join(SAMPLE, 'fields.txt'),
    '--format',
    'json',
    '--no-progress',
    ...extra,
    ...files,
  ]);
  return toJson(await analyze(options));
}

/** Fisher-Yates with a seeded generator: fast-check picks the seed, so a failure shrinks to it. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed | 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Top-N counts are Space-Saving estimates: over n requests with k counters, each within n/k. */
function expectSameFigures(
  actual: ContractFigures & { top?: ContractTopLists },
  expected: ContractFigures & { top?: ContractTopLists },
  label: string,
): void {
  const { topUris: topA, top: listsA, ...restA } = actual;
  const { topUris: topB, top: listsB, ...restB } = expected;
  expect(restA, label).toEqual(restB);
  if (listsA !== undefined && listsB !== undefined)
    expectSameTops(listsA, listsB, expected.requests / 100, label);
  const slack = expected.requests / 100;
  const counts = new Map(topB.map((e) => [e.key, e.count]));
  for (const e of topA) {
    const other = counts.get(e.key);
    if (other !== undefined)
      expect(Math.abs(e.count - other), `${label} ${e.key}`).toBeLessThanOrEqual(slack);
  }
}

/**
 * The totals' top lists: counts within the n/k bound; a key exact on both sides (error 0) has the
 * same count and the same figures, since every one of its requests was counted with them.
 */
function expectSameTops(a: ContractTopLists, b: ContractTopLists, slack: number, label: string): void {
  for (const name of Object.keys(b) as (keyof ContractTopLists)[]) {
    const other = new Map(b[name].map((e) => [e.key, e]));
    for (const e of a[name]) {
      const o = other.get(e.key);
      if (o === undefined) continue;
      expect(Math.abs(e.count - o.count), `${label} ${name} ${e.key}`).toBeLessThanOrEqual(slack);
      if (e.error === 0 && o.error === 0) expect(e, `${label} ${name} ${e.key}`).toEqual(o);
    }
  }
}

function expectSameReport(actual: AnalyzeJson, expected: AnalyzeJson): void {
  expect(actual.records).toBe(expected.records);
  expect(actual.malformed).toBe(expected.malformed);
  expectSameFigures(actual.totals, expected.totals, 'totals');
  expect(actual.windows.map((w) => w.start)).toEqual(expected.windows.map((w) => w.start));
  for (const [i, w] of actual.windows.entries()) {
    expectSameFigures(w, expected.windows[i]!, `window ${w.start}`);
  }
  expect(actual.dimensions?.map((d) => [d.start, d.dimensions])).toEqual(
    expected.dimensions?.map((d) => [d.start, d.dimensions]),
  );
  for (const [i, d] of (actual.dimensions ?? []).entries()) {
    expectSameFigures(d, expected.dimensions![i]!, `cell ${d.start} ${JSON.stringify(d.dimensions)}`);
  }
}

describe('cfrt analyze: arrival order does not change a report', () => {
  const DIMENSIONS = ['--dimension', 'statusClass;cacheClass'];
  let inOrder: AnalyzeJson;
  let inOrderByDimension: AnalyzeJson;

  it('the sample in file order: every record in its window, 11 windows', async () => {
    inOrder = await analyzeChunks(LINES, []);
    inOrderByDimension = await analyzeChunks(LINES, [], DIMENSIONS);
    expect(inOrder.records + inOrder.malformed).toBe(LINES.length);
    expect(inOrder.windows.reduce((n, w) => n + w.requests, 0)).toBe(inOrder.records);
    expect(inOrder.windows).toHaveLength(11);
  });

  it('reversed, the sample gives the same JSON, byte for byte', async () => {
    const reversed = await analyzeChunks([...LINES].reverse(), []);
    // Byte for byte but the totals' top lists, which hold more keys than counters (clients):
    // Space-Saving estimates, compared within their bound.
    const { top: topR, ...totalsR } = reversed.totals;
    const { top: topI, ...totalsI } = inOrder.totals;
    expect(JSON.stringify({ ...reversed, totals: totalsR })).toBe(
      JSON.stringify({ ...inOrder, totals: totalsI }),
    );
    expectSameTops(topR!, topI!, inOrder.totals.requests / 100, 'reversed');
  });

  it('any permutation cut into any files gives the same windows, totals and breakdown', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.array(fc.integer({ min: 1, max: LINES.length - 1 }), { maxLength: 4 }),
        fc.boolean(),
        async (seed, cuts, byDimension) => {
          const lines = shuffled(LINES, seed);
          const json = await analyzeChunks(lines, cuts, byDimension ? DIMENSIONS : []);
          expectSameReport(json, byDimension ? inOrderByDimension : inOrder);
        },
      ),
      { numRuns: 4 },
    );
  });

  it('windows arriving newest first, one file each, still land whole', async () => {
    // The worst order for a watermark: every window closes before any of its records come.
    const byMinute = new Map<string, string[]>();
    for (const line of LINES) {
      const minute = String(Math.floor(Number.parseFloat(line.slice(0, line.indexOf('\t'))) / 60));
      byMinute.set(minute, [...(byMinute.get(minute) ?? []), line]);
    }
    const blocks = [...byMinute.values()].reverse();
    const lines = blocks.flat();
    let at = 0;
    const cuts = blocks.slice(0, -1).map((b) => (at += b.length));
    const json = await analyzeChunks(lines, cuts);
    expectSameReport(json, inOrder);
  });
});
