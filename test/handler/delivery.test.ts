import { describe, expect, it } from 'vitest';
import type { WindowCell } from '../../src/aggregate/index.js';
import { type DeliveryBatch, type DeliverySinks, deliver } from '../../src/handler/delivery.js';
import type { QuarantinedLine } from '../../src/handler/quarantine.js';
import { createMemorySink } from '../../src/sinks/memory.js';
import type { Sink, SinkResult } from '../../src/sinks/types.js';

const SIZE = 10;
// One cell per record (a stand-in: delivery never reads a cell), so a prefix is visible by count.
const CELLS = Array.from({ length: SIZE }, (_, i) => ({ start: i }) as unknown as WindowCell);
// Records 2 and 7 each held a malformed line; the others one good line.
const Q_INDEX = [2, 7];
const R_INDEX = [0, 1, 3, 4, 5, 6, 8, 9];

function batch(): DeliveryBatch {
  return {
    size: SIZE,
    cells: CELLS,
    records: R_INDEX.map((i) => ({ record: i })),
    recordIndex: R_INDEX,
    quarantined: Q_INDEX.map((i) => ({ sequenceNumber: String(i) }) as QuarantinedLine),
    quarantineIndex: Q_INDEX,
    cellsBefore: (to) => CELLS.slice(0, to),
  };
}

/** A sink that fails the items at the given positions: retryable, permanent, or by throwing. */
function failing<T>(
  name: string,
  at: readonly number[],
  how: 'retryable' | 'permanent' | 'throws' = 'retryable',
): Sink<T> {
  return {
    name,
    async write(items): Promise<SinkResult> {
      if (how === 'throws') throw new Error('boom');
      const failed = at
        .filter((i) => i < items.length)
        .map((index) => ({
          index,
          reason: 'nope',
          retryable: how === 'retryable',
          permanent: how === 'permanent',
        }));
      return { sink: name, written: items.length - failed.length, failed };
    },
  };
}

interface Case {
  readonly name: string;
  readonly state?: Sink<WindowCell> | 'none';
  readonly records?: Sink<Record<string, unknown>>;
  readonly quarantine?: Sink<QuarantinedLine>;
  readonly metrics?: Sink<WindowCell>;
  readonly retryFrom: number;
  /** Cells the metric sink received, or 'skipped'. */
  readonly metricCells: number | 'skipped';
  readonly recordsSkipped?: boolean;
  readonly dropped?: number;
}

const CASES: readonly Case[] = [
  {
    name: 'everything lands: no retry, metrics of every record',
    state: 'none',
    retryFrom: SIZE,
    metricCells: SIZE,
  },
  { name: 'with a state sink, everything lands', retryFrom: SIZE, metricCells: SIZE },
  {
    name: 'a record fails without state: retry from its Kinesis record, metrics of the prefix',
    state: 'none',
    records: failing('records', [5]), // item 5 came from record 6
    retryFrom: 6,
    metricCells: 6,
  },
  {
    name: 'the earliest failure across record and quarantine sinks wins',
    state: 'none',
    records: failing('records', [6]), // record 8
    quarantine: failing('quarantine', [1]), // record 7
    retryFrom: 7,
    metricCells: 7,
  },
  {
    name: 'a record fails at the first record: retry from 0, metrics skipped',
    state: 'none',
    records: failing('records', [0]),
    retryFrom: 0,
    metricCells: 'skipped',
  },
  {
    name: 'a record fails with a state sink: retry from 0 (every window item met again), metrics skipped',
    records: failing('records', [5]),
    retryFrom: 0,
    metricCells: 'skipped',
  },
  {
    name: 'state fails: retry from 0, records and metrics not written',
    state: failing('state', [3]),
    retryFrom: 0,
    metricCells: 'skipped',
    recordsSkipped: true,
  },
  {
    name: 'a state sink that throws fails the batch',
    state: failing('state', [], 'throws'),
    retryFrom: 0,
    metricCells: 'skipped',
    recordsSkipped: true,
  },
  {
    name: 'a record sink that throws retries from the first item’s record',
    state: 'none',
    records: failing('records', [], 'throws'),
    retryFrom: 0,
    metricCells: 'skipped',
  },
  {
    name: 'metrics fail: retry from 0',
    state: 'none',
    metrics: failing('metrics', [2]),
    retryFrom: 0,
    metricCells: SIZE,
  },
  {
    name: 'a permanent failure is dropped, never retried',
    records: failing('records', [3], 'permanent'),
    retryFrom: SIZE,
    metricCells: SIZE,
    dropped: 1,
  },
];

describe('deliver: state, then records and quarantine, then metrics; the index Lambda retries from', () => {
  it.each(CASES)('$name', async (c) => {
    const metrics = createMemorySink<WindowCell>({ name: 'metric-cells' });
    const sinks: DeliverySinks = {
      state: c.state === 'none' ? [] : [c.state ?? createMemorySink<WindowCell>({ name: 'state' })],
      records: [c.records ?? createMemorySink<Record<string, unknown>>({ name: 'records' })],
      quarantine: c.quarantine ?? createMemorySink<QuarantinedLine>({ name: 'quarantine' }),
      metrics: [metrics, ...(c.metrics !== undefined ? [c.metrics] : [])],
    };

    const { retryFrom, reports } = await deliver(sinks, batch(), {});

    expect(retryFrom).toBe(c.retryFrom);
    const metricReport = reports.find((r) => r.sink === 'metric-cells')!;
    if (c.metricCells === 'skipped') {
      expect(metricReport.skipped).toBeDefined();
      expect(metrics.items).toEqual([]);
    } else {
      expect(metricReport.skipped).toBeUndefined();
      expect(metrics.items).toHaveLength(c.metricCells);
    }
    const recordReports = reports.filter((r) => r.kind === 'records' || r.kind === 'quarantine');
    expect(recordReports).toHaveLength(2);
    for (const r of recordReports) expect(r.skipped !== undefined).toBe(c.recordsSkipped === true);
    expect(reports.reduce((a, r) => a + r.dropped, 0)).toBe(c.dropped ?? 0);
  });

  it('reports state, records, quarantine and metrics in that order, and no quarantine report without lines', async () => {
    const sinks: DeliverySinks = {
      state: [createMemorySink<WindowCell>({ name: 'state' })],
      records: [createMemorySink<Record<string, unknown>>({ name: 'records' })],
      quarantine: createMemorySink<QuarantinedLine>({ name: 'quarantine' }),
      metrics: [createMemorySink<WindowCell>({ name: 'metrics' })],
    };
    const all = await deliver(sinks, batch(), {});
    expect(all.reports.map((r) => r.kind)).toEqual(['state', 'records', 'quarantine', 'metrics']);

    const none = await deliver(sinks, { ...batch(), quarantined: [], quarantineIndex: [] }, {});
    expect(none.reports.map((r) => r.kind)).toEqual(['state', 'records', 'metrics']);
  });

  it('asks for the prefix cells only when a failure cut the batch', async () => {
    let asked: number[] = [];
    const b = {
      ...batch(),
      cellsBefore: (to: number) => {
        asked.push(to);
        return CELLS.slice(0, to);
      },
    };
    const sinks = (records: Sink<Record<string, unknown>>): DeliverySinks => ({
      state: [],
      records: [records],
      quarantine: null,
      metrics: [createMemorySink<WindowCell>()],
    });
    await deliver(sinks(createMemorySink()), b, {});
    expect(asked).toEqual([]);
    asked = [];
    await deliver(sinks(failing('records', [2])), b, {});
    expect(asked).toEqual([3]);
  });
});
