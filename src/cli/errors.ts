import { ConfigError, type ConfigIssue, RealtimeLogError } from '../model/errors.js';

/**
 * A command-line mistake: exit code 2 and the message, no stack trace. One sentence, or every
 * problem of the command line as issues named by flag (`--window: must be ...`).
 */
export class UsageError extends ConfigError {
  override name = 'UsageError';

  constructor(problem: string | readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(
      typeof problem === 'string' || problem.length === 1 ? '' : 'Invalid command line',
      typeof problem === 'string' ? [{ path: [], message: problem }] : problem,
      options,
    );
  }
}

/** Input that cannot be read as log lines (a corrupt or truncated gzip file): named, no stack trace. */
export class InputError extends RealtimeLogError {
  override name = 'InputError';
}
