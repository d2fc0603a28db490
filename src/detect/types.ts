/**
 * Findings: what the detector concludes from one window's aggregates (and the windows before it),
 * as plain JSON. The EventBridge sink publishes each finding as the `detail` of one event; the WAF
 * responder reads `client-flood` findings. docs/findings.md is the schema for consumers.
 */

/**
 * What a finding says.
 * - `client-flood`: one client (an IPv4 /24 or IPv6 /48 as the enricher truncated it, or the address
 *   kept whole) sent at least the configured requests per minute. Named on the Space-Saving lower
 *   bound (count - error), never on an overestimate.
 * - `client-errors`: one client's requests were mostly errors (4xx, 5xx, 000).
 * - `asn-flood`, `asn-errors`: the same for an autonomous system (`asn` field).
 * - `path-flood`, `path-errors`: the same for a URL path.
 * - `distributed-flood`: distinct clients or distinct query strings of the stream or of a cache
 *   behavior jumped against the baseline (thousands of addresses at one request each, cache busting).
 * - `error-burst`: the 5xx rate of the stream or of a cache behavior jumped against the baseline;
 *   names the failing paths.
 * - `new-bot`: a bot name not seen in any baseline window.
 * - `spoofed-crawler`: requests whose user agent claims a verifiable crawler (Googlebot, bingbot)
 *   from an address outside its operator's published ranges (checked on the full address).
 */
export type FindingKind =
  | 'client-flood'
  | 'client-errors'
  | 'asn-flood'
  | 'asn-errors'
  | 'path-flood'
  | 'path-errors'
  | 'distributed-flood'
  | 'error-burst'
  | 'new-bot'
  | 'spoofed-crawler';

/** Every finding kind, in documentation order. */
export const FINDING_KINDS: readonly FindingKind[] = [
  'client-flood',
  'client-errors',
  'asn-flood',
  'asn-errors',
  'path-flood',
  'path-errors',
  'distributed-flood',
  'error-burst',
  'new-bot',
  'spoofed-crawler',
];

/** How urgent: `critical` findings are the ones an automated response may act on. */
export type FindingSeverity = 'info' | 'warning' | 'critical';

/** What a finding is about. */
export interface FindingSubject {
  /** `stream`: the whole distribution's traffic; `behavior`: one cache behavior's path pattern. */
  readonly type: 'client' | 'asn' | 'path' | 'behavior' | 'bot' | 'stream';
  /** The client key, the ASN as text, the path, the path pattern, the bot name, or `*` for the stream. */
  readonly value: string;
  /**
   * For a client that is an address range: the CIDR a WAF IP set takes (`203.0.113.0/24`,
   * `2001:db8:1::/48`, `203.0.113.7/32` when addresses are kept whole). Absent when client addresses
   * are hashed (nothing to block).
   */
  readonly cidr?: string;
  /** For `spoofed-crawler`: the crawler the user agent claims (`Googlebot`, `bingbot`). */
  readonly claimed?: string;
}

/** The figure that crossed a threshold, with its bounds. */
export interface FindingMeasure {
  /**
   * What was measured: `requestsPerMinute`, `errorRate`, `distinctClients`, `distinctQueries`,
   * `5xxRate`, `requests`.
   */
  readonly name: string;
  /** The value compared with the threshold (a lower bound where the sketch gives bounds). */
  readonly value: number;
  /** The configured threshold it reached (for a jump: baseline x factor, or the absolute floor). */
  readonly threshold: number;
  /** The baseline's median for the same subject, for jumps; null when there was none. */
  readonly baseline?: number | null;
  /** The estimate's upper bound where it differs from `value` (Space-Saving's count). */
  readonly upperBound?: number;
  /**
   * For shares (`errorRate`, `5xxRate`): the 95% Wilson lower bound of the share, which is what
   * reached the threshold (`value` is the share observed).
   */
  readonly lowerBound?: number;
  /** Requests behind the figure (for rates). */
  readonly requests?: number;
}

/** One entry of a finding's evidence: a path, client or user agent with its requests. */
export interface FindingEvidence {
  readonly key: string;
  /** Requests (lower bound). */
  readonly requests: number;
  /** Errors among them, when known. */
  readonly errors?: number;
}

/** One finding: JSON-safe, at most `MAX_FINDING_BYTES` when serialized. */
export interface Finding {
  /** Schema version of this object. */
  readonly version: 1;
  /**
   * Stable id: the same window, kind, subject and measure give the same id on every run, so a consumer drops
   * duplicates (the detector publishes at least once). 32 hex characters.
   */
  readonly id: string;
  readonly kind: FindingKind;
  readonly severity: FindingSeverity;
  /** The window the finding is about (ISO 8601, UTC; `end` exclusive). */
  readonly window: { readonly start: string; readonly end: string };
  readonly subject: FindingSubject;
  readonly measure: FindingMeasure;
  /** Up to 10 entries: the failing paths of an error burst, the top clients of a flood, ... */
  readonly evidence?: readonly FindingEvidence[];
  /** One sentence for a human (an alarm e-mail). */
  readonly summary: string;
}

/** Largest serialized finding, in bytes (well under EventBridge's 256 KB per entry). */
export const MAX_FINDING_BYTES = 8_192;
