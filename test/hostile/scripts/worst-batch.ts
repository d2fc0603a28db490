/**
 * The worst batch for memory, run in a child process under the SAM function's memory size: 10,000
 * records, each in its own minute (a week of event time), each with its own host, country, edge
 * location and user agent, aggregated over 16 dimension sets. Prints one JSON line of what the
 * handler did and the process's peak memory. Unbounded, this made 160,000 cells and 1.8 GB.
 */
import { createHandler, type InvocationLog } from '../../../src/handler/create-handler.js';
import type { Sink, SinkResult } from '../../../src/sinks/types.js';
import { kinesisEvent, lambdaContext } from '../../helpers/events.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'cs-host',
  'x-edge-location',
  'c-country',
  'cs-uri-stem',
  'time-taken',
  'x-edge-result-type',
  'cs-user-agent',
  'x-host-header',
  'cache-behavior-path-pattern',
] as const;
const RECORDS = 10_000;
const LAST = Date.UTC(2025, 2, 8, 12, 0, 0);

const lines: string[] = [];
for (let i = 0; i < RECORDS; i++) {
  const ts = ((LAST - (RECORDS - 1 - i) * 60_000) / 1000).toFixed(3);
  lines.push(
    [
      ts,
      `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      String(200 + (i % 5) * 100),
      `host-${i}.example.com`,
      `E${i}-C1`,
      `C${i}`,
      `/path/${i}/${'x'.repeat(100)}`,
      '0.123',
      ['Hit', 'Miss', 'Error', 'RefreshHit'][i % 4],
      `Agent/${i}%20(${'y'.repeat(100)})`,
      `d${i}.cloudfront.net`,
      `/p${i}/*`,
    ].join('\t'),
  );
}

let cellsWritten = 0;
const counting: Sink<unknown> = {
  name: 'counting',
  async write(items): Promise<SinkResult> {
    cellsWritten += items.length;
    return { sink: 'counting', written: items.length, failed: [] };
  },
};
const logs: string[] = [];
const handler = createHandler({
  fields: [...FIELDS],
  sinks: [],
  stateSinks: [counting as Sink<never>],
  metricSinks: [counting as Sink<never>],
  quarantine: 'log',
  dimensions:
    'host;country;edgeLocation;airport;statusClass;cacheClass;device;behavior;distribution;host,country;host,statusClass;country,statusClass;edgeLocation,statusClass;host,cacheClass;country,device;host,edgeLocation',
  now: () => LAST,
  log: (line) => logs.push(line),
});
const response = await handler(kinesisEvent(lines), lambdaContext());
const log = JSON.parse(logs.at(-1)!) as InvocationLog;
process.stdout.write(
  `${JSON.stringify({
    failures: response.batchItemFailures.length,
    parsed: log.parsed,
    malformed: log.malformed,
    windows: log.windows,
    cellsWritten,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  })}\n`,
);
