/**
 * Writes the bundled sample: `fixtures/sample/realtime-logs.tsv.gz`, 60,000 generated records in
 * the recommended layout (a few malformed, as real streams have), and `fields.txt`.
 * Run: npx tsx scripts/make-sample.ts
 */
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { generateLines } from '../fixtures/generator.js';
import { RECOMMENDED_FIELDS } from '../src/parser/fields.js';

export const SAMPLE_OPTIONS = {
  fields: RECOMMENDED_FIELDS,
  count: 60_000,
  seed: 20250301,
  requestsPerSecond: 100,
  malformedRate: 0.001,
} as const;

const lines = generateLines(SAMPLE_OPTIONS);
const text = `${lines.map((l) => l.line).join('\n')}\n`;
writeFileSync('fixtures/sample/realtime-logs.tsv.gz', gzipSync(text, { level: 9 }));
writeFileSync('fixtures/sample/fields.txt', `${RECOMMENDED_FIELDS.join(',')}\n`);
console.log(`${lines.length} lines, ${text.length} bytes uncompressed`);
