import { readFileSync } from 'node:fs';
import {
  createAggregator,
  createEnricher,
  createParser,
  RECOMMENDED_FIELDS,
  summarize,
} from 'cloudfront-realtime-logs';

// The field list of your real-time log config, in any order: columns follow CloudFront's order.
const parser = createParser(RECOMMENDED_FIELDS);
const enricher = createEnricher(); // privacy on: client IPs truncated, secrets redacted
const aggregator = createAggregator({ windowSeconds: 60 }); // dimensions: [[], ['country'], ...]

const text = readFileSync(new URL('../fixtures/sample/quick-start.tsv', import.meta.url), 'utf8');
for (const result of parser.parseLines(text)) {
  if (!result.ok) {
    console.error(`malformed: ${result.reason}`); // a value, never an exception
    aggregator.addMalformed(null);
    continue;
  }
  const record = enricher.derive(result.record); // typed: record['sc-status'] is number | null
  aggregator.add(record);
}

for (const cell of aggregator.drain()) {
  const s = summarize(cell);
  console.log(
    `${new Date(s.start).toISOString()}: ${s.requests} requests, 5xx ${s.status['5xx']}, ` +
      `hit ratio ${s.cacheHitRatio?.toFixed(2)}, p99 ${s.timeTaken.p99?.toFixed(3)} s, ${s.uniqueClients} clients`,
  );
}
