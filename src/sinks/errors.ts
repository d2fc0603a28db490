import { ConfigError, type ConfigIssue, RealtimeLogError } from '../model/errors.js';

/** A sink was built with options it cannot work with (found once, at construction). */
export class SinkConfigError extends ConfigError {
  override name = 'SinkConfigError';

  /** `problem`: one whole sentence; or the sink's name and its structured issues. */
  constructor(problem: string | { readonly sink: string; readonly issues: readonly ConfigIssue[] }) {
    if (typeof problem === 'string') super('Invalid sink options', [{ path: [], message: problem }]);
    else super(`Invalid ${problem.sink} sink options`, problem.issues);
  }
}

/**
 * A sink gave up on entries that might still have landed later (throttling, 5xx, the deadline):
 * how many were delivered and how many were not, so a caller can publish the rest again.
 */
export class SinkDeliveryError extends RealtimeLogError {
  override name = 'SinkDeliveryError';
  /** The sink's name (`eventbridge`). */
  readonly sink: string;
  /** Entries the service accepted. */
  readonly delivered: number;
  /** Entries it did not accept, for any reason. */
  readonly undelivered: number;

  constructor(
    message: string,
    facts: { readonly sink: string; readonly delivered: number; readonly undelivered: number },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.sink = facts.sink;
    this.delivered = facts.delivered;
    this.undelivered = facts.undelivered;
  }
}
