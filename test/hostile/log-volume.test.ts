/**
 * Hostile input never costs more log than it costs data: a batch of tiny malformed lines used to
 * log ~230 bytes per 2-byte line (a 5.3 MB event logged 472 MB). The log quarantine now logs at
 * most MAX_QUARANTINE_LOG_LINES lines per invocation, each at most MAX_QUARANTINE_LOG_LINE_BYTES,
 * then one summary that counts every line; a stream quarantine still receives every line.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHandler, type InvocationLog } from '../../src/handler/create-handler.js';
import type { KinesisStreamEvent } from '../../src/handler/kinesis-event.js';
import {
  MAX_QUARANTINE_LOG_LINE_BYTES,
  MAX_QUARANTINE_LOG_LINES,
  NO_FIELD_KEY,
  type QuarantinedLine,
} from '../../src/handler/quarantine.js';
import { createMemorySink } from '../../src/sinks/memory.js';
import { kinesisEvent, lambdaContext } from '../helpers/events.js';

const FIELDS = 'timestamp,c-ip,sc-status,sc-bytes,cs-uri-stem,x-edge-location,x-edge-result-type,time-taken';
/** What an invocation may log beyond twice its event: the logged lines, the summary, the invocation line. */
const LOG_ALLOWANCE = (MAX_QUARANTINE_LOG_LINES + 1) * MAX_QUARANTINE_LOG_LINE_BYTES + 16 * 1024;

interface Summary {
  quarantined: number;
  logged: number;
  notLogged: number;
  byField: Record<string, number>;
}

async function logOf(event: KinesisStreamEvent) {
  const lines: string[] = [];
  const handler = createHandler({ fields: FIELDS, sinks: [], quarantine: 'log', log: (l) => lines.push(l) });
  await handler(event, lambdaContext());
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const invocation = parsed.find(
    (l) => l.message === 'cfrt processed a Kinesis batch',
  ) as unknown as InvocationLog;
  const summary = parsed.find((l) => 'notLogged' in l) as unknown as Summary | undefined;
  return {
    lines,
    bytes: lines.reduce((a, l) => a + Buffer.byteLength(l) + 1, 0),
    eventBytes: Buffer.byteLength(JSON.stringify(event)),
    invocation,
    summary,
    perLine: parsed.filter((l) => l.message === 'cfrt quarantined a malformed line').length,
  };
}

function sum(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, n) => a + n, 0);
}

describe('quarantine logging is bounded per invocation', () => {
  it('logs at most twice the event plus a constant for one record packed with 2-byte malformed lines', async () => {
    // 100,000 lines of `x`: 267 kB of event, which logged 23 MB one line each.
    const event = kinesisEvent([Array.from({ length: 100_000 }, () => 'x').join('\n')]);
    const out = await logOf(event);
    expect(out.invocation.malformed).toBe(100_000);
    expect(out.bytes).toBeLessThanOrEqual(2 * out.eventBytes + LOG_ALLOWANCE);
    expect(out.perLine).toBe(MAX_QUARANTINE_LOG_LINES);
    expect(out.summary).toEqual({
      level: 'WARN',
      message: 'cfrt quarantined more malformed lines than are logged one by one',
      quarantined: 100_000,
      logged: MAX_QUARANTINE_LOG_LINES,
      notLogged: 100_000 - MAX_QUARANTINE_LOG_LINES,
      byField: { [NO_FIELD_KEY]: 100_000 },
    });
  });

  it('counts 10,000 one-line malformed records in the summary, equal to the malformed count', async () => {
    const out = await logOf(kinesisEvent(Array.from({ length: 10_000 }, (_, i) => `x${i}`)));
    expect(out.bytes).toBeLessThanOrEqual(2 * out.eventBytes + LOG_ALLOWANCE);
    expect(out.summary!.quarantined).toBe(out.invocation.malformed);
    expect(sum(out.summary!.byField)).toBe(out.invocation.malformed);
    expect(out.summary!.logged + out.summary!.notLogged).toBe(10_000);
  });

  it('caps each logged line, whatever the reason quotes and however long the record coordinates', async () => {
    // Control characters escape to 6 bytes each in JSON; the shard id comes from the event.
    const hostile = ['1740830400.000', '203.0.113.9', '\u0001'.repeat(5_000), '1', '/', 'IAD', 'Hit', '0.1'];
    const event = kinesisEvent(
      Array.from({ length: 50 }, () => hostile.join('\t')),
      { shardId: `shardId-${'9'.repeat(5_000)}` },
    );
    const out = await logOf(event);
    expect(out.invocation.malformedByField).toEqual({ 'sc-status': 50 });
    for (const line of out.lines.slice(0, -1)) {
      expect(Buffer.byteLength(line)).toBeLessThanOrEqual(MAX_QUARANTINE_LOG_LINE_BYTES);
    }
  });

  it('still gives a stream quarantine every line: only logging is bounded', async () => {
    const quarantine = createMemorySink<QuarantinedLine>({ name: 'quarantine' });
    const logs: string[] = [];
    const handler = createHandler({
      fields: FIELDS,
      sinks: [],
      quarantineSink: quarantine,
      log: (l) => logs.push(l),
    });
    await handler(kinesisEvent([Array.from({ length: 5_000 }, () => 'x').join('\n')]), lambdaContext());
    expect(quarantine.items).toHaveLength(5_000);
    expect(logs).toHaveLength(1);
  });

  it('property: for any lines, logged bytes <= 2 x event bytes + a constant, and every malformed line is counted', async () => {
    const line = fc.oneof(
      fc.string({ maxLength: 40, unit: 'binary' }),
      fc.constantFrom('x', '', '\t', '1740830400.000\tx', '\u001b[2J'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 2_000 }),
        fc.integer({ min: 1, max: 2_000 }),
        async (lines, perRecord) => {
          const out = await logOf(kinesisEvent(lines, { linesPerRecord: perRecord }));
          expect(out.bytes).toBeLessThanOrEqual(2 * out.eventBytes + LOG_ALLOWANCE);
          const malformed = out.invocation.malformed;
          expect(out.perLine + (out.summary?.notLogged ?? 0)).toBe(malformed);
          if (out.summary !== undefined) {
            expect(out.summary.quarantined).toBe(malformed);
            expect(sum(out.summary.byField)).toBe(malformed);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
