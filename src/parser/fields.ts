/**
 * The CloudFront real-time log field catalogue: the single source of truth for every field's
 * canonical position, value kind and meaning. The parser, the record types, the docs and the SAM
 * template's default field list all read it.
 *
 * Source: the CloudFront Developer Guide "Real-time logs" page (fields 1-46), the "Media
 * quality-aware resiliency" page (65-67) and third-party code agreeing with it (47-64, 68-69).
 * Columns arrive in this order restricted to the configured fields, whatever order the config
 * was created with.
 */

/**
 * How a field's text becomes a value.
 * - `timestamp`: epoch seconds with a fraction (`1600299221.087`) -> integer epoch milliseconds.
 * - `int`: digits -> number (`000` -> 0).
 * - `seconds`: decimal seconds -> number as written (`0.140` -> 0.14).
 * - `text`: percent-decoded once (`%XX` -> bytes -> UTF-8); raw text kept when that fails.
 * - `ip-list`: decoded, split on `,`, trimmed, empties dropped (`x-forwarded-for`).
 * - `header-names`: raw text split on `%0A`, each piece decoded (`cs-header-names`).
 * - `headers`: as `header-names`, each piece split at its first `:` into `[name, value]`.
 * - `cmcd`: a number where the value is numeric, decoded text otherwise; never malformed.
 */
export type FieldKind =
  | 'timestamp'
  | 'int'
  | 'seconds'
  | 'text'
  | 'ip-list'
  | 'header-names'
  | 'headers'
  | 'cmcd';

/** One entry of the catalogue. */
export interface FieldSpec {
  /** The field name as CloudFront's API and console spell it. */
  readonly name: string;
  /** How its text is decoded. */
  readonly kind: FieldKind;
  /** What it means, in one line. */
  readonly description: string;
}

/** Every known real-time log field, in CloudFront's canonical (delivery) order. */
export const FIELD_CATALOGUE = [
  { name: 'timestamp', kind: 'timestamp', description: 'When the edge finished responding, epoch ms.' },
  { name: 'c-ip', kind: 'text', description: "Viewer IP (or a proxy's), IPv4 or IPv6." },
  { name: 's-ip', kind: 'text', description: 'IP of the CloudFront server that served the request.' },
  { name: 'time-to-first-byte', kind: 'seconds', description: 'Request received to first byte written, s.' },
  {
    name: 'sc-status',
    kind: 'int',
    description: 'HTTP status code; 0 when the viewer closed the connection.',
  },
  { name: 'sc-bytes', kind: 'int', description: 'Bytes sent to the viewer, headers included.' },
  { name: 'cs-method', kind: 'text', description: 'HTTP request method.' },
  { name: 'cs-protocol', kind: 'text', description: 'http, https, ws or wss.' },
  { name: 'cs-host', kind: 'text', description: "The viewer's Host header." },
  { name: 'cs-uri-stem', kind: 'text', description: 'Request path including the query string.' },
  { name: 'cs-bytes', kind: 'int', description: 'Bytes the viewer sent, headers included.' },
  { name: 'x-edge-location', kind: 'text', description: 'Edge location (POP), e.g. IAD89-C1.' },
  { name: 'x-edge-request-id', kind: 'text', description: 'Unique request id (x-amz-cf-id).' },
  { name: 'x-host-header', kind: 'text', description: "The distribution's domain name." },
  { name: 'time-taken', kind: 'seconds', description: 'Request received to last byte written, s.' },
  { name: 'cs-protocol-version', kind: 'text', description: 'HTTP/0.9 to HTTP/3.0.' },
  { name: 'c-ip-version', kind: 'text', description: 'IPv4 or IPv6.' },
  { name: 'cs-user-agent', kind: 'text', description: 'User-Agent header.' },
  { name: 'cs-referer', kind: 'text', description: 'Referer header.' },
  { name: 'cs-cookie', kind: 'text', description: 'Cookie header, cut at 800 bytes.' },
  { name: 'cs-uri-query', kind: 'text', description: 'Query string.' },
  {
    name: 'x-edge-response-result-type',
    kind: 'text',
    description: 'Result type before the last byte left.',
  },
  { name: 'x-forwarded-for', kind: 'ip-list', description: 'X-Forwarded-For addresses.' },
  { name: 'ssl-protocol', kind: 'text', description: 'TLS protocol, e.g. TLSv1.3.' },
  { name: 'ssl-cipher', kind: 'text', description: 'TLS cipher suite.' },
  { name: 'x-edge-result-type', kind: 'text', description: 'Hit, RefreshHit, Miss, Error, Redirect, ...' },
  { name: 'fle-encrypted-fields', kind: 'int', description: 'Field-level-encryption field count.' },
  { name: 'fle-status', kind: 'text', description: 'Field-level-encryption status.' },
  { name: 'sc-content-type', kind: 'text', description: 'Response Content-Type.' },
  { name: 'sc-content-len', kind: 'int', description: 'Response Content-Length.' },
  { name: 'sc-range-start', kind: 'int', description: 'Range start.' },
  { name: 'sc-range-end', kind: 'int', description: 'Range end.' },
  { name: 'c-port', kind: 'int', description: 'Viewer source port.' },
  { name: 'x-edge-detailed-result-type', kind: 'text', description: 'Result type with the specific error.' },
  { name: 'c-country', kind: 'text', description: 'Viewer country (ISO 3166-1 alpha-2).' },
  { name: 'cs-accept-encoding', kind: 'text', description: 'Accept-Encoding header.' },
  { name: 'cs-accept', kind: 'text', description: 'Accept header.' },
  { name: 'cache-behavior-path-pattern', kind: 'text', description: 'Matched cache behavior path pattern.' },
  { name: 'cs-headers', kind: 'headers', description: 'Request headers, cut at 800 bytes.' },
  { name: 'cs-header-names', kind: 'header-names', description: 'Request header names, cut at 800 bytes.' },
  { name: 'cs-headers-count', kind: 'int', description: 'Number of request headers.' },
  {
    name: 'primary-distribution-id',
    kind: 'text',
    description: 'Continuous deployment: primary distribution.',
  },
  { name: 'primary-distribution-dns-name', kind: 'text', description: "The primary distribution's domain." },
  { name: 'origin-fbl', kind: 'seconds', description: 'First-byte latency CloudFront to origin, s.' },
  { name: 'origin-lbl', kind: 'seconds', description: 'Last-byte latency CloudFront to origin, s.' },
  { name: 'asn', kind: 'int', description: "Viewer's autonomous system number." },
  { name: 'cmcd-encoded-bitrate', kind: 'cmcd', description: 'CMCD br.' },
  { name: 'cmcd-buffer-length', kind: 'cmcd', description: 'CMCD bl.' },
  { name: 'cmcd-buffer-starvation', kind: 'cmcd', description: 'CMCD bs.' },
  { name: 'cmcd-content-id', kind: 'cmcd', description: 'CMCD cid.' },
  { name: 'cmcd-object-duration', kind: 'cmcd', description: 'CMCD d.' },
  { name: 'cmcd-deadline', kind: 'cmcd', description: 'CMCD dl.' },
  { name: 'cmcd-measured-throughput', kind: 'cmcd', description: 'CMCD mtp.' },
  { name: 'cmcd-next-object-request', kind: 'cmcd', description: 'CMCD nor.' },
  { name: 'cmcd-next-range-request', kind: 'cmcd', description: 'CMCD nrr.' },
  { name: 'cmcd-object-type', kind: 'cmcd', description: 'CMCD ot.' },
  { name: 'cmcd-playback-rate', kind: 'cmcd', description: 'CMCD pr.' },
  { name: 'cmcd-requested-maximum-throughput', kind: 'cmcd', description: 'CMCD rtp.' },
  { name: 'cmcd-streaming-format', kind: 'cmcd', description: 'CMCD sf.' },
  { name: 'cmcd-session-id', kind: 'cmcd', description: 'CMCD sid.' },
  { name: 'cmcd-stream-type', kind: 'cmcd', description: 'CMCD st.' },
  { name: 'cmcd-startup', kind: 'cmcd', description: 'CMCD su.' },
  { name: 'cmcd-top-bitrate', kind: 'cmcd', description: 'CMCD tb.' },
  { name: 'cmcd-version', kind: 'cmcd', description: 'CMCD v.' },
  { name: 'r-host', kind: 'text', description: 'Selected origin host (media quality-aware resiliency).' },
  { name: 'sr-reason', kind: 'text', description: 'Reason for the origin selection.' },
  { name: 'x-edge-mqcs', kind: 'int', description: 'Media quality confidence score 0-100.' },
  { name: 'distribution-tenant-id', kind: 'text', description: 'Distribution tenant id.' },
  { name: 'connection-id', kind: 'text', description: 'TLS connection id (viewer mTLS).' },
] as const satisfies readonly FieldSpec[];

/** A field name the catalogue knows. */
export type FieldName = (typeof FIELD_CATALOGUE)[number]['name'];

/** The kind of a known field, by name. */
export type KindOf<N extends string> = string extends N
  ? keyof KindValues
  : N extends FieldName
    ? Extract<(typeof FIELD_CATALOGUE)[number], { name: N }>['kind']
    : 'raw';

/** The value type each kind decodes to. `-` or an empty column is `null` in every field. */
export interface KindValues {
  timestamp: number | null;
  int: number | null;
  seconds: number | null;
  text: string | null;
  'ip-list': string[] | null;
  'header-names': string[] | null;
  headers: [string, string][] | null;
  cmcd: number | string | null;
  /** A field name the catalogue does not know, admitted through an explicit delivery order. */
  raw: string | null;
}

/** The decoded value type of a field, by name. */
export type FieldValue<N extends string> = KindValues[KindOf<N>];

/** All field names in canonical order. */
export const FIELD_NAMES: readonly FieldName[] = FIELD_CATALOGUE.map((f) => f.name);

const positions = new Map<string, number>(FIELD_CATALOGUE.map((f, i) => [f.name, i]));
const specs = new Map<string, FieldSpec>(FIELD_CATALOGUE.map((f) => [f.name, f]));

/** True when `name` is a field of the catalogue. */
export function isFieldName(name: string): name is FieldName {
  return positions.has(name);
}

/** The catalogue entry for `name`, or `undefined` for an unknown name. */
export function fieldSpec(name: string): FieldSpec | undefined {
  return specs.get(name);
}

/** 0-based canonical position of a known field, or -1. */
export function canonicalPosition(name: string): number {
  return positions.get(name) ?? -1;
}

/**
 * The field list this library recommends for a real-time log config: everything the enrichers and
 * aggregates use, nothing personal beyond the client address (no cookies, no full header dump).
 * About 350 bytes a record. The SAM template's default reads this list.
 */
export const RECOMMENDED_FIELDS = [
  'timestamp',
  'c-ip',
  'time-to-first-byte',
  'sc-status',
  'sc-bytes',
  'cs-method',
  'cs-protocol',
  'cs-host',
  'cs-uri-stem',
  'cs-bytes',
  'x-edge-location',
  'x-edge-request-id',
  'x-host-header',
  'time-taken',
  'cs-protocol-version',
  'c-ip-version',
  'cs-user-agent',
  'cs-referer',
  'x-edge-response-result-type',
  'x-forwarded-for',
  'ssl-protocol',
  'x-edge-result-type',
  'sc-content-type',
  'x-edge-detailed-result-type',
  'c-country',
  'cache-behavior-path-pattern',
  'origin-fbl',
  'origin-lbl',
  'asn',
] as const satisfies readonly FieldName[];

/**
 * Names that belong to CloudFront *standard* logs (access logs in S3), not real-time logs. A field
 * list that carries them was copied from the wrong page.
 */
export const STANDARD_LOG_ONLY_FIELDS: ReadonlyMap<string, string> = new Map([
  ['date', 'timestamp'],
  ['time', 'timestamp'],
  ['timestamp(ms)', 'timestamp'],
  ['cs(host)', 'cs-host'],
  ['cs(referer)', 'cs-referer'],
  ['cs(user-agent)', 'cs-user-agent'],
  ['cs(cookie)', 'cs-cookie'],
]);
