/** The errors of `queryWindows`: what the stored windows cannot answer as asked, and limits. */
import { RealtimeLogError } from '../parser/errors.js';

/**
 * A query whose range or window the stored cells cannot answer: from not before to, a window
 * that is not a multiple of the stored one. Found before reading, or at the first item that shows it.
 */
export class QueryRangeError extends RealtimeLogError {
  override name = 'QueryRangeError';
}

/** A query that would read more stored items than its limit (`maxItems`) allows. */
export class QueryLimitError extends RealtimeLogError {
  override name = 'QueryLimitError';
  /** The limit that was reached (items). */
  readonly limit: number;

  constructor(message: string, limit: number) {
    super(message);
    this.limit = limit;
  }
}
