import { RealtimeLogError } from '../parser/errors.js';

/** A command-line mistake: exit code 2 and the message, no stack trace. */
export class UsageError extends RealtimeLogError {
  override name = 'UsageError';
}

/** Input that cannot be read as log lines (a corrupt or truncated gzip file): named, no stack trace. */
export class InputError extends RealtimeLogError {
  override name = 'InputError';
}
