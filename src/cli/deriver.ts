/**
 * The derive step of the pipeline for the CLI, configured from the command's privacy options.
 * Distinct clients are counted by the aggregator on the raw `c-ip`; what is shown (top clients)
 * is `client`, the address after the privacy policy.
 */
import { type ClientIpPolicy, createAddressProtector } from '../enrich/client-address.js';
import { UsageError } from './errors.js';

/** Privacy and enrichment options, as the handler's `CFRT_*` variables name them. */
export interface PrivacyOptions {
  clientIp: ClientIpPolicy;
  hmacKey?: string | undefined;
  geo: 'none' | 'country' | 'city';
  userAgent: boolean;
}

/** Addresses remembered by the protector (clients repeat, Zipf-like). */
const ADDRESS_CACHE_SIZE = 10_000;

/** A record in, the derived record out. */
export type Deriver = (record: Record<string, unknown>) => Record<string, unknown>;

/**
 * Builds the derive function for a field list.
 *
 * @example
 * const derive = await createDeriver(['timestamp', 'c-ip'], { clientIp: 'truncate', geo: 'country', userAgent: true });
 */
export async function createDeriver(fields: readonly string[], privacy: PrivacyOptions): Promise<Deriver> {
  if (privacy.clientIp === 'hash' && (privacy.hmacKey === undefined || privacy.hmacKey === '')) {
    throw new UsageError('--client-ip hash needs --hmac-key <key> (or CFRT_HMAC_KEY).');
  }
  if (!fields.includes('c-ip')) return (record) => record;
  const protect = createAddressProtector({
    policy: privacy.clientIp,
    hmacKey: privacy.hmacKey,
    cacheSize: ADDRESS_CACHE_SIZE,
  });
  return (record) => {
    const ip = record['c-ip'];
    record.client = typeof ip === 'string' ? protect(ip) : null;
    return record;
  };
}
