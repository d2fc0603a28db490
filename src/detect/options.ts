/**
 * The detector's thresholds, declared once: range, default and message. `detectFindings` checks
 * them; the detector Lambda composes them with environment names (`CFRT_DETECT_CLIENT_RPM`, ...),
 * `cfrt analyze --findings` with flags.
 */
import * as z from 'zod/mini';
import { ConfigError, type ConfigIssue } from '../model/errors.js';
import {
  checkOptions,
  numberFrom,
  type OptionShape,
  oneOf,
  unknownOptionIssues,
  wholeNumber,
} from '../model/options.js';

/**
 * Thresholds and context of `detectFindings`; every one has a default. Rates are per minute of the
 * window a summary covers (its `end - start`).
 */
export interface DetectOptions {
  /**
   * What the enricher did to client addresses (`truncate`, `hash` or `keep`), which says what CIDR a
   * client key stands for: `/24` or `/48` truncated, the address itself kept, none hashed. Default
   * `truncate` (the enricher's default).
   */
  readonly clientIp?: 'truncate' | 'hash' | 'keep';
  /** A client at or above this many requests per minute (lower bound) is a `client-flood`. Default 1,200. */
  readonly clientRequestsPerMinute?: number;
  /** An ASN at or above this many requests per minute is an `asn-flood`. Default 0: off. */
  readonly asnRequestsPerMinute?: number;
  /** A path at or above this many requests per minute is a `path-flood`. Default 0: off. */
  readonly pathRequestsPerMinute?: number;
  /** A client, ASN or path whose error share is at least this is a `*-errors` finding. Default 0.5. */
  readonly errorRate?: number;
  /**
   * Fewest requests (lower bound, in the window) behind any rate: error shares, error bursts and jumps
   * of smaller subjects are noise. Default 100.
   */
  readonly minRequests?: number;
  /** A figure at least this many times its baseline median is a jump. Default 4. */
  readonly jumpFactor?: number;
  /** Fewest distinct clients or query strings a `distributed-flood` needs, whatever the baseline. Default 1,000. */
  readonly minDistinct?: number;
  /** Lowest 5xx share an `error-burst` needs, whatever the baseline. Default 0.05. */
  readonly burstRate?: number;
  /** Baseline windows needed before jumps and new bots are judged (fewer: no such finding). Default 5. */
  readonly minBaselineWindows?: number;
  /** Fewest requests (lower bound) of a bot name before it is reported new. Default 10. */
  readonly minBotRequests?: number;
  /** Fewest requests (lower bound) of a spoofed crawler from one client before it is reported. Default 10. */
  readonly minSpoofedRequests?: number;
}

/** The options after defaults. */
export type ResolvedDetectOptions = Required<DetectOptions>;

/** Detector options that cannot work: every problem, as structured `issues`. */
export class DetectOptionsError extends ConfigError {
  override name = 'DetectOptionsError';

  constructor(issues: readonly ConfigIssue[]) {
    super('Invalid detector options', issues);
  }
}

const PER_MINUTE = 'must be a number of requests per minute from 0 (off) to 1e9';

/** The detector's options, declared once. */
export const DETECT_OPTIONS = {
  clientIp: z._default(oneOf(['truncate', 'hash', 'keep']), 'truncate'),
  clientRequestsPerMinute: z._default(numberFrom(0, 1e9, PER_MINUTE), 1_200),
  asnRequestsPerMinute: z._default(numberFrom(0, 1e9, PER_MINUTE), 0),
  pathRequestsPerMinute: z._default(numberFrom(0, 1e9, PER_MINUTE), 0),
  errorRate: z._default(numberFrom(0.01, 1, 'must be a share from 0.01 to 1'), 0.5),
  minRequests: z._default(wholeNumber(1, 1e9), 100),
  jumpFactor: z._default(numberFrom(1.5, 1_000, 'must be a factor from 1.5 to 1000'), 4),
  minDistinct: z._default(wholeNumber(1, 1e9), 1_000),
  burstRate: z._default(numberFrom(0.001, 1, 'must be a share from 0.001 to 1'), 0.05),
  minBaselineWindows: z._default(wholeNumber(1, 1_440), 5),
  minBotRequests: z._default(wholeNumber(1, 1e9), 10),
  minSpoofedRequests: z._default(wholeNumber(1, 1e9), 10),
} as const satisfies OptionShape;

const declared = z.object(DETECT_OPTIONS);
const NAMES = Object.keys(DETECT_OPTIONS);

/**
 * The options with defaults applied; every problem at once as a `DetectOptionsError`.
 *
 * @example
 * resolveDetectOptions({}).clientRequestsPerMinute; // 1200
 */
export function resolveDetectOptions(options: DetectOptions = {}): ResolvedDetectOptions {
  if (typeof options !== 'object' || options === null) {
    throw new DetectOptionsError([{ path: [], message: 'detector options must be an object' }]);
  }
  const issues: ConfigIssue[] = [...unknownOptionIssues(options, NAMES)];
  const checked = checkOptions(declared, options);
  issues.push(...checked.issues);
  if (!checked.ok || issues.length > 0) throw new DetectOptionsError(issues);
  return checked.value;
}
