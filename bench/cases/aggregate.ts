/**
 * Aggregate cases on enriched records: the pipeline composed by hand from the public pieces
 * (`parseLine` -> `derive` -> `add`), the aggregation alone, and the state round trip (serialize,
 * deserialize, merge) per window x dimension cell. The pipeline as the handler runs it is in
 * pipeline.ts: its records have another shape (see there).
 *
 * `prepare` also prints the serialized bytes of state per cell (stderr), the figure that must fit
 * a DynamoDB item (400 KB).
 */
import {
  type AggregatableRecord,
  type AggregatorOptions,
  createAggregator,
  deserializeCell,
  mergeCells,
  serializeCell,
} from '../../src/aggregate/index.js';
import { createEnricher } from '../../src/enrich/index.js';
import { createParser } from '../../src/parser/parser.js';
import type { BenchCase, BenchData } from '../types.js';

const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');

/** The dimension sets of the `-dimensions` cases (pipeline.ts uses the same). */
export const DIMENSIONED: AggregatorOptions = {
  dimensions: [[], ['country'], ['edgeLocation'], ['host', 'statusClass']],
};

/** The same result composed from the public pieces: every field parsed, every key derived, a copy. */
function composedPipeline(data: BenchData, options: AggregatorOptions): () => number {
  const parser = createParser(data.fields);
  const enricher = createEnricher();
  return () => {
    const agg = createAggregator(options);
    let n = 0;
    for (const d of data.kinesisData) {
      const r = parser.parseLine(decode(d));
      if (r.ok) {
        agg.add(enricher.derive(r.record));
        n++;
      } else agg.addMalformed(null);
    }
    if (agg.cells().length === 0) throw new Error('no cells');
    return n;
  };
}

function derivedRecords(data: BenchData): AggregatableRecord[] {
  const parser = createParser(data.fields);
  const enricher = createEnricher();
  const out: AggregatableRecord[] = [];
  for (const line of data.lines) {
    const r = parser.parseLine(line);
    if (r.ok) out.push(enricher.derive(r.record));
  }
  return out;
}

function reportStateSize(data: BenchData): void {
  const agg = createAggregator(DIMENSIONED);
  for (const r of derivedRecords(data)) agg.add(r);
  const bySet = new Map<string, number[]>();
  for (const c of agg.cells()) {
    const set = Object.keys(c.dimensions).join(',') || '(stream-wide)';
    const sizes = bySet.get(set) ?? [];
    sizes.push(Buffer.byteLength(serializeCell(c)));
    bySet.set(set, sizes);
  }
  const parts = [...bySet].map(([set, sizes]) => {
    sizes.sort((a, b) => a - b);
    const med = sizes[sizes.length >> 1]!;
    return `${set}: ${sizes.length} cells, median ${med} B, max ${sizes.at(-1)} B`;
  });
  process.stderr.write(`aggregate state per window x dimension cell (serialized): ${parts.join('; ')}\n`);
}

let reported = false;

export const cases: BenchCase[] = [
  {
    name: 'pipeline-composed',
    description:
      'the pipeline case composed by hand: Buffer.from -> parser.parseLine -> enricher.derive -> aggregator.add',
    prepare: (data) => composedPipeline(data, {}),
  },
  {
    name: 'aggregate-only',
    description: 'aggregator.add on derived records, default dimensions (the aggregation share of pipeline)',
    prepare: (data) => {
      const records = derivedRecords(data);
      return () => {
        const agg = createAggregator();
        for (const r of records) agg.add(r);
        return records.length;
      };
    },
  },
  {
    name: 'state-round-trip',
    description: 'serialize + deserialize + merge every window cell twice (records/s of the covered records)',
    prepare: (data) => {
      if (!reported) {
        reported = true;
        reportStateSize(data);
      }
      const agg = createAggregator();
      const records = derivedRecords(data);
      for (const r of records) agg.add(r);
      const cells = agg.cells();
      return () => {
        for (const c of cells) mergeCells(deserializeCell(serializeCell(c)), c);
        return records.length;
      };
    },
  },
];
