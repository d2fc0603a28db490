/**
 * Enrich cases, on the same Kinesis data as `parse`: parse + enrich with everything but city-level
 * geography (the default options: country from c-country, user agents, edge table, classes,
 * truncation, redaction; target >= 50% of `parse`), parse + derive (the handler's path before
 * aggregation), keyed hashing instead of truncation, and city-level geography (geoip-lite) with
 * and without its address cache on the generator's Zipf client mix (5,000 clients).
 *
 * The geoip-lite database is loaded in `prepare` (outside timing); its load time and memory are
 * measured by scripts/enrich-geo-measure.ts.
 */
import { createEnricher, type EnricherOptions } from '../../src/enrich/index.js';
import { createParser } from '../../src/parser/parser.js';
import type { BenchCase, BenchData, BenchRun } from '../types.js';

const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');

function parseThen(data: BenchData, options: EnricherOptions, step: 'enrich' | 'derive'): BenchRun {
  const parser = createParser(data.fields);
  const enricher = createEnricher(options);
  enricher.warmUp();
  return () => {
    let n = 0;
    let sink = 0;
    for (const d of data.kinesisData) {
      const r = parser.parseLine(decode(d));
      if (!r.ok) continue;
      const out = step === 'enrich' ? enricher.enrich(r.record) : enricher.derive(r.record);
      // Read a derived key so no engine can skip the work.
      if ('statusClass' in out && out.statusClass !== null) sink++;
      n++;
    }
    if (sink === 0) throw new Error('nothing enriched');
    return n;
  };
}

const HMAC_KEY = 'bench-key-0123456789abcdef';

export const cases: BenchCase[] = [
  {
    name: 'parse-enrich',
    description: 'parse + enrich, default options (country geo, UA, edge, classes, truncate, redact)',
    prepare: (data) => parseThen(data, {}, 'enrich'),
  },
  {
    name: 'parse-derive',
    description: 'parse + derive (the handler path before aggregation: no protect of CloudFront fields)',
    prepare: (data) => parseThen(data, {}, 'derive'),
  },
  {
    name: 'parse-enrich-hash',
    description: 'parse + enrich, client address hashed (HMAC-SHA256, cached by address)',
    prepare: (data) => parseThen(data, { clientIp: 'hash', hmacKey: HMAC_KEY }, 'enrich'),
  },
  {
    name: 'parse-enrich-geo-city',
    description: 'parse + enrich with city-level geography (geoip-lite), 10,000-address cache',
    prepare: (data) => parseThen(data, { geo: 'city' }, 'enrich'),
  },
  {
    name: 'parse-enrich-geo-city-nocache',
    description: 'parse + enrich with city-level geography (geoip-lite), no cache: every record looked up',
    prepare: (data) => parseThen(data, { geo: 'city', geoCacheSize: 0 }, 'enrich'),
  },
];
