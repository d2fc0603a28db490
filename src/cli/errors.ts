import { RealtimeLogError } from '../parser/errors.js';

/** A command-line mistake: exit code 2 and the message, no stack trace. */
export class UsageError extends RealtimeLogError {
  override name = 'UsageError';
}
