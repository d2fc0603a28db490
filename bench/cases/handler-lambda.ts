/**
 * The handler cases again, in a process run with the SAM app's NODE_OPTIONS (read from
 * infra/template.yaml, `ProcessorFunction`): what the Lambda runs. The floor in this process runs
 * with the same flags, so its ratios compare like with like; the plain cases (handler.ts,
 * handler-records.ts) show what the flags change.
 *
 * Measured when `--max-semi-space-size=32` went in (one run, 7 samples): handler-dimensions-records
 * 25,600 -> 35,100 records/s; handler 203,000 -> 210,000 (unchanged within the spread).
 */
import { readFileSync } from 'node:fs';
import type { BenchCase } from '../types.js';
import { handlerCase } from './handler.js';

/** The value of `NODE_OPTIONS` in the template's ProcessorFunction, as Node flags. */
function samNodeOptions(): string[] {
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
  handlerCase(
    'handler-dimensions-records-lambda',
    `as handler-dimensions-records, with the SAM app's NODE_OPTIONS (${nodeArgs.join(' ')})`,
    { dimensions: [[], ['country'], ['statusClass'], ['edgeLocation']], records: true },
  ),
];
