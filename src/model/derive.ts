/**
 * The derived record: the keys an enricher adds to a record and an aggregator reads, and the one
 * function that derives the field-computed ones (classes, path, airport) from CloudFront's fields.
 */
import {
  airportOf,
  type CacheClass,
  type CrawlerVerdict,
  cacheClass,
  type DeviceType,
  isErrorStatus,
  pathOf,
  type StatusClass,
  statusClass,
} from './classes.js';

/**
 * The derived keys an aggregator reads, as an enricher's `derive` adds them (each present only when
 * the fields it needs were keys of the record). A record without them is derived with
 * `deriveFieldKeys` (classes, path, airport); the lookups (`ua`, `geo` by city, `client`, `referer`)
 * only an enricher has.
 */
export interface DerivedKeys {
  readonly statusClass?: StatusClass | null;
  readonly isError?: boolean;
  readonly cacheClass?: CacheClass | null;
  readonly url?: { readonly path: string | null };
  readonly ua?: {
    readonly device: DeviceType;
    readonly isBot: boolean;
    /** Names the report lists (browsers, operating systems, bots); absent ones are not counted. */
    readonly browser?: string | null;
    readonly os?: string | null;
    readonly botName?: string | null;
    /**
     * For a user agent that claims a verifiable crawler: whether the full client address is in the
     * crawler's published ranges (`spoofed` records are what the spoofed-crawler list counts).
     */
    readonly crawler?: CrawlerVerdict | null;
  };
  readonly edge?: { readonly airport: string | null };
  readonly geo?: { readonly country: string | null };
  /** The client address after the privacy policy: what top clients count. */
  readonly client?: string | null;
  /** The referer after the redaction policy: what top referers count. */
  readonly referer?: string | null;
}

/** What `deriveFieldKeys` computes from a record's own fields: the same for every consumer. */
export interface FieldKeys {
  /** From `sc-status`. */
  statusClass: StatusClass | null;
  isError: boolean;
  /** From `x-edge-result-type`, or `x-edge-response-result-type` when that is missing. */
  cacheClass: CacheClass | null;
  /** `x-edge-detailed-result-type` is `OriginShieldHit`. */
  originShield: boolean;
  /** For an `error` cache class: the detailed result type, else the result type; otherwise `null`. */
  errorKind: string | null;
  /** `cs-uri-stem` without its query string (unprotected: a policy applies before output). */
  path: string | null;
  /** The airport of `x-edge-location` (`airportOf`). */
  airport: string | null;
}

/** A `FieldKeys` with nothing derived: a buffer for `deriveFieldKeys` to fill. */
export function blankFieldKeys(): FieldKeys {
  return {
    statusClass: null,
    isError: false,
    cacheClass: null,
    originShield: false,
    errorKind: null,
    path: null,
    airport: null,
  };
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Derives status and cache classes, path and airport from a record's CloudFront fields, into `out`
 * (reused per record on hot paths; a new object without it). Values of the wrong type count as
 * missing. The one place these keys are derived: the enricher and the aggregator both call it.
 *
 * @example
 * const keys = deriveFieldKeys({ 'sc-status': 503, 'x-edge-result-type': 'Error', 'x-edge-location': 'iad89-c1' });
 * keys.statusClass; // '5xx'
 * keys.errorKind;   // 'Error'
 * keys.airport;     // 'IAD'
 */
export function deriveFieldKeys(record: object, out: FieldKeys = blankFieldKeys()): FieldKeys {
  const r = record as Readonly<Record<string, unknown>>;
  const s = r['sc-status'];
  const status = typeof s === 'number' ? s : null;
  out.statusClass = statusClass(status);
  out.isError = isErrorStatus(status);
  const result = str(r['x-edge-result-type']) ?? str(r['x-edge-response-result-type']);
  const detailed = str(r['x-edge-detailed-result-type']);
  const cls = cacheClass(result);
  out.cacheClass = cls;
  out.originShield = detailed === 'OriginShieldHit';
  // Every error gets a kind (the generic `Error` included), so errors can be grouped by it.
  out.errorKind = cls === 'error' ? (detailed ?? result) : null;
  out.path = pathOf(str(r['cs-uri-stem']));
  out.airport = airportOf(str(r['x-edge-location']));
  return out;
}
