/**
 * A field-list change in the deployed app: CloudFront's config changes, lines of the old and the
 * new layout arrive mixed for hours, and the handler, given the previous list too
 * (`CFRT_PREVIOUS_FIELDS`), counts every one of them. Also: a line longer than MAX_LINE_BYTES in
 * a record is counted as malformed by its length, and the lines around it as usual.
 */
import { describe, expect, it } from 'vitest';
import { type GeneratedLine, generateLines } from '../../fixtures/generator.js';
import type { WindowCell } from '../../src/aggregate/index.js';
import { HandlerConfigError, settingsFromEnv } from '../../src/handler/config.js';
import { createHandlerFromSettings, type InvocationLog } from '../../src/handler/create-handler.js';
import type { QuarantinedLine } from '../../src/handler/quarantine.js';
import { MAX_LINE_BYTES } from '../../src/parser/line-limit.js';
import { createMemorySink } from '../../src/sinks/memory.js';
import { kinesisEvent, lambdaContext } from '../helpers/events.js';

const OLD = [
  'timestamp',
  'c-ip',
  'sc-status',
  'sc-bytes',
  'cs-uri-stem',
  'x-edge-location',
  'x-edge-request-id',
  'time-taken',
  'cs-cookie',
  'x-edge-result-type',
  'c-country',
] as const;
// The change: cs-cookie goes, cs-referer and sc-content-type come (12 fields instead of 11).
const NEW = [...OLD.filter((f) => f !== 'cs-cookie'), 'cs-referer', 'sc-content-type'] as const;
const START = Date.UTC(2025, 2, 1, 12, 0, 0);
const oldLines = generateLines({ fields: OLD, count: 600, seed: 3, startMs: START });
const newLines = generateLines({ fields: NEW, count: 600, seed: 4, startMs: START + 60_000 });

/** Old lines first, then both mixed (CloudFront applies the config edge by edge), then new ones. */
function rollout(): GeneratedLine[] {
  const out = [...oldLines.slice(0, 200)];
  let o = 200;
  let n = 0;
  for (let i = 0; o < oldLines.length || n < 400; i++) {
    if ((i % 3 === 0 && o < oldLines.length) || n >= 400) out.push(oldLines[o++]!);
    else out.push(newLines[n++]!);
  }
  out.push(...newLines.slice(400));
  return out;
}

function setup(env: Record<string, string>, withRecords: boolean) {
  const state = createMemorySink<WindowCell>({ name: 'state' });
  const records = createMemorySink<Record<string, unknown>>({ name: 'records' });
  const quarantine = createMemorySink<QuarantinedLine>({ name: 'quarantine' });
  const logs: string[] = [];
  const handler = createHandlerFromSettings(settingsFromEnv({ CFRT_SINKS: 'none', ...env }), {
    stateSinks: [state],
    recordSinks: withRecords ? [records] : [],
    quarantineSink: quarantine,
    log: (line) => logs.push(line),
  });
  const lastLog = () => JSON.parse(logs.at(-1)!) as InvocationLog;
  return { handler, state, records, quarantine, lastLog };
}

describe('a field-list change with CFRT_PREVIOUS_FIELDS', () => {
  const lines = rollout();
  const env = { CFRT_FIELDS: NEW.join(','), CFRT_PREVIOUS_FIELDS: OLD.join(',') };

  it('counts every line of both layouts, switching mid-batch, none quarantined (line aggregator path)', async () => {
    const { handler, state, quarantine, lastLog } = setup(env, false);
    expect(lines).toHaveLength(1_200);
    const response = await handler(kinesisEvent(lines.map((g) => g.line)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(lastLog()).toMatchObject({ lines: 1_200, parsed: 1_200, malformed: 0, level: 'INFO' });
    expect(quarantine.items).toEqual([]);
    expect(state.items.length).toBeGreaterThan(0);
  });

  it('gives each line the record of its own layout (records path)', async () => {
    const { handler, records, quarantine, lastLog } = setup(env, true);
    await handler(kinesisEvent(lines.map((g) => g.line)), lambdaContext());
    expect(lastLog()).toMatchObject({ parsed: 1_200, malformed: 0 });
    expect(quarantine.items).toEqual([]);
    expect(records.items).toHaveLength(1_200);
    records.items.forEach((record, i) => {
      const expected = lines[i]!.expected!;
      expect(record['x-edge-request-id']).toBe(expected['x-edge-request-id']);
      expect(record['sc-status']).toBe(expected['sc-status']);
      expect('sc-content-type' in record).toBe('sc-content-type' in expected);
      if ('sc-content-type' in expected) expect(record['sc-content-type']).toBe(expected['sc-content-type']);
    });
  });

  it('without the previous list, the old layout is quarantined (what the setting prevents)', async () => {
    const { handler, quarantine, lastLog } = setup({ CFRT_FIELDS: NEW.join(',') }, false);
    await handler(kinesisEvent(lines.map((g) => g.line)), lambdaContext());
    expect(lastLog()).toMatchObject({ parsed: 600, malformed: 600 });
    expect(quarantine.items).toHaveLength(600);
    expect(quarantine.items[0]!.reason).toMatch(
      /11 columns fit no layout \(expected 12 tab-separated columns\)/,
    );
  });

  it('takes the previous list equal to the current one as no change', () => {
    const settings = settingsFromEnv({
      CFRT_FIELDS: NEW.join(','),
      CFRT_PREVIOUS_FIELDS: [...NEW].reverse().join(' '),
    });
    expect(() => createHandlerFromSettings(settings, {})).not.toThrow();
  });

  it('refuses at cold start a previous list of the same length, naming the variable and the fields that differ', () => {
    const swapped = OLD.map((f) => (f === 'cs-cookie' ? 'cs-referer' : f)).join(',');
    let error: unknown;
    try {
      settingsFromEnv({ CFRT_FIELDS: swapped, CFRT_PREVIOUS_FIELDS: OLD.join(','), CFRT_SAMPLING_RATE: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(HandlerConfigError);
    const problems = (error as HandlerConfigError).problems;
    // Every problem at once: the sampling rate's and the field lists'.
    expect(problems.some((p) => p.startsWith('CFRT_SAMPLING_RATE'))).toBe(true);
    expect(problems).toContainEqual(
      expect.stringMatching(
        /^CFRT_PREVIOUS_FIELDS: cannot be read beside the current field list: Two field lists have 11 fields \(only in one: cs-referer; only in the other: cs-cookie\)/,
      ),
    );
  });

  it('names a bad previous list by its variable', () => {
    expect(() =>
      settingsFromEnv({ CFRT_FIELDS: NEW.join(','), CFRT_PREVIOUS_FIELDS: 'timestamp,cs(Cookie)' }),
    ).toThrow(/CFRT_PREVIOUS_FIELDS: "cs\(Cookie\)" is a CloudFront standard-log field/);
  });
});

describe('a line longer than MAX_LINE_BYTES in a record', () => {
  it('is counted as malformed with its length, never its content, and the lines around it as usual', async () => {
    const { handler, quarantine, lastLog } = setup({ CFRT_FIELDS: NEW.join(',') }, false);
    const huge = 'x'.repeat(MAX_LINE_BYTES + 1);
    const atLimit = `${newLines[2]!.line}\t${'y'.repeat(MAX_LINE_BYTES - newLines[2]!.line.length - 1)}`;
    const event = kinesisEvent([newLines[0]!.line, huge, newLines[1]!.line, atLimit], { linesPerRecord: 4 });
    await handler(event, lambdaContext());
    expect(lastLog()).toMatchObject({
      lines: 4,
      parsed: 2,
      malformed: 2,
      malformedByField: { '(too long)': 1, '(columns)': 1 },
    });
    expect(quarantine.items.map((q) => [q.reason, q.lineInRecord])).toEqual([
      [`line too long: ${MAX_LINE_BYTES + 1} bytes`, 1],
      [expect.stringMatching(/^13 columns fit no layout/), 3],
    ]);
    expect(quarantine.items[0]!.line).toBe('');
    expect(Buffer.byteLength(atLimit)).toBe(MAX_LINE_BYTES);
  });
});
