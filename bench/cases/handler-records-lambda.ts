/**
 * The handler with a record sink and 4 dimension sets (handler-records.ts) in a process run with
 * the Node flags the SAM app sets when a record sink is on (`NODE_OPTIONS` of `ProcessorFunction`
 * in infra/template.yaml, under `HasProcessedStream`), floor included: what the Lambda runs when
 * the processed stream, the archive or search is on.
 *
 * Measured when `--max-semi-space-size=32` went in: 1.1-1.35x the records/s of the plain case on
 * both layouts (one process each, medians of 7-15 samples). The batch's records are kept for the
 * sink, so most of what a line allocates survives a young generation of the default size; a
 * larger one lets more of it die before a scavenge copies it. The stream-wide handler gained
 * nothing from it (alternating processes, medians of 15 batches: 194,000 and 207,000 records/s,
 * within the spread) and its import took about 27 ms longer (median of 15), so the template sets
 * it only with a record sink (cold-start.ts, `lambda-sam-processed-stream`).
 */
import { readFileSync } from 'node:fs';
import type { BenchCase } from '../types.js';
import { handlerCase } from './handler.js';

/** The Node flags in `NODE_OPTIONS` of the template's ProcessorFunction. */
export function samNodeOptions(): string[] {
  const template = readFileSync(new URL('../../infra/template.yaml', import.meta.url), 'utf8');
  const m = /^ {2}ProcessorFunction:\n(?: {4}.*\n| *\n)*? {10}NODE_OPTIONS: (.+)$/m.exec(template);
  if (m === null) throw new Error('infra/template.yaml: no NODE_OPTIONS in ProcessorFunction');
  const flags = m[1]!.match(/--[a-z-]+(?:=[^\s",\]]+)?/g);
  if (flags === null) throw new Error(`infra/template.yaml: no Node flag in NODE_OPTIONS: ${m[1]}`);
  return flags;
}

export const nodeArgs: string[] = samNodeOptions();

export const cases: BenchCase[] = [
  handlerCase(
    'handler-dimensions-records-lambda',
    `as handler-dimensions-records, with the SAM app's NODE_OPTIONS for a record sink (${nodeArgs.join(' ')})`,
    { dimensions: [[], ['country'], ['statusClass'], ['edgeLocation']], records: true },
  ),
];
