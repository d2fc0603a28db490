/**
 * The Lambda handler on a full Kinesis batch (10,000 records, the event source maximum) with
 * in-memory sinks: base64 decode, parse, derive (user agent, edge, geo from c-country, privacy),
 * aggregate, summarize. Target (issue 5): >= 150,000 records/s.
 *
 * With a record sink the handler runs another path (every field parsed, records enriched and
 * protected); that case is in handler-records.ts, a process of its own, for the reason given in
 * pipeline.ts.
 */
import type { WindowCell } from '../../src/aggregate/index.js';
import { createHandler } from '../../src/handler/create-handler.js';
import type { KinesisStreamEvent } from '../../src/handler/kinesis-event.js';
import { createMemorySink } from '../../src/sinks/memory.js';
import type { BenchCase, BenchData } from '../types.js';

/** Lambda's largest Kinesis batch. */
const BATCH_SIZE = 10_000;

function eventOf(data: BenchData): KinesisStreamEvent {
  const Records = [];
  const first = 49_590_338_271_490_256_608_559_692_538_361_571_095_921_575_989_136_588_898n;
  for (let i = 0; i < BATCH_SIZE; i++) {
    const sequenceNumber = (first + BigInt(i)).toString();
    Records.push({
      kinesis: {
        data: data.kinesisData[i % data.kinesisData.length]!,
        sequenceNumber,
        partitionKey: String(i),
        approximateArrivalTimestamp: 1_740_830_460.5,
      },
      eventID: `shardId-000000000000:${sequenceNumber}`,
    });
  }
  return { Records };
}

/** A handler case over a 10,000-record event of the data. */
export function handlerCase(
  name: string,
  description: string,
  settings: { dimensions: ('country' | 'statusClass' | 'edgeLocation')[][]; records: boolean },
): BenchCase {
  return {
    name,
    description,
    prepare(data) {
      const event = eventOf(data);
      const metrics = createMemorySink<WindowCell>();
      const state = createMemorySink<WindowCell>();
      const records = createMemorySink<Record<string, unknown>>();
      const handler = createHandler({
        fields: [...data.fields],
        dimensions: settings.dimensions,
        sinks: [],
        quarantine: 'none',
        metricSinks: [metrics],
        stateSinks: [state],
        recordSinks: settings.records ? [records] : [],
        log: () => {},
      });
      const context = { getRemainingTimeInMillis: () => 60_000 };
      return async () => {
        metrics.clear();
        state.clear();
        records.clear();
        await handler(event, context);
        return BATCH_SIZE;
      };
    },
  };
}

export const cases: BenchCase[] = [
  handlerCase('handler', '10,000-record Kinesis event through the handler, stream-wide, in-memory sinks', {
    dimensions: [[]],
    records: false,
  }),
];
