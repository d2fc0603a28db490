import { ConfigError, type ConfigIssue, RealtimeLogError } from '../model/errors.js';

/**
 * Options of `createEnricher` that cannot work: found once, at construction, never per record.
 * `issues` lists every mistake, saying what to change.
 */
export class EnricherOptionsError extends ConfigError {
  override name = 'EnricherOptionsError';

  constructor(issues: readonly ConfigIssue[]) {
    super('Invalid enricher options', issues);
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
