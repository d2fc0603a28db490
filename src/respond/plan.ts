/**
 * The responder's planning, pure: from the blocks it manages (with their expiries), the addresses
 * one WAF IP set holds now and the blocks findings ask for, the address list to send, the blocks
 * to keep managing, and one change per CIDR for the log. No I/O, no clock: `now` is given.
 *
 * The rules, each a property in test/respond/plan.test.ts:
 * - An address the responder does not manage (an operator's own) is never removed or rewritten,
 *   and counts toward the limit.
 * - A managed block whose expiry passed is never in the list sent.
 * - The list never grows past `limit`; when it is full, new blocks are refused (and logged), never
 *   made room for by dropping others.
 * - A repeated request extends a block's expiry, never shortens it; planning the same requests
 *   twice gives the same list.
 * - The order of the requests does not matter.
 *
 * Expired blocks stay in the state, as tombstones, until an IP set read shows them gone: the state
 * is written before the IP set is updated, and an update that failed after an expired block had
 * been dropped from the state would leave that block in the IP set, unmanaged, for good.
 */

import { canonicalAddress } from './cidr.js';

/** One block the responder manages: a canonical CIDR and when it expires (epoch ms). */
export interface ManagedBlock {
  readonly cidr: string;
  readonly expiresAt: number;
}

/** A finding's request to block a CIDR (already checked by `checkBlockCidr`, canonical). */
export interface BlockRequest {
  readonly cidr: string;
  /** The finding's id, for the log; null when the finding had none usable. */
  readonly findingId: string | null;
}

/** What the responder did, or would do in a dry run, to one CIDR. */
export type ChangeAction = 'block' | 'unblock' | 'refused' | 'extend';

/** One change, as logged (see `changeLine` in responder.ts). */
export interface Change {
  readonly action: ChangeAction;
  readonly cidr: string;
  /** The block's expiry (epoch ms) after the change; null for `unblock` and `refused`. */
  readonly expiresAt: number | null;
  readonly findingId: string | null;
  /** Why, for a `refused` change and for a `block` that restores a managed block WAF lost. */
  readonly reason?: string;
}

/** Everything `planIpSet` needs. */
export interface PlanInput {
  /** The blocks managed so far (the state item). */
  readonly managed: readonly ManagedBlock[];
  /** The IP set's addresses as `GetIPSet` returned them. */
  readonly addresses: readonly string[];
  /** Blocks asked for in this invocation. */
  readonly requests: readonly BlockRequest[];
  /** Epoch ms. */
  readonly now: number;
  /** How long a requested block lasts, in ms. */
  readonly blockMs: number;
  /** Most addresses the IP set may hold (`maxAddresses`, at most WAF's 10,000). */
  readonly limit: number;
  /**
   * Most bytes the managed blocks may take in the state item (`stateBytes`); additions past it are
   * refused like additions past `limit`. Default: no bound.
   */
  readonly maxStateBytes?: number;
}

/** What `planIpSet` decided. */
export interface Plan {
  /** The address list to send: the kept addresses in the order read, then additions. */
  readonly addresses: readonly string[];
  /** The blocks to manage from now on, sorted by CIDR (tombstones included). */
  readonly managed: readonly ManagedBlock[];
  /** One change per CIDR, sorted by CIDR. */
  readonly changes: readonly Change[];
  /** Whether `addresses` differs, as a set, from what was read. */
  readonly addressesChanged: boolean;
  /** Whether `managed` differs from the blocks given. */
  readonly managedChanged: boolean;
}

/**
 * Bytes one managed block takes in the state item: its CIDR, a space, 13 digits of epoch ms, a
 * newline (see state.ts).
 *
 * @example
 * stateBytes([{ cidr: '203.0.113.0/24', expiresAt: 1_767_225_600_000 }]); // 29
 */
export function stateBytes(managed: readonly ManagedBlock[]): number {
  let n = 0;
  for (const m of managed) n += m.cidr.length + 15;
  return n;
}

const byCidr = (a: { cidr: string }, b: { cidr: string }) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : 0);

/**
 * Plans one IP set. See the module comment for the rules.
 *
 * @example
 * const plan = planIpSet({
 *   managed: [],
 *   addresses: ['198.51.100.0/24'],
 *   requests: [{ cidr: '203.0.113.0/24', findingId: '0123456789abcdef0123456789abcdef' }],
 *   now: Date.parse('2026-01-01T00:00:00Z'),
 *   blockMs: 3_600_000,
 *   limit: 1_000,
 * });
 * plan.addresses; // ['198.51.100.0/24', '203.0.113.0/24']
 * plan.changes;   // [{ action: 'block', cidr: '203.0.113.0/24', expiresAt: 1767229200000, findingId: '0123...' }]
 */
export function planIpSet(input: PlanInput): Plan {
  const { now } = input;
  const wanted = now + input.blockMs;
  const maxStateBytes = input.maxStateBytes ?? Number.POSITIVE_INFINITY;

  // Requests by CIDR; of several findings for one CIDR the log names the least id (order-free).
  const requested = new Map<string, string | null>();
  for (const r of input.requests) {
    const seen = requested.get(r.cidr);
    if (!requested.has(r.cidr) || (r.findingId !== null && (seen === null || r.findingId < seen!))) {
      requested.set(r.cidr, r.findingId);
    }
  }

  const managedBefore = new Map<string, number>();
  for (const m of input.managed) {
    // A duplicated entry (a hand-edited item) keeps its later expiry.
    managedBefore.set(m.cidr, Math.max(m.expiresAt, managedBefore.get(m.cidr) ?? m.expiresAt));
  }

  // Addresses read, by canonical text; an entry that does not parse is an operator's, kept as is.
  const present = new Set<string>();
  for (const a of input.addresses) {
    const c = canonicalAddress(a);
    if (c !== null) present.add(c);
  }

  const changes: Change[] = [];
  const after = new Map<string, number>();
  const keptManaged = new Set<string>();
  /** Managed blocks to (re)add, with the expiry they will have. */
  const additions: { cidr: string; expiresAt: number; findingId: string | null; restore: boolean }[] = [];

  for (const [cidr, expiresAt] of managedBefore) {
    const request = requested.has(cidr);
    const findingId = requested.get(cidr) ?? null;
    const live = expiresAt > now;
    if (!live && !request) {
      // Expired: out of the list; in the state until a read shows it gone (see the module comment).
      if (present.has(cidr)) {
        after.set(cidr, expiresAt);
        changes.push({ action: 'unblock', cidr, expiresAt: null, findingId: null });
      }
      continue;
    }
    const next = request ? Math.max(expiresAt, wanted) : expiresAt;
    if (present.has(cidr)) {
      after.set(cidr, next);
      keptManaged.add(cidr);
      if (next > expiresAt) changes.push({ action: 'extend', cidr, expiresAt: next, findingId });
    } else {
      // Managed but not in the IP set: a new request for an expired block, or a block WAF lost
      // (an update that failed after the state was written, an operator's edit).
      additions.push({ cidr, expiresAt: next, findingId, restore: live });
    }
  }
  for (const [cidr, findingId] of requested) {
    if (managedBefore.has(cidr)) continue;
    if (present.has(cidr)) {
      changes.push({
        action: 'refused',
        cidr,
        expiresAt: null,
        findingId,
        reason: 'already in the IP set as an address the responder did not add; left to its owner',
      });
      continue;
    }
    additions.push({ cidr, expiresAt: wanted, findingId, restore: false });
  }

  // What stays: every address read except managed blocks no longer kept.
  const kept = input.addresses.filter((a) => {
    const c = canonicalAddress(a);
    return c === null || !managedBefore.has(c) || keptManaged.has(c);
  });
  // Additions in a fixed order, whatever the requests' order: blocks already managed (restores
  // and renewals) before new ones, then by CIDR.
  additions.sort((a, b) =>
    a.cidr === b.cidr
      ? 0
      : managedBefore.has(a.cidr) !== managedBefore.has(b.cidr)
        ? managedBefore.has(a.cidr)
          ? -1
          : 1
        : byCidr(a, b),
  );
  const out = [...kept];
  let bytes = stateBytes([...after].map(([cidr, expiresAt]) => ({ cidr, expiresAt })));
  for (const a of additions) {
    const cost = a.cidr.length + 15;
    if (out.length >= input.limit) {
      changes.push({
        action: 'refused',
        cidr: a.cidr,
        expiresAt: null,
        findingId: a.findingId,
        reason: `the IP set is full: ${out.length} addresses of the ${input.limit} allowed`,
      });
      continue;
    }
    if (bytes + cost > maxStateBytes) {
      changes.push({
        action: 'refused',
        cidr: a.cidr,
        expiresAt: null,
        findingId: a.findingId,
        reason: "the responder's state item is full",
      });
      continue;
    }
    bytes += cost;
    out.push(a.cidr);
    after.set(a.cidr, a.expiresAt);
    changes.push(
      a.restore
        ? {
            action: 'block',
            cidr: a.cidr,
            expiresAt: a.expiresAt,
            findingId: a.findingId,
            reason: 'restored: managed and unexpired, but missing from the IP set',
          }
        : { action: 'block', cidr: a.cidr, expiresAt: a.expiresAt, findingId: a.findingId },
    );
  }

  const managed = [...after].map(([cidr, expiresAt]) => ({ cidr, expiresAt })).sort(byCidr);
  const readSet = new Set(input.addresses);
  const outSet = new Set(out);
  const addressesChanged = readSet.size !== outSet.size || [...outSet].some((a) => !readSet.has(a));
  const before = [...managedBefore].map(([cidr, expiresAt]) => ({ cidr, expiresAt })).sort(byCidr);
  const managedChanged =
    before.length !== managed.length ||
    before.some((m, i) => m.cidr !== managed[i]!.cidr || m.expiresAt !== managed[i]!.expiresAt) ||
    input.managed.length !== before.length;
  return { addresses: out, managed, changes: changes.sort(byCidr), addressesChanged, managedChanged };
}
