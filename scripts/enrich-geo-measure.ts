/**
 * Measures what city-level geography costs: geoip-lite's load time and memory, and the lookup
 * rate with and without the enricher's cache on the generator's Zipf client mix. Run it in a
 * fresh process (the load happens once per process):
 *
 *   npx tsx scripts/enrich-geo-measure.ts [records]
 *
 * The figures go in docs/enrich.md.
 */
import { cpus } from 'node:os';
import { generateLines } from '../fixtures/generator.js';
import { createEnricher } from '../src/enrich/index.js';
import { createParser } from '../src/parser/index.js';

const count = Number(process.argv[2] ?? 100_000);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

const fields = ['timestamp', 'c-ip', 'sc-status', 'c-country'] as const;
const parser = createParser(fields);
const records = generateLines({ fields, count, seed: 5 }).map((l) => parser.parseLineOrThrow(l.line));
const distinct = new Set(records.map((r) => r['c-ip'])).size;

globalThis.gc?.();
const before = process.memoryUsage();
const cached = createEnricher({ geo: 'city' });
const t0 = performance.now();
cached.warmUp();
const loadMs = performance.now() - t0;
globalThis.gc?.();
const after = process.memoryUsage();

function rate(run: () => void): number {
  run(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    run();
    samples.push(count / ((performance.now() - t) / 1000));
  }
  samples.sort((a, b) => a - b);
  return samples[2]!;
}

const uncached = createEnricher({ geo: 'city', geoCacheSize: 0 });
uncached.warmUp();
const country = createEnricher({ geo: 'country' });
const rCountry = rate(() => {
  for (const r of records) country.derive(r);
});
const rCached = rate(() => {
  for (const r of records) cached.derive(r);
});
const rUncached = rate(() => {
  for (const r of records) uncached.derive(r);
});

console.log(`node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}`);
console.log(`records ${count}, distinct client addresses ${distinct}`);
console.log(`geoip-lite load: ${loadMs.toFixed(0)} ms`);
console.log(
  `memory after load: rss +${mb(after.rss - before.rss)}, heap +${mb(after.heapUsed - before.heapUsed)}, external+arrayBuffers +${mb(after.external + after.arrayBuffers - before.external - before.arrayBuffers)} (rss ${mb(after.rss)})`,
);
console.log(`derive, country only:          ${rCountry.toFixed(0)} records/s`);
console.log(`derive, city, cache 10,000:    ${rCached.toFixed(0)} records/s`, cached.stats().geo);
console.log(`derive, city, no cache:        ${rUncached.toFixed(0)} records/s`);
