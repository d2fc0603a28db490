/**
 * The enricher of the CLI's pipeline, configured from the command's privacy options.
 * Distinct clients are counted by the aggregator on the raw `c-ip`; what is shown (top clients)
 * is `client`, the address after the privacy policy.
 */
import { createEnricher, type Enricher } from '../enrich/index.js';
import { UsageError } from './errors.js';

/** Privacy and enrichment options, named as the handler's `CFRT_*` variables. */
export interface PrivacyOptions {
  clientIp: 'truncate' | 'hash' | 'keep';
  hmacKey?: string | undefined;
  geo: 'none' | 'country' | 'city';
  userAgent: boolean;
}

/**
 * Builds the library's enricher for the command's options.
 *
 * @example
 * const enricher = createCliEnricher({ clientIp: 'truncate', geo: 'country', userAgent: true });
 */
export function createCliEnricher(privacy: PrivacyOptions): Enricher {
  if (privacy.clientIp === 'hash' && (privacy.hmacKey === undefined || privacy.hmacKey === '')) {
    throw new UsageError('--client-ip hash needs --hmac-key <key> (or CFRT_HMAC_KEY).');
  }
  return createEnricher({
    clientIp: privacy.clientIp,
    hmacKey: privacy.hmacKey,
    geo: privacy.geo,
    userAgent: privacy.userAgent,
  });
}
