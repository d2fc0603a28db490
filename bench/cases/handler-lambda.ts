/**
 * The stream-wide handler again, in a process run with the SAM app's NODE_OPTIONS (read from
 * infra/template.yaml, `ProcessorFunction`): what the Lambda runs. The floor in this process runs
 * with the same flags, so its ratio compares like with like; handler.ts shows what the flags
 * change. The record-sink case is in a process of its own (handler-records-lambda.ts): the
 * records it keeps would tax this case's garbage collection (beside it, this case read 0.6x).
 *
 * Measured when `--max-semi-space-size=32` went in (alternating processes, medians of 15 batches,
 * recommended layout): 194,000 records/s without the flag, 207,000 with it (within the spread).
 */
import { readFileSync } from 'node:fs';
import type { BenchCase } from '../types.js';
import { handlerCase } from './handler.js';

/** The value of `NODE_OPTIONS` in the template's ProcessorFunction, as Node flags. */
export function samNodeOptions(): string[] {
  const template = readFileSync(new URL('../../infra/template.yaml', import.meta.url), 'utf8');
  const m = /^ {2}ProcessorFunction:\n(?: {4}.*\n| *\n)*? {10}NODE_OPTIONS: (.+)$/m.exec(template);
  if (m === null) throw new Error('infra/template.yaml: no NODE_OPTIONS in ProcessorFunction');
  return m[1]!.trim().split(/\s+/);
}

export const nodeArgs: string[] = samNodeOptions();

export const cases: BenchCase[] = [
  handlerCase('handler-lambda', `as handler, with the SAM app's NODE_OPTIONS (${nodeArgs.join(' ')})`, {
    dimensions: [[]],
    records: false,
  }),
];
