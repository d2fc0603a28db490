/**
 * Times on the command line and in the query API: ISO 8601 (`2025-03-01T12:00:00Z`, a date alone
 * is UTC midnight), epoch milliseconds (`1740830400000`), or relative to now (`now`, `-6h`,
 * `-30m`, `-45s`, `-2d`, `-1w`).
 */

/** Units of a relative time, in ms. */
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 } as const;
const RELATIVE = /^-(\d+(?:\.\d+)?)([smhdw])$/;
const EPOCH_MS = /^\d{1,15}$/;
/** An ISO 8601 date or date-time (Date.parse alone would take "March 1" too). */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Epoch ms of a time argument, or null when it is none of the accepted forms.
 *
 * @example
 * parseTime('-6h', Date.UTC(2025, 2, 1, 12)); // Date.UTC(2025, 2, 1, 6)
 * parseTime('2025-03-01T12:00:00Z', 0); // 1740830400000
 * parseTime('1740830400000', 0); // 1740830400000
 */
export function parseTime(text: string, now: number): number | null {
  const t = text.trim();
  if (t === 'now') return now;
  const relative = RELATIVE.exec(t);
  if (relative !== null)
    return now - Math.round(Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  if (EPOCH_MS.test(t)) return Number(t);
  if (!ISO_8601.test(t)) return null;
  // A date-time without an offset would be read in the machine's zone: logs are UTC, so is this.
  const zoned = /T|\s/.test(t) && !/(Z|[+-]\d{2}:?\d{2})$/i.test(t) ? `${t}Z` : t;
  const ms = Date.parse(zoned.replace(' ', 'T'));
  return Number.isNaN(ms) ? null : ms;
}

/** What a time argument may look like, for messages. */
export const TIME_FORMS = 'ISO 8601 (2025-03-01T12:00:00Z), epoch ms, or relative (now, -6h, -30m, -2d)';
