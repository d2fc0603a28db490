/**
 * The parser's errors. The base classes live in the model room (every room's errors share them):
 * `RealtimeLogError` for everything the library throws, `ConfigError` for configuration mistakes.
 */
import { ConfigError, type ConfigIssue, RealtimeLogError, sentenceIssues } from '../model/errors.js';

export { ConfigError, type ConfigIssue, RealtimeLogError };

/** A field list that cannot describe a real-time log config: unknown, duplicate, standard-log names. */
export class FieldListError extends ConfigError {
  override name = 'FieldListError';

  /** Each problem a whole sentence: the list as a whole is the option (an empty `path`). */
  constructor(problems: readonly string[]) {
    super('Invalid field list', sentenceIssues(problems));
  }
}

/** Thrown by `parseLineOrThrow` for a line that is not a record. */
export class MalformedLineError extends RealtimeLogError {
  override name = 'MalformedLineError';
  readonly field: string | null;
  readonly value: string | null;
  readonly line: string;

  constructor(failure: { reason: string; field: string | null; value: string | null; line: string }) {
    super(failure.reason);
    this.field = failure.field;
    this.value = failure.value;
    this.line = failure.line;
  }
}
