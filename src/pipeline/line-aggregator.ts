/**
 * Lines in, windows out: parse, derive and aggregate in one step, doing only the work the
 * aggregates need. What the Lambda handler and `cfrt analyze` run on every line.
 *
 * The result is exactly `aggregator.add(enricher.derive(parser.parseLine(line).record))` (a
 * property test holds it to that), for less: the parser builds records of only the fields an
 * aggregator reads (`parser.pick`; every column is still checked, so the same lines fail), and only
 * the enricher's lookups (user agent, edge, geography, protected client) are derived, in place on
 * that record, which nobody else holds (`enricher.lookups`); status, cache class and path the
 * aggregator derives from the fields (`deriveFieldKeys`), as for any record without those keys.
 * Nothing is copied.
 */
import type { AddOutcome, Aggregator } from '../aggregate/aggregator.js';
import { type AggregatableRecord, aggregatedFields } from '../aggregate/record.js';
import type { Enricher } from '../enrich/enricher.js';
import type { ParseFailure, Parser } from '../parser/parser.js';

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
  /** An enricher (`createEnricher`): its options (privacy, user agents, geography) apply. */
  readonly enricher: Pick<Enricher, 'lookups'>;
  readonly aggregator: Aggregator;
}

/**
 * Builds a line aggregator from a parser, an enricher and an aggregator. Cheap to build once the
 * parser has picked these fields before: build one per batch if batches have their own aggregators.
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
  const lookups = parts.enricher.lookups as Enricher['lookups'] | undefined;
  if (lookups === undefined) {
    throw new TypeError('createLineAggregator needs an enricher made by createEnricher().');
  }
  // `pick` is memoized by the parser: a line aggregator per batch (the handler makes one per
  // invocation) compiles nothing and keeps the picked parser's memos warm.
  // `cs-uri-query` only when the aggregator counts distinct queries (`aggregatedFields`).
  const parser = (parts.parser as Parser<Record<string, unknown>>).pick([
    ...new Set<string>([...aggregatedFields(aggregator.options), ...lookups.fields]),
  ]);
  const into = lookups.deriveInto;
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
