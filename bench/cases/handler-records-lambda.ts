/**
 * The handler with a record sink and 4 dimension sets (handler-records.ts) in a process run with
 * the SAM app's NODE_OPTIONS, floor included: what the Lambda runs when the archive or the
 * processed stream is on.
 *
 * Measured when `--max-semi-space-size=32` went in (one run, 7 samples, 40-field layout):
 * 25,600 records/s without the flag, 35,100 with it; later runs read 1.1-1.35x on both layouts.
 * The batch's records are kept for the sink, so most of what a line allocates survives a young
 * generation of the default size; a larger one lets more of it die before a scavenge copies it.
 */
import type { BenchCase } from '../types.js';
import { handlerCase } from './handler.js';
import { samNodeOptions } from './handler-lambda.js';

export const nodeArgs: string[] = samNodeOptions();

export const cases: BenchCase[] = [
  handlerCase(
    'handler-dimensions-records-lambda',
    `as handler-dimensions-records, with the SAM app's NODE_OPTIONS (${nodeArgs.join(' ')})`,
    { dimensions: [[], ['country'], ['statusClass'], ['edgeLocation']], records: true },
  ),
];
