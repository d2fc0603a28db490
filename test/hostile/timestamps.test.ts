/**
 * Timestamps from a broken or hostile world: a line stamped in 2100, or at 9999999999999 s, must
 * not move the watermark, open a window in the future, stamp a metric CloudWatch refuses or crash a
 * report. It is quarantined (handler) or counted as malformed (cfrt analyze), with its reason.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import {
  createAggregator,
  MAX_CLOCK_SKEW_MS,
  plausibleTimeRange,
  type WindowCell,
} from '../../src/aggregate/index.js';
import { analyze } from '../../src/cli/analyze.js';
import { parseAnalyzeArgs } from '../../src/cli/analyze-args.js';
import { renderHtml } from '../../src/cli/render-html.js';
import { renderTable } from '../../src/cli/render-table.js';
import { createHandler, type InvocationLog } from '../../src/handler/create-handler.js';
import type { QuarantinedLine } from '../../src/handler/quarantine.js';
import { toJson } from '../../src/report/report.js';
import { createMemorySink } from '../../src/sinks/memory.js';
import { kinesisEvent, lambdaContext } from '../helpers/events.js';

const FIELDS = ['timestamp', 'c-ip', 'sc-status', 'sc-bytes', 'cs-uri-stem', 'time-taken'] as const;
const START = Date.UTC(2025, 2, 1, 12, 0, 0);
const LINES = generateLines({ fields: FIELDS, count: 300, seed: 5, startMs: START, malformedRate: 0 });
const YEAR_2100 = Date.UTC(2100, 0, 1);

/** A valid line of the generator's with another timestamp column. */
function stamped(seconds: string): string {
  const columns = LINES[0]!.line.split('\t');
  columns[0] = seconds;
  return columns.join('\t');
}

describe('an implausible timestamp', () => {
  it("is outside the aggregator's timeRange: no window, no watermark move, counted as implausible", () => {
    const agg = createAggregator({
      timeRange: plausibleTimeRange(START + 3_600_000),
      allowedLatenessSeconds: 0,
    });
    expect(agg.add({ timestamp: YEAR_2100 })).toBe('implausible');
    expect(agg.add({ timestamp: 0 })).toBe('implausible');
    expect(agg.watermark()).toBeNull();
    expect(agg.add({ timestamp: START })).toBe('added');
    expect(agg.add({ timestamp: START + 3_600_000 + MAX_CLOCK_SKEW_MS })).toBe('added');
    agg.addMalformed(YEAR_2100);
    expect(agg.cells().map((c) => c.start)).toEqual(
      [START, START + 3_600_000 + MAX_CLOCK_SKEW_MS - 0].map((t) => Math.floor(t / 60_000) * 60_000),
    );
    expect(agg.stats()).toMatchObject({ records: 2, implausible: 2, malformedUntimed: 1 });
  });

  it('in the handler: quarantined with its reason, and every other line counted in its own window', async () => {
    const state = createMemorySink<WindowCell>({ name: 'state' });
    const metrics = createMemorySink<WindowCell>({ name: 'metrics' });
    const quarantine = createMemorySink<QuarantinedLine>({ name: 'quarantine' });
    const logs: string[] = [];
    const handler = createHandler({
      fields: [...FIELDS],
      sinks: [],
      stateSinks: [state],
      metricSinks: [metrics],
      quarantineSink: quarantine,
      now: () => START + 3_600_000,
      log: (line) => logs.push(line),
    });
    const future = stamped((YEAR_2100 / 1000).toFixed(3));
    const tooBig = stamped('9999999999999');
    const lines = [LINES[0]!.line, future, tooBig, ...LINES.slice(1).map((g) => g.line)];
    const response = await handler(kinesisEvent(lines), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(quarantine.items.map((q) => q.field)).toEqual(['timestamp', 'timestamp']);
    expect(quarantine.items[0]!.reason).toMatch(/implausible/);
    const starts = new Set(LINES.map((g) => Math.floor((g.expected!.timestamp as number) / 60_000) * 60_000));
    expect(new Set(state.items.map((c) => c.start))).toEqual(starts);
    expect(new Set(metrics.items.map((c) => c.start))).toEqual(starts);
    const log = JSON.parse(logs.at(-1)!) as InvocationLog;
    // The 2100 line moved no watermark: nothing after it was late.
    expect(log.late).toBe(0);
    expect(log.parsed).toBe(LINES.length);
    expect(log.malformed).toBe(2);
  });
});

describe('cfrt analyze with a line from 2100 and one at 9999999999999 s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfrt-time-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const sample = resolve(import.meta.dirname, '../../fixtures/sample');
  const sampleLines = gunzipSync(readFileSync(join(sample, 'realtime-logs.tsv.gz')))
    .toString('utf8')
    .split('\n');
  const first = sampleLines[0]!.split('\t');

  async function run(lines: readonly string[]) {
    const file = join(dir, `in-${lines.length}.tsv`);
    writeFileSync(file, lines.join('\n'));
    const options = parseAnalyzeArgs(['--fields-file', join(sample, 'fields.txt'), '--no-progress', file]);
    return analyze(options);
  }

  it('counts them as malformed with their reason; windows, totals and every renderer are unchanged', async () => {
    const future = [(YEAR_2100 / 1000).toFixed(3), ...first.slice(1)].join('\t');
    const tooBig = ['9999999999999', ...first.slice(1)].join('\t');
    const plain = await run(sampleLines);
    const hostile = await run([future, ...sampleLines.slice(0, 100), tooBig, ...sampleLines.slice(100)]);
    expect(hostile.malformed).toBe(plain.malformed + 2);
    const { malformed: _a, ...hostileJson } = toJson(hostile);
    const { malformed: _b, ...plainJson } = toJson(plain);
    expect(hostileJson).toEqual(plainJson);
    expect(hostile.malformedExamples.map((e) => e.reason).join('\n')).toMatch(/implausible/);
    expect(() => renderTable(hostile, { width: 100 })).not.toThrow();
    expect(() => renderHtml(hostile)).not.toThrow();
  });
});
