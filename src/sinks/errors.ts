import { ConfigError, type ConfigIssue } from '../model/errors.js';

/** A sink was built with options it cannot work with (found once, at construction). */
export class SinkConfigError extends ConfigError {
  override name = 'SinkConfigError';

  /** `problem`: one whole sentence; or the sink's name and its structured issues. */
  constructor(problem: string | { readonly sink: string; readonly issues: readonly ConfigIssue[] }) {
    if (typeof problem === 'string') super('Invalid sink options', [{ path: [], message: problem }]);
    else super(`Invalid ${problem.sink} sink options`, problem.issues);
  }
}
