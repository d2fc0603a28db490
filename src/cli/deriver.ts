/**
 * The derive step of the pipeline for the CLI, configured from the command's privacy options.
 * Distinct clients are counted by the aggregator on the raw `c-ip`; what is shown (top clients)
 * is `client`, the address after the privacy policy.
 */
import { createEnricher } from '../enrich/index.js';
import { UsageError } from './errors.js';

/** Privacy and enrichment options, named as the handler's `CFRT_*` variables. */
export interface PrivacyOptions {
  clientIp: 'truncate' | 'hash' | 'keep';
  hmacKey?: string | undefined;
  geo: 'none' | 'country' | 'city';
  userAgent: boolean;
}

/** A record in, the derived record out. */
export type Deriver = (record: Record<string, unknown>) => Record<string, unknown>;

/**
 * Builds the derive function (the library's enricher) for the command's options.
 *
 * @example
 * const derive = createDeriver({ clientIp: 'truncate', geo: 'country', userAgent: true });
 */
export function createDeriver(privacy: PrivacyOptions): Deriver {
  if (privacy.clientIp === 'hash' && (privacy.hmacKey === undefined || privacy.hmacKey === '')) {
    throw new UsageError('--client-ip hash needs --hmac-key <key> (or CFRT_HMAC_KEY).');
  }
  const enricher = createEnricher({
    clientIp: privacy.clientIp,
    hmacKey: privacy.hmacKey,
    geo: privacy.geo,
    userAgent: privacy.userAgent,
  });
  return (record) => enricher.derive(record) as Record<string, unknown>;
}
