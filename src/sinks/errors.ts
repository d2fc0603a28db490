import { RealtimeLogError } from '../parser/errors.js';

/** A sink was built with options it cannot work with (found once, at construction). */
export class SinkConfigError extends RealtimeLogError {
  override name = 'SinkConfigError';
}
