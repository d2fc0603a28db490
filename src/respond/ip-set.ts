/**
 * One WAFv2 IP set, read and replaced: GetIPSet for its addresses and LockToken, UpdateIPSet with
 * that token (WAF refuses a stale one with WAFOptimisticLockException, so an update never
 * silently overwrites another writer's). The client is injected and typed by the one method used;
 * the SDK is loaded on first use.
 */
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { WAF_CLOUDFRONT_REGION, WAF_ID_PATTERN, WAF_NAME_PATTERN } from '../sinks/aws-limits.js';
import { lazyModule } from '../sinks/lazy-module.js';
import { isRetryableError } from '../sinks/retry.js';
import type { IpVersion } from './cidr.js';

const sdk = lazyModule(() => import('@aws-sdk/client-wafv2'));

/** An IP set as its ARN names it. */
export interface IpSetRef {
  readonly arn: string;
  readonly name: string;
  readonly id: string;
  /** `CLOUDFRONT` for a global IP set (managed through us-east-1), `REGIONAL` otherwise. */
  readonly scope: 'CLOUDFRONT' | 'REGIONAL';
  readonly region: string;
}

const ARN = /^arn:(aws[a-z-]*):wafv2:([a-z0-9-]+):(\d{12}):(global|regional)\/ipset\/([^/]+)\/([^/]+)$/;

/**
 * Reads an IP set's name, id, scope and region from its ARN, or says what is wrong with it.
 *
 * @example
 * parseIpSetArn('arn:aws:wafv2:us-east-1:123456789012:global/ipset/cfrt-block-v4/a1b2c3d4-5678-90ab-cdef-0123456789ab');
 * // { ok: true, ref: { name: 'cfrt-block-v4', id: 'a1b2...', scope: 'CLOUDFRONT', region: 'us-east-1', arn: ... } }
 */
export function parseIpSetArn(arn: string): { ok: true; ref: IpSetRef } | { ok: false; reason: string } {
  const m = ARN.exec(arn);
  if (m === null) {
    return {
      ok: false,
      reason:
        'must be a WAFv2 IP set ARN: arn:aws:wafv2:<region>:<account>:global/ipset/<name>/<id> (or regional/ipset/...)',
    };
  }
  const [, , region, , kind, name, id] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (!WAF_NAME_PATTERN.test(name)) return { ok: false, reason: 'names an IP set with an invalid name' };
  if (!WAF_ID_PATTERN.test(id)) return { ok: false, reason: 'names an IP set with an invalid id' };
  const scope = kind === 'global' ? 'CLOUDFRONT' : 'REGIONAL';
  if (scope === 'CLOUDFRONT' && region !== WAF_CLOUDFRONT_REGION) {
    return {
      ok: false,
      reason: `names a global (CLOUDFRONT) IP set outside ${WAF_CLOUDFRONT_REGION}, where every CLOUDFRONT-scope IP set lives`,
    };
  }
  return { ok: true, ref: { arn, name, id, scope, region } };
}

/** What GetIPSet returned that an update needs. */
export interface IpSetSnapshot {
  readonly addresses: readonly string[];
  readonly lockToken: string;
  /** Kept and sent back: UpdateIPSet replaces every mutable setting, the description included. */
  readonly description: string | undefined;
  readonly version: IpVersion | undefined;
}

/** The client an IP set is read and written with. */
export type Wafv2Client = Pick<WAFV2Client, 'send'>;

/**
 * Reads an IP set's addresses and LockToken.
 *
 * @example
 * const snap = await getIpSet(wafv2, ref);
 */
export async function getIpSet(client: Wafv2Client, ref: IpSetRef): Promise<IpSetSnapshot> {
  const { GetIPSetCommand } = await sdk();
  const out = await client.send(new GetIPSetCommand({ Name: ref.name, Id: ref.id, Scope: ref.scope }));
  if (out.LockToken === undefined || out.IPSet === undefined) {
    throw new Error(`GetIPSet returned no IP set or LockToken for ${ref.arn}`);
  }
  const v = out.IPSet.IPAddressVersion;
  return {
    addresses: out.IPSet.Addresses ?? [],
    lockToken: out.LockToken,
    description: out.IPSet.Description,
    version: v === 'IPV4' ? 4 : v === 'IPV6' ? 6 : undefined,
  };
}

/**
 * Replaces an IP set's addresses, with the LockToken of the read they were planned from.
 *
 * @example
 * await updateIpSet(wafv2, ref, snap, ['203.0.113.0/24']);
 */
export async function updateIpSet(
  client: Wafv2Client,
  ref: IpSetRef,
  read: IpSetSnapshot,
  addresses: readonly string[],
): Promise<void> {
  const { UpdateIPSetCommand } = await sdk();
  await client.send(
    new UpdateIPSetCommand({
      Name: ref.name,
      Id: ref.id,
      Scope: ref.scope,
      Addresses: [...addresses],
      LockToken: read.lockToken,
      ...(read.description === undefined ? {} : { Description: read.description }),
    }),
  );
}

/**
 * What to do about an error from GetIPSet or UpdateIPSet: `reread` when another writer changed the
 * set since it was read (WAFOptimisticLockException), `backoff` when WAF asks to slow down
 * (WAFLimitsExceededException is also WAF's answer to its 1 request per second quota on updates)
 * or the failure is transient, `fail` otherwise (access denied, no such IP set, invalid input).
 *
 * @example
 * wafErrorKind(Object.assign(new Error('stale'), { name: 'WAFOptimisticLockException' })); // 'reread'
 */
export function wafErrorKind(error: unknown): 'reread' | 'backoff' | 'fail' {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'WAFOptimisticLockException') return 'reread';
  if (name === 'WAFLimitsExceededException' || name === 'ThrottlingException') return 'backoff';
  if (name === 'WAFUnavailableEntityException' || name === 'WAFInternalErrorException') return 'backoff';
  return isRetryableError(error) ? 'backoff' : 'fail';
}
