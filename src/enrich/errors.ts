import { RealtimeLogError } from '../parser/errors.js';

/**
 * Options of `createEnricher` that cannot work: found once, at construction, never per record.
 * `problems` lists every mistake, one sentence each, saying what to change.
 */
export class EnricherOptionsError extends RealtimeLogError {
  override name = 'EnricherOptionsError';
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.length === 1 ? problems[0] : `Invalid enricher options:\n- ${problems.join('\n- ')}`);
    this.problems = problems;
  }
}

/**
 * City-level geography was asked for (`geo: 'city'`) but the optional peer dependency
 * `geoip-lite` cannot be loaded. Thrown by `createEnricher`, before any record is seen.
 */
export class GeoIpUnavailableError extends RealtimeLogError {
  override name = 'GeoIpUnavailableError';

  constructor(specifier: string, cause: unknown) {
    super(
      `geo: 'city' needs the optional peer dependency "${specifier}" (1.4.x), which cannot be loaded: ` +
        `install it (npm install geoip-lite@1.4), pass a loaded module as the "geoip" option, ` +
        `or use geo: 'country' (c-country, no database).`,
      { cause },
    );
  }
}
