/**
 * Errors of the aggregate room. Configuration mistakes are found once, in `createAggregator`;
 * the others concern stored state (a cell that cannot be read, two cells that cannot be merged).
 */
import { ConfigError, type ConfigIssue, RealtimeLogError } from '../model/errors.js';

/** `createAggregator` options that cannot work: every problem, as structured `issues`. */
export class AggregatorOptionsError extends ConfigError {
  override name = 'AggregatorOptionsError';

  constructor(issues: readonly ConfigIssue[]) {
    super('Invalid aggregator options', issues);
  }
}

/** Serialized cell text that is not a cell this version can read (bad JSON, unknown `v`, bad field). */
export class CellFormatError extends RealtimeLogError {
  override name = 'CellFormatError';
}

/** Two cells that cannot be merged: different keys, or sketches built with different parameters. */
export class CellMergeError extends RealtimeLogError {
  override name = 'CellMergeError';
}
