/**
 * `cfrt summary [--fields <list>] [FILE ...]`: records, malformed lines and requests per status
 * class. With no arguments it reads the bundled sample.
 */
import { STATUS_CLASSES, type StatusClass, statusClass } from '../enrich/classes.js';
import { createParser } from '../parser/parser.js';
import { readLines } from './input.js';

export interface SummaryOptions {
  fields: readonly string[];
  files: readonly string[];
}

export async function runSummary(options: SummaryOptions): Promise<number> {
  const parser = createParser(options.fields);
  let records = 0;
  let malformed = 0;
  const byClass = new Map<StatusClass | 'unknown', number>();
  for await (const line of readLines(options.files)) {
    if (line === '' || line === '\r') continue;
    const result = parser.parseLine(line);
    if (!result.ok) {
      malformed++;
      continue;
    }
    records++;
    const cls =
      statusClass((result.record as Record<string, unknown>)['sc-status'] as number | null) ?? 'unknown';
    byClass.set(cls, (byClass.get(cls) ?? 0) + 1);
  }
  const width = String(records).length;
  const lines = [
    `records    ${records}`,
    `malformed  ${malformed}`,
    'requests by status class:',
    ...[...STATUS_CLASSES, 'unknown' as const]
      .filter((c) => byClass.has(c))
      .map((c) => {
        const n = byClass.get(c) ?? 0;
        return `  ${c.padEnd(8)} ${String(n).padStart(width)}  ${((100 * n) / Math.max(records, 1)).toFixed(2)}%`;
      }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
