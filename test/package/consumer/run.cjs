// The CJS consumer program: run.mjs through require().
const { readFileSync } = require('node:fs');
const {
  createAggregator,
  createEnricher,
  createParser,
  RECOMMENDED_FIELDS,
  summarize,
} = require('cloudfront-realtime-logs');
const { createHandler } = require('cloudfront-realtime-logs/handler');
const { createMemorySink } = require('cloudfront-realtime-logs/sinks');

async function main() {
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
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
