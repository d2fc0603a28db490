/**
 * What the aggregator reads from a record: any subset of these keys. A parsed record (`LogRecord`)
 * or a derived one (`enricher.derive(record)`) fits; keys that are absent are simply not counted.
 */
import type { DerivedKeys } from '../model/derive.js';

/**
 * The record fields (CloudFront's own and the derived keys) the aggregator reads. A derived key
 * that is absent is derived from these fields by `deriveFieldKeys` (classes, path, airport).
 */
export interface AggregatableRecord extends DerivedKeys {
  /** Event time, epoch ms: the only clock the aggregator knows. */
  readonly timestamp?: number | null;
  /** Raw client address: hashed under the aggregator's secret key for distinct clients (never output). */
  readonly 'c-ip'?: string | null;
  readonly 'time-to-first-byte'?: number | null;
  readonly 'sc-status'?: number | null;
  readonly 'sc-bytes'?: number | null;
  readonly 'cs-host'?: string | null;
  readonly 'cs-uri-stem'?: string | null;
  readonly 'cs-bytes'?: number | null;
  readonly 'x-edge-location'?: string | null;
  readonly 'x-host-header'?: string | null;
  readonly 'time-taken'?: number | null;
  readonly 'cs-user-agent'?: string | null;
  readonly 'cs-referer'?: string | null;
  readonly 'x-edge-response-result-type'?: string | null;
  readonly 'x-edge-result-type'?: string | null;
  readonly 'c-country'?: string | null;
  readonly 'cache-behavior-path-pattern'?: string | null;
  readonly 'origin-fbl'?: number | null;
  readonly 'origin-lbl'?: number | null;
  /** The viewer's autonomous system number: the stream-wide cell's ASN list counts it as decimal text. */
  readonly asn?: number | null;
  /**
   * The query string: hashed under the client key for distinct query strings, with the
   * `distinctQueries` option only (never output). `-` or empty counts nothing.
   */
  readonly 'cs-uri-query'?: string | null;
}

/**
 * The CloudFront fields of `AggregatableRecord`: what an aggregator reads of a parsed record (its
 * derived keys are derived from these when they are absent, except the enricher's lookups). Not
 * `cs-uri-query`, which only an aggregator with `distinctQueries` reads (`aggregatedFields`).
 */
export const AGGREGATED_FIELDS = [
  'timestamp',
  'c-ip',
  'time-to-first-byte',
  'sc-status',
  'sc-bytes',
  'cs-host',
  'cs-uri-stem',
  'cs-bytes',
  'x-edge-location',
  'x-host-header',
  'time-taken',
  'cs-user-agent',
  'cs-referer',
  'x-edge-response-result-type',
  'x-edge-result-type',
  'c-country',
  'cache-behavior-path-pattern',
  'origin-fbl',
  'origin-lbl',
  'asn',
] as const satisfies readonly (keyof AggregatableRecord)[];

/**
 * The CloudFront fields an aggregator built with these options reads: `AGGREGATED_FIELDS`, and
 * `cs-uri-query` with `distinctQueries` (a parser that keeps it for nobody slices every query).
 *
 * @example
 * parser.pick(aggregatedFields(aggregator.options));
 */
export function aggregatedFields(options: {
  readonly distinctQueries?: boolean;
}): readonly (keyof AggregatableRecord)[] {
  return options.distinctQueries === true ? [...AGGREGATED_FIELDS, 'cs-uri-query'] : AGGREGATED_FIELDS;
}
