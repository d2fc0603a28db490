/**
 * The handler with a record sink: every field parsed, each record enriched and protected for the
 * sink, 4 dimension sets. In its own process (see pipeline.ts for why).
 */
import type { BenchCase } from '../types.js';
import { handlerCase } from './handler.js';

export const cases: BenchCase[] = [
  handlerCase(
    'handler-dimensions-records',
    'the handler with [[], country, statusClass, edgeLocation] and enriched records to a record sink',
    { dimensions: [[], ['country'], ['statusClass'], ['edgeLocation']], records: true },
  ),
];
