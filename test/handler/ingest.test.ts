import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type GeneratedLine, generateLines } from '../../fixtures/generator.js';
import { plausibleTimeRange, serializeCell, type WindowCell } from '../../src/aggregate/index.js';
import { resolveSettings } from '../../src/handler/config.js';
import { type IngestStages, ingest } from '../../src/handler/ingest.js';
import { checkKinesisEvent } from '../../src/handler/kinesis-event.js';
import { wire } from '../../src/handler/wiring.js';
import { kinesisEvent } from '../helpers/events.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'sc-bytes',
  'cs-uri-stem',
  'x-edge-location',
  'time-taken',
  'c-country',
] as const;
const START = Date.UTC(2025, 2, 1, 12, 0, 0);
const LINES: readonly GeneratedLine[] = generateLines({
  fields: FIELDS,
  count: 300,
  seed: 7,
  startMs: START,
  malformedRate: 0.05,
});
const RECORDS = checkKinesisEvent(kinesisEvent(LINES.map((g) => g.line)));
const MALFORMED = LINES.flatMap((g, i) => (g.expected === null ? [i] : []));

const serialized = (cells: readonly WindowCell[]) => cells.map((c) => serializeCell(c));

async function stages(): Promise<IngestStages> {
  const settings = resolveSettings({ fields: [...FIELDS], sinks: [], dimensions: [[], ['country']] }, 'code');
  const { ingest: s } = await wire(settings, {});
  return { ...s, aggregator: { ...s.aggregator, timeRange: plausibleTimeRange(START + 3_600_000) } };
}

describe('ingest: records in, a batch result out', () => {
  it('gives the same cells and counts whether or not it keeps enriched records', async () => {
    const s = await stages();
    const lean = ingest(s, RECORDS);
    const full = ingest(s, RECORDS, { records: true, quarantine: true, shardId: 'shard-1' });

    expect(full.cells).toEqual(lean.cells);
    expect(full.counts).toEqual(lean.counts);
    expect(lean.counts).toMatchObject({ lines: LINES.length, malformed: MALFORMED.length });
    expect(lean.counts.parsed).toBe(LINES.length - MALFORMED.length);
    expect(lean.records).toEqual([]);
    expect(full.records).toHaveLength(lean.counts.parsed);
    expect(full.recordIndex).toEqual(LINES.flatMap((g, i) => (g.expected === null ? [] : [i])));
  });

  it('quarantines each malformed line with its reason and the Kinesis record it came from', async () => {
    const result = ingest(await stages(), RECORDS, { quarantine: true, shardId: 'shard-1' });

    expect(result.quarantineIndex).toEqual(MALFORMED);
    for (const [k, q] of result.quarantined.entries()) {
      expect(q).toMatchObject({
        shardId: 'shard-1',
        sequenceNumber: RECORDS[MALFORMED[k]!]!.kinesis.sequenceNumber,
      });
      expect(q.reason).not.toBe('');
    }
  });

  it('ingesting the records before `to` equals ingesting that prefix alone', async () => {
    const s = await stages();
    const to = 137;
    expect(ingest(s, RECORDS, { to }).cells).toEqual(ingest(s, RECORDS.slice(0, to)).cells);
    expect(ingest(s, RECORDS, { to }).counts.lines).toBe(to);
  });

  it('gives the cells of any prefix from what it kept, without decoding again, equal to ingesting the prefix', async () => {
    const s = await stages();
    // Shuffled event time, a late line, malformed lines and records of several lines: any cut.
    const lines = generateLines({ fields: FIELDS, count: 240, seed: 31, startMs: START, malformedRate: 0.1 });
    const order = fc.sample(
      fc.shuffledSubarray(
        lines.map((_, i) => i),
        { minLength: lines.length },
      ),
      {
        numRuns: 1,
        seed: 5,
      },
    )[0]!;
    const packed: string[] = [];
    for (let i = 0; i < order.length; i += 1 + (i % 3)) {
      packed.push(
        order
          .slice(i, i + 1 + (i % 3))
          .map((k) => lines[k]!.line)
          .join('\n'),
      );
    }
    const records = checkKinesisEvent(kinesisEvent(packed));
    const kept = ingest(s, records, { records: true, prefixes: true });
    const decoded = ingest(s, records, { records: true });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: records.length }), (to) => {
        const expected = serialized(ingest(s, records.slice(0, to)).cells);
        expect(serialized(kept.cellsBefore(to))).toEqual(expected);
        expect(serialized(decoded.cellsBefore(to))).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  });

  it('keys each window by the sequence number of its first record in the batch', async () => {
    const s = await stages();
    const { firstSequenceByWindow, cells } = ingest(s, RECORDS);
    const windowMs = s.aggregator.windowSeconds! * 1_000;
    const expected = new Map<number, string>();
    LINES.forEach((g, i) => {
      const ts = g.expected?.timestamp;
      if (typeof ts !== 'number') return;
      const start = Math.floor(ts / windowMs) * windowMs;
      if (!expected.has(start)) expected.set(start, RECORDS[i]!.kinesis.sequenceNumber);
    });
    for (const [start, seq] of expected) expect(firstSequenceByWindow.get(start)).toBe(seq);
    for (const cell of cells) expect(firstSequenceByWindow.has(cell.start)).toBe(true);
  });

  it('is pure: the same records give the same result', async () => {
    const s = await stages();
    const { cellsBefore: a, ...first } = ingest(s, RECORDS, { records: true });
    const { cellsBefore: b, ...second } = ingest(s, RECORDS, { records: true });
    expect(first).toEqual(second);
    expect(a(RECORDS.length)).toEqual(b(RECORDS.length));
  });
});
