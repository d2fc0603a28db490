/**
 * The handler with a record sink: every field parsed, each record enriched and protected for the
 * sink, 4 dimension sets. In its own process (see pipeline.ts for why).
 *
 * What bounds it (issue 17 asked for 0.4x the floor; it reads 0.16-0.22x, and 0.20-0.30x under
 * the SAM app's NODE_OPTIONS, handler-records-lambda.ts): it parses every field (parse alone
 * reads 0.6-0.85x), updates 4 cells (pipeline-dimensions' work), and the batch's 10,000
 * records are kept for the sink, so nearly everything a line allocates (the record, its strings,
 * cs-headers' pairs) survives the young generation: `--trace-gc` showed ~10 scavenges of 18-40 ms
 * per 10,000 40-field records, 30-35% of the CPU profile, and the 4 cells' top-N lists most of
 * the rest. Deriving and protecting the parsed record in place (`enricher.inPlace`) instead of two
 * copies took ingest 1.09-1.20x faster (same process, medians of 40); a young generation of 32 MB
 * per semi-space (`--max-semi-space-size=32`, now the SAM app's NODE_OPTIONS) 1.1-1.35x.
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
