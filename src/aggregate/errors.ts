/**
 * Errors of the aggregate room. Configuration mistakes are found once, in `createAggregator`;
 * the others concern stored state (a cell that cannot be read, two cells that cannot be merged).
 */
import { RealtimeLogError } from '../parser/errors.js';

/** `createAggregator` options that cannot work; every problem is listed, one sentence each. */
export class AggregatorOptionsError extends RealtimeLogError {
  override name = 'AggregatorOptionsError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `Invalid aggregator options:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
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
