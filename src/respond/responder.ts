/**
 * The WAF responder: keeps one WAFv2 IP set per address version in step with flood findings.
 * A finding event (`detail-type: CloudFront Traffic Finding`) asks for its CIDR to be blocked for
 * `blockSeconds`; every invocation, and a scheduled one in full, removes the blocks whose time
 * is up. Composition only: the event is checked here, the planning is plan.ts (pure), the state
 * state.ts (DynamoDB), the IP set ip-set.ts (WAFv2).
 *
 * Per IP set, one invocation: read the state; GetIPSet; plan; write the state if it changed
 * (conditional on its version); UpdateIPSet with the LockToken if the addresses changed; log one
 * line per change. A state conflict re-reads the state, a stale LockToken (another writer changed
 * the set) re-reads the set, throttling backs off: each a bounded number of times, then the
 * invocation fails (Lambda retries it; the steps are idempotent). The state is written before the
 * IP set, so a block in the IP set is always one the state knows of (see plan.ts).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FindingKind } from '../detect/types.js';
import { RealtimeLogError } from '../model/errors.js';
import { WAF_MAX_ADDRESSES_PER_IP_SET } from '../sinks/aws-limits.js';
import { backoffDelay, errorText, type RetryPolicy, sleep } from '../sinks/retry.js';
import { checkBlockCidr, type IpVersion, parseCidr } from './cidr.js';
import {
  getIpSet,
  type IpSetRef,
  type IpSetSnapshot,
  updateIpSet,
  type Wafv2Client,
  wafErrorKind,
} from './ip-set.js';
import {
  type ResolvedResponderSettings,
  type ResponderSettings,
  resolveResponderSettings,
} from './options.js';
import { type BlockRequest, type Change, type ManagedBlock, planIpSet } from './plan.js';
import { MAX_STATE_BYTES, readState, type StateLocation, writeState } from './state.js';

/** The `detail-type` of the detector's finding events. */
export const FINDING_DETAIL_TYPE = 'CloudFront Traffic Finding';
/** Attempts per IP set and invocation (state conflicts, stale LockTokens and throttling together). */
export const DEFAULT_RESPONDER_ATTEMPTS = 6;
/** First backoff cap; WAF allows about one update per second per account and region. */
export const DEFAULT_RESPONDER_BASE_DELAY_MS = 250;

/** What `createResponder` takes: the settings, the two clients, and the clock and log for tests. */
export interface ResponderOptions extends ResponderSettings {
  /** A WAFv2 client in the IP sets' region (us-east-1 for CLOUDFRONT scope). */
  readonly wafv2: Wafv2Client;
  readonly dynamodb: Pick<DynamoDBClient, 'send'>;
  /** Epoch ms, read once per invocation for expiries; `Date.now` by default. */
  readonly now?: () => number;
  /** Where log lines go (one JSON object each); stdout by default. */
  readonly log?: (line: string) => void;
  /** Backoff between attempts; `maxAttempts` defaults to `DEFAULT_RESPONDER_ATTEMPTS`. */
  readonly retry?: RetryPolicy;
}

/** What one IP set's part of an invocation did. */
export interface IpSetOutcome {
  readonly ipSet: string;
  /** False when nothing could have changed (no request, nothing expired), so WAF was not asked. */
  readonly checked: boolean;
  readonly blocked: number;
  readonly unblocked: number;
  readonly extended: number;
  readonly refused: number;
  /** Addresses read, and sent (null when no update was sent). */
  readonly read: number | null;
  readonly sent: number | null;
  readonly attempts: number;
  /** Why it failed, when it did. */
  readonly error?: string;
}

/** The invocation's summary, logged as one line and returned. */
export interface ResponderSummary {
  readonly event: 'finding' | 'schedule' | 'other';
  readonly dryRun: boolean;
  /** Why a finding was not acted on, when it was not. */
  readonly ignored?: string;
  readonly ipSets: readonly IpSetOutcome[];
}

/** Per-invocation limits. */
export interface HandleOptions {
  /** Epoch ms (on the retry policy's clock) after which no new attempt starts: the Lambda's deadline. */
  readonly deadline?: number;
}

/** A responder: one method, for one EventBridge event. */
export interface Responder {
  readonly settings: ResolvedResponderSettings;
  handle(event: unknown, options?: HandleOptions): Promise<ResponderSummary>;
}

/** Thrown when an IP set could not be brought in step; the summary line has already been logged. */
export class ResponderError extends RealtimeLogError {
  override name = 'ResponderError';
}

type Read =
  | { kind: 'finding'; request: BlockRequest & { version: IpVersion } }
  | { kind: 'finding'; ignored: string; findingId: string | null; cidr?: string }
  | { kind: 'schedule' }
  | { kind: 'other' };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads an event. Everything in it is untrusted: anything that is not exactly a finding this
 * responder acts on is a reason, never an exception, and no text from the event reaches the log
 * except a finding id of the contract's form and a CIDR that parsed (a network, not a person).
 */
function readEvent(event: unknown, s: ResolvedResponderSettings): Read {
  if (!isObject(event)) return { kind: 'other' };
  const type = event['detail-type'];
  if (type === 'Scheduled Event' && event.source === 'aws.events') return { kind: 'schedule' };
  if (type !== FINDING_DETAIL_TYPE) return { kind: 'other' };
  const d = event.detail;
  if (!isObject(d)) return { kind: 'finding', ignored: 'the detail is not an object', findingId: null };
  const findingId = typeof d.id === 'string' && /^[0-9a-f]{32}$/.test(d.id) ? d.id : null;
  const ignore = (ignored: string, cidr?: string): Read =>
    cidr === undefined
      ? { kind: 'finding', ignored, findingId }
      : { kind: 'finding', ignored, findingId, cidr };
  if (d.version !== 1) return ignore('not a version 1 finding');
  if (typeof d.kind !== 'string' || !s.findingKinds.includes(d.kind as FindingKind)) {
    return ignore('its kind is not one the responder acts on (CFRT_WAF_FINDING_KINDS)');
  }
  // The contract: critical findings are the ones an automated response may act on.
  if (d.severity !== 'critical') return ignore('not critical');
  if (!isObject(d.subject) || d.subject.cidr === undefined) return ignore('its subject has no CIDR');
  const checked = checkBlockCidr(d.subject.cidr, s);
  if (!checked.ok) {
    // Only a CIDR that parsed (a network) is named: text that did not may hold anything at all.
    const parsed = parseCidr(d.subject.cidr);
    return ignore(`its CIDR ${checked.reason}`, parsed.ok ? parsed.cidr.text : undefined);
  }
  return { kind: 'finding', request: { cidr: checked.cidr.text, findingId, version: checked.cidr.version } };
}

function sameBlocks(a: readonly ManagedBlock[], b: readonly ManagedBlock[]): boolean {
  return a.length === b.length && a.every((m, i) => m.cidr === b[i]!.cidr && m.expiresAt === b[i]!.expiresAt);
}

/**
 * Creates the responder. Options are checked here, once (`ResponderConfigError`).
 *
 * @example
 * const responder = createResponder({
 *   wafv2: new WAFV2Client({ region: 'us-east-1' }),
 *   dynamodb: new DynamoDBClient({}),
 *   tableName: 'cf-windows',
 *   ipv4SetArn: 'arn:aws:wafv2:us-east-1:123456789012:global/ipset/cfrt-block-v4/a1b2c3d4-5678-90ab-cdef-0123456789ab',
 *   dryRun: false,
 * });
 * await responder.handle(event);
 */
export function createResponder(options: ResponderOptions): Responder {
  const { wafv2, dynamodb, now: clock, log: logOption, retry, ...rest } = options;
  const settings = resolveResponderSettings(rest);
  const now = clock ?? Date.now;
  const log = logOption ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const policy: RetryPolicy = retry ?? {};
  const maxAttempts = Math.max(1, policy.maxAttempts ?? DEFAULT_RESPONDER_ATTEMPTS);
  const wait = policy.sleep ?? sleep;
  const retryClock = policy.now ?? Date.now;
  const limit = Math.min(settings.maxAddresses, WAF_MAX_ADDRESSES_PER_IP_SET);
  const blockMs = settings.blockSeconds * 1_000;
  const sets: { version: IpVersion; ref: IpSetRef }[] = [];
  if (settings.ipv4Set !== undefined) sets.push({ version: 4, ref: settings.ipv4Set });
  if (settings.ipv6Set !== undefined) sets.push({ version: 6, ref: settings.ipv6Set });

  const changeLine = (c: Change, ipSet: string | null) =>
    JSON.stringify({
      action: c.action,
      cidr: c.cidr,
      expiresAt: c.expiresAt === null ? null : new Date(c.expiresAt).toISOString(),
      findingId: c.findingId,
      ipSet,
      dryRun: settings.dryRun,
      ...(c.reason === undefined ? {} : { reason: c.reason }),
    });

  /** Waits before attempt `attempt + 1`; false when that would pass the deadline. */
  const backoff = async (attempt: number, deadline: number | undefined): Promise<boolean> => {
    if (attempt >= maxAttempts) return false;
    const ms = backoffDelay(attempt, { baseDelayMs: DEFAULT_RESPONDER_BASE_DELAY_MS, ...policy });
    if (deadline !== undefined && retryClock() + ms > deadline) return false;
    await wait(ms);
    return true;
  };

  async function keep(
    version: IpVersion,
    ref: IpSetRef,
    requests: readonly BlockRequest[],
    full: boolean,
    at: number,
    deadline: number | undefined,
  ): Promise<IpSetOutcome> {
    const loc: StateLocation = { client: dynamodb, tableName: settings.tableName, ipSetName: ref.name };
    let state = await readState(loc);
    const counts = { blocked: 0, unblocked: 0, extended: 0, refused: 0 };
    const outcome = (extra: Partial<IpSetOutcome>): IpSetOutcome => ({
      ipSet: ref.name,
      checked: true,
      ...counts,
      read: null,
      sent: null,
      attempts: 0,
      ...extra,
    });
    if (state.badLines > 0) {
      log(JSON.stringify({ message: 'state lines skipped', ipSet: ref.name, badLines: state.badLines }));
    }
    if (!full && requests.length === 0 && state.managed.every((m) => m.expiresAt > at)) {
      return outcome({ checked: false });
    }
    // What the item holds now: after a write of ours, the plan is still made from `state` (so the
    // changes logged are relative to what was there), and written again only if it differs.
    let stored = state.managed;
    let storedVersion = state.version;
    let lastError: string;
    for (let attempt = 1; ; attempt++) {
      let read: IpSetSnapshot;
      try {
        read = await getIpSet(wafv2, ref);
      } catch (error) {
        if (wafErrorKind(error) === 'fail') return outcome({ attempts: attempt, error: errorText(error) });
        lastError = errorText(error);
        if (await backoff(attempt, deadline)) continue;
        return outcome({ attempts: attempt, error: `gave up after ${attempt} attempts: ${lastError}` });
      }
      if (read.version !== undefined && read.version !== version) {
        return outcome({
          attempts: attempt,
          error: `the IP set holds IPv${read.version} addresses but is configured for IPv${version}`,
        });
      }
      const plan = planIpSet({
        managed: state.managed,
        addresses: read.addresses,
        requests,
        now: at,
        blockMs,
        limit,
        maxStateBytes: MAX_STATE_BYTES,
      });
      const done = (sent: number | null): IpSetOutcome => {
        for (const c of plan.changes) {
          log(changeLine(c, ref.name));
          if (c.action === 'block') counts.blocked++;
          else if (c.action === 'unblock') counts.unblocked++;
          else if (c.action === 'extend') counts.extended++;
          else counts.refused++;
        }
        return outcome({ attempts: attempt, read: read.addresses.length, sent });
      };
      if (settings.dryRun) return done(plan.addressesChanged ? plan.addresses.length : null);
      if (!sameBlocks(plan.managed, stored)) {
        const written = await writeState(loc, storedVersion, plan.managed, at);
        if (written === 'conflict') {
          // Another invocation wrote first: plan again from what it wrote.
          lastError = 'the state item changed (ConditionalCheckFailedException)';
          state = await readState(loc);
          stored = state.managed;
          storedVersion = state.version;
          if (await backoff(attempt, deadline)) continue;
          return outcome({ attempts: attempt, error: `gave up after ${attempt} attempts: ${lastError}` });
        }
        stored = plan.managed;
        storedVersion++;
      }
      if (!plan.addressesChanged) return done(null);
      try {
        await updateIpSet(wafv2, ref, read, plan.addresses);
      } catch (error) {
        if (wafErrorKind(error) === 'fail') return outcome({ attempts: attempt, error: errorText(error) });
        lastError = errorText(error);
        if (await backoff(attempt, deadline)) continue;
        return outcome({ attempts: attempt, error: `gave up after ${attempt} attempts: ${lastError}` });
      }
      return done(plan.addresses.length);
    }
  }

  return {
    settings,
    async handle(event, handleOptions = {}) {
      const at = now();
      const read = readEvent(event, settings);
      const requests: (BlockRequest & { version: IpVersion })[] = [];
      let ignored: string | undefined;
      if (read.kind === 'finding') {
        if ('request' in read) requests.push(read.request);
        else {
          ignored = read.ignored;
          log(
            JSON.stringify({
              message: 'finding ignored',
              reason: read.ignored,
              findingId: read.findingId,
              ...(read.cidr === undefined ? {} : { cidr: read.cidr }),
            }),
          );
        }
      }
      for (const r of requests) {
        if (sets.some((s) => s.version === r.version)) continue;
        log(
          changeLine(
            {
              action: 'refused',
              cidr: r.cidr,
              expiresAt: null,
              findingId: r.findingId,
              reason: `no IPv${r.version} IP set is configured (CFRT_WAF_IPV${r.version}_SET_ARN)`,
            },
            null,
          ),
        );
      }
      const outcomes: IpSetOutcome[] = [];
      for (const s of sets) {
        const mine = requests
          .filter((r) => r.version === s.version)
          .map(({ cidr, findingId }) => ({ cidr, findingId }));
        try {
          outcomes.push(
            await keep(s.version, s.ref, mine, read.kind === 'schedule', at, handleOptions.deadline),
          );
        } catch (error) {
          // A state read or write that failed for good (access denied, no such table).
          outcomes.push({
            ipSet: s.ref.name,
            checked: true,
            blocked: 0,
            unblocked: 0,
            extended: 0,
            refused: 0,
            read: null,
            sent: null,
            attempts: 0,
            error: errorText(error),
          });
        }
      }
      const summary: ResponderSummary = {
        event: read.kind,
        dryRun: settings.dryRun,
        ...(ignored === undefined ? {} : { ignored }),
        ipSets: outcomes,
      };
      log(JSON.stringify({ message: 'waf responder summary', ...summary }));
      const failed = outcomes.filter((o) => o.error !== undefined);
      if (failed.length > 0) {
        throw new ResponderError(
          `The WAF responder could not keep ${failed.map((o) => `${o.ipSet} (${o.error})`).join(', ')}`,
        );
      }
      return summary;
    },
  };
}
