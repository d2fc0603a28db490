/**
 * The one error base class of the library. Every error it throws is a `RealtimeLogError`, so a
 * caller can tell the library's complaints from its own bugs; specific subclasses say which.
 *
 * Per-line parse failures are *values*, not exceptions (see `ParseFailure`); these classes are
 * for configuration mistakes, found once at construction, and for the thin throwing wrappers.
 */
export class RealtimeLogError extends Error {
  override name = 'RealtimeLogError';
}

/** A field list that cannot describe a real-time log config: unknown, duplicate, standard-log names. */
export class FieldListError extends RealtimeLogError {
  override name = 'FieldListError';
  /** Every problem found, one sentence each; `message` joins them. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `Invalid field list:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
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
