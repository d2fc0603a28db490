// The ESM consumer program: parse, derive and aggregate a file of lines, then the same lines
// through the handler as one Kinesis event, with memory sinks. Prints one JSON line of counts.
import { readFileSync } from 'node:fs';
import {
  createAggregator,
  createEnricher,
  createParser,
  RECOMMENDED_FIELDS,
  summarize,
} from 'cloudfront-realtime-logs';
import { createHandler } from 'cloudfront-realtime-logs/handler';
import { createMemorySink } from 'cloudfront-realtime-logs/sinks';

const text = readFileSync(process.argv[2], 'utf8');
const parser = createParser(RECOMMENDED_FIELDS);
const enricher = createEnricher();
const aggregator = createAggregator({ windowSeconds: 60 });
let malformed = 0;
for (const result of parser.parseLines(text)) {
  if (result.ok) aggregator.add(enricher.derive(result.record));
  else malformed++;
}
const windows = aggregator.drain().map((cell) => summarize(cell));

const metrics = createMemorySink();
const state = createMemorySink();
const emf = [];
const logs = [];
const handler = createHandler({
  fields: RECOMMENDED_FIELDS,
  sinks: ['emf'],
  quarantine: 'none',
  metricSinks: [metrics],
  stateSinks: [state],
  emfOutput: (line) => emf.push(line),
  log: (line) => logs.push(JSON.parse(line)),
});
const lines = text.split('\n').filter((l) => l !== '');
const event = {
  Records: lines.map((line, i) => ({
    kinesis: { data: Buffer.from(`${line}\n`).toString('base64'), sequenceNumber: String(i + 1) },
  })),
};
const response = await handler(event);
const invocation = logs.find((l) => 'parsed' in l);
console.log(
  JSON.stringify({
    module: typeof require === 'undefined' ? 'esm' : 'cjs',
    malformed,
    requests: windows.reduce((n, w) => n + w.requests, 0),
    windows: windows.length,
    handler: {
      failures: response.batchItemFailures.length,
      parsed: invocation.parsed,
      malformed: invocation.malformed,
      stateWritten: state.items.length > 0,
      metricsWritten: metrics.items.length > 0,
      emfLines: emf.length > 0,
    },
  }),
);
