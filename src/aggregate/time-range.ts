/**
 * Which event times are plausible. A CloudFront log line is written when its request ends and
 * reaches Kinesis within seconds, so a time after the reader's clock is broken or hostile: one
 * such record would move the watermark years ahead, close every window early and stamp metrics
 * CloudWatch refuses (more than 2 h ahead). The aggregator reads no clock: an adapter computes the
 * range from its own (`plausibleTimeRange(Date.now())`) and passes it as `timeRange`.
 */

/** How far after the reader's clock an event time may be: clock skew between hosts, with margin. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

/** 2000-01-01T00:00:00Z: CloudFront started in 2008; an earlier time is debris, not a request. */
export const EARLIEST_PLAUSIBLE_MS = 946_684_800_000;

/** Inclusive bounds on event times (epoch ms). */
export interface TimeRange {
  readonly notBefore?: number;
  readonly notAfter?: number;
}

/**
 * The plausible range for a reader whose clock reads `nowMs`: from 2000 to `nowMs` plus
 * `MAX_CLOCK_SKEW_MS`. Past times stay plausible (Kinesis keeps records up to a year, and old logs
 * are analyzed after the fact); they move no watermark.
 *
 * @example
 * createAggregator({ timeRange: plausibleTimeRange(Date.now()) });
 */
export function plausibleTimeRange(nowMs: number): Required<TimeRange> {
  // A clock set before 2000 (a test's fake clock, a broken host) still makes a range, not an error.
  const notAfter = Number.isFinite(nowMs) ? nowMs + MAX_CLOCK_SKEW_MS : Number.POSITIVE_INFINITY;
  return { notBefore: EARLIEST_PLAUSIBLE_MS, notAfter: Math.max(notAfter, EARLIEST_PLAUSIBLE_MS) };
}

/**
 * Why `timestampMs` is outside `range`, in words for a quarantine reason (a time is not personal),
 * or null when it is inside.
 *
 * @example
 * implausibleTime(4_102_444_800_000, plausibleTimeRange(Date.UTC(2026, 0, 1)));
 * // 'timestamp 2100-01-01T00:00:00.000Z is implausible: after 2026-01-01T00:15:00.000Z'
 */
export function implausibleTime(timestampMs: number, range: TimeRange): string | null {
  if (range.notAfter !== undefined && timestampMs > range.notAfter) {
    return `timestamp ${iso(timestampMs)} is implausible: after ${iso(range.notAfter)}`;
  }
  if (range.notBefore !== undefined && timestampMs < range.notBefore) {
    return `timestamp ${iso(timestampMs)} is implausible: before ${iso(range.notBefore)}`;
  }
  return null;
}

function iso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}
