/**
 * What findings read, through the line pipeline as the handler runs it (parse, enricher lookups,
 * aggregate): a realistic stream with `asn`, query strings and crawler user agents gives the ASN
 * list, distinct queries per cache behavior and the spoofed-crawler list, as an oracle over the
 * generator's records says, and exactly what the composed path gives.
 */
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { verifyCrawler } from '../../src/enrich/index.js';
import { truncateIp } from '../../src/enrich/ip.js';
import {
  type AggregatorOptions,
  createAggregator,
  createEnricher,
  createLineAggregator,
  createParser,
  RECOMMENDED_FIELDS,
  serializeCell,
  summarize,
} from '../../src/index.js';

const FIELDS = [...RECOMMENDED_FIELDS, 'asn', 'cs-uri-query', 'cache-behavior-path-pattern'].filter(
  (f, i, all) => all.indexOf(f) === i,
);
const OPTIONS: AggregatorOptions = {
  dimensions: [[], ['behavior']],
  allowedLatenessSeconds: 86_400,
  // Every spoofing client of a window fits: the lists are exact, so the oracle can be.
  topK: 1_000,
  distinctQueries: true,
  clientKey: 'a-test-key-of-at-least-16-bytes',
};

const generated = generateLines({
  fields: FIELDS,
  count: 4_000,
  seed: 20,
  requestsPerSecond: 100,
  // Every crawler claim from a random client: spoofed ones to count.
  spoofedCrawlers: true,
});
const lines = generated.map((g) => g.line);
const records = generated.flatMap((g) => (g.expected === null ? [] : [g.expected]));

function viaPipeline() {
  const lineAggregator = createLineAggregator({
    parser: createParser(FIELDS),
    enricher: createEnricher(),
    aggregator: createAggregator(OPTIONS),
  });
  for (const line of lines) lineAggregator.add(line);
  return lineAggregator.aggregator.cells();
}

describe('findings aggregates through the line pipeline', () => {
  const cells = viaPipeline();
  const streamWide = cells.filter((c) => Object.keys(c.dimensions).length === 0);
  const windowOf = (r: Record<string, unknown>) => Math.floor((r.timestamp as number) / 60_000) * 60_000;

  it('equal the composed path (parse, derive, add), sketch for sketch', () => {
    const parser = createParser(FIELDS);
    const enricher = createEnricher();
    const agg = createAggregator(OPTIONS);
    for (const line of lines) {
      const r = parser.parseLine(line);
      if (r.ok) agg.add(enricher.derive(r.record));
    }
    expect(cells.map((c) => serializeCell(c))).toEqual(agg.cells().map((c) => serializeCell(c)));
  });

  it('list ASNs with their exact requests and errors', () => {
    for (const cell of streamWide) {
      const mine = records.filter((r) => windowOf(r) === cell.start && typeof r.asn === 'number');
      const oracle = new Map<string, { requests: number; errors: number }>();
      for (const r of mine) {
        const e = oracle.get(String(r.asn)) ?? { requests: 0, errors: 0 };
        e.requests++;
        const status = r['sc-status'] as number | null;
        if (status === 0 || (status !== null && status >= 400)) e.errors++;
        oracle.set(String(r.asn), e);
      }
      const asns = summarize(cell, { top: 1_000 }).top.asns ?? [];
      expect(asns.length).toBe(oracle.size);
      expect(asns.length).toBeGreaterThan(1);
      for (const e of asns) {
        expect(e.error).toBe(0);
        expect({ requests: e.count, errors: e.figures?.errors }).toEqual(oracle.get(e.key));
      }
    }
  });

  it('count distinct query strings per cache behavior', () => {
    const behaviorCells = cells.filter((c) => c.dimensions.behavior !== undefined);
    expect(behaviorCells.length).toBeGreaterThan(1);
    for (const cell of behaviorCells) {
      const mine = records.filter(
        (r) =>
          windowOf(r) === cell.start &&
          ((r['cache-behavior-path-pattern'] as string | null) ?? 'unknown') === cell.dimensions.behavior,
      );
      const queries = new Set(
        mine.map((r) => r['cs-uri-query']).filter((q) => typeof q === 'string' && q !== ''),
      );
      expect(summarize(cell).uniqueQueries).toBe(queries.size);
    }
  });

  it('list crawlers claimed from outside their published ranges, by claimed name and truncated client', () => {
    let spoofed = 0;
    for (const cell of streamWide) {
      const oracle = new Map<string, number>();
      for (const r of records) {
        if (windowOf(r) !== cell.start) continue;
        const ua = r['cs-user-agent'] as string | null;
        const name = ua?.includes('Googlebot') ? 'Googlebot' : ua?.includes('bingbot') ? 'bingbot' : null;
        const ip = r['c-ip'] as string;
        if (name === null || verifyCrawler(name, ip) !== 'spoofed') continue;
        const key = `${name} ${truncateIp(ip)}`;
        oracle.set(key, (oracle.get(key) ?? 0) + 1);
        spoofed++;
      }
      const list = summarize(cell, { top: 1_000 }).top.spoofedCrawlers ?? [];
      expect(new Map(list.map((e) => [e.key, e.count]))).toEqual(oracle);
    }
    expect(spoofed).toBeGreaterThan(10);
  });
});
