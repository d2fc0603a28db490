/**
 * Lines in, windows out: parse, derive and aggregate in one step, doing only the work the
 * aggregates need. What the Lambda handler and `cfrt analyze` run on every line.
 *
 * The result is exactly `aggregator.add(enricher.derive(parser.parseLine(line).record))` (a
 * property test holds it to that), for less: the parser builds records of only the fields an
 * aggregator reads (`parser.pick`; every column is still checked, so the same lines fail), and only
 * the enricher's lookups (user agent, edge, geography, protected client) are derived, in place on
 * that record, which nobody else holds; status, cache class and path the aggregator takes from the
 * fields, as it does for any record without those keys. Nothing is copied.
 */
import { type Enricher, lookupsOf } from '../enrich/enricher.js';
import type { ParseFailure, Parser } from '../parser/parser.js';
import type { AddOutcome, Aggregator } from './aggregator.js';
import { AGGREGATED_FIELDS, type AggregatableRecord } from './record.js';

/** A line that parsed and was counted. */
export interface LineAdded {
  readonly ok: true;
  /** What the aggregator did with the record. */
  readonly outcome: AddOutcome;
  /** The record's event time (epoch ms), or `null` without a usable timestamp. */
  readonly timestamp: number | null;
  /**
   * What was counted: the picked fields and the enricher's lookups (`ua`, `edge`, `client`, and `geo`
   * with city geography). Yours (the line aggregator keeps no reference): add it to another
   * aggregator, say.
   */
  readonly record: AggregatableRecord;
}

/** Parses, derives and aggregates lines. */
export interface LineAggregator {
  /** The aggregator the lines are counted in (cells, drain, stats). */
  readonly aggregator: Aggregator;
  /**
   * Parses one line (one trailing newline stripped, as `parseLine`), derives and counts it. A
   * malformed line is returned as the parser's failure and counted nowhere: the caller decides
   * (`aggregator.addMalformed`, quarantine).
   */
  add(line: string): LineAdded | ParseFailure;
}

/** What a line aggregator is built from. */
export interface LineAggregatorParts {
  /** Any parser (its layouts are used; its records are not). */
  readonly parser: Parser<object>;
  /** An enricher made by `createEnricher`: its options (privacy, user agents, geography) apply. */
  readonly enricher: Enricher;
  readonly aggregator: Aggregator;
}

type LooseParser = Parser<Record<string, unknown>>;

// Picked parsers by parser and lookup fields, so that a line aggregator per batch (the handler
// makes one per invocation) compiles nothing and keeps the parser's memos warm.
const PICKED = new WeakMap<LooseParser, Map<string, LooseParser>>();

function pickedParser(parser: LooseParser, lookupFields: readonly string[]): LooseParser {
  let byFields = PICKED.get(parser);
  if (byFields === undefined) {
    byFields = new Map();
    PICKED.set(parser, byFields);
  }
  const key = lookupFields.join(',');
  let picked = byFields.get(key);
  if (picked === undefined) {
    picked = parser.pick([...new Set<string>([...AGGREGATED_FIELDS, ...lookupFields])]);
    byFields.set(key, picked);
  }
  return picked;
}

/**
 * Builds a line aggregator from a parser, an enricher and an aggregator. Cheap to build once the
 * parser has been seen: build one per batch if batches have their own aggregators.
 *
 * @example
 * const lines = createLineAggregator({
 *   parser: createParser(fields),
 *   enricher: createEnricher(),
 *   aggregator: createAggregator({ dimensions: [[], ['country']] }),
 * });
 * for (const line of text.split('\n')) {
 *   const result = lines.add(line);
 *   if (!result.ok) lines.aggregator.addMalformed(null);
 * }
 * const summaries = lines.aggregator.cells().map((c) => summarize(c));
 */
export function createLineAggregator(parts: LineAggregatorParts): LineAggregator {
  const { aggregator } = parts;
  const lookups = lookupsOf(parts.enricher);
  if (lookups === undefined) {
    throw new TypeError('createLineAggregator needs an enricher made by createEnricher().');
  }
  const parser = pickedParser(parts.parser as Parser<Record<string, unknown>>, lookups.fields);
  const into = lookups.into;
  return {
    aggregator,
    add(line) {
      const result = parser.parseLine(line);
      if (!result.ok) return result;
      const r = result.record;
      into(r, r);
      const record = r as AggregatableRecord;
      const outcome = aggregator.add(record);
      const ts = r.timestamp;
      return {
        ok: true,
        outcome,
        timestamp: typeof ts === 'number' && Number.isFinite(ts) ? ts : null,
        record,
      };
    },
  };
}
