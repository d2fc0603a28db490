/**
 * The responder's planning as properties: the limit, operators' addresses, expiries, idempotence,
 * request order, and an exact oracle (a plain set computation) whenever the limit does not bite.
 * Inputs draw from a small pool of CIDRs so managed blocks, operators' addresses and requests
 * collide; operators' entries come in other spellings and as text that is no CIDR at all.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalAddress } from '../../src/respond/cidr.js';
import {
  type BlockRequest,
  type ManagedBlock,
  type PlanInput,
  planIpSet,
  stateBytes,
} from '../../src/respond/plan.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const HOUR = 3_600_000;
const POOL = [
  '203.0.113.0/24',
  '198.51.100.0/24',
  '192.0.2.0/24',
  '203.0.113.7/32',
  '198.51.100.9/32',
  '8.8.8.0/24',
  '1.1.1.0/24',
  '45.33.0.0/16',
  '2001:db8:1::/48',
  '2001:db8:2::/48',
  '2a00:1450:4001::/48',
  '2001:db8::1/128',
];
/** Another spelling WAF might return an operator's entry in. */
const spelled = (cidr: string) => (cidr.includes(':') ? cidr.toUpperCase().replace('::', ':0::') : cidr);

const findingId = fc.option(fc.stringMatching(/^[0-9a-f]{32}$/), { nil: null });

const inputs = fc
  .record({
    managed: fc.uniqueArray(
      fc.record({
        cidr: fc.constantFrom(...POOL),
        expiresAt: fc.integer({ min: NOW - 2 * HOUR, max: NOW + 2 * HOUR }),
        present: fc.boolean(),
      }),
      { selector: (m) => m.cidr, maxLength: 8 },
    ),
    operators: fc.uniqueArray(fc.constantFrom(...POOL), { maxLength: 6 }),
    odd: fc.array(fc.constantFrom('not a cidr', '10.0.0.0/8', '203.0.113.5/24', ''), { maxLength: 2 }),
    spell: fc.boolean(),
    requests: fc.array(fc.record({ cidr: fc.constantFrom(...POOL), findingId }), { maxLength: 10 }),
    limit: fc.integer({ min: 1, max: 20 }),
    blockMs: fc.integer({ min: 60_000, max: 7 * 24 * HOUR }),
  })
  .map((g): PlanInput & { operators: string[] } => {
    const managedCidrs = new Set(g.managed.map((m) => m.cidr));
    const operators = g.operators.filter((c) => !managedCidrs.has(c)).map((c) => (g.spell ? spelled(c) : c));
    const addresses = [...operators, ...g.odd, ...g.managed.filter((m) => m.present).map((m) => m.cidr)];
    return {
      managed: g.managed.map(({ cidr, expiresAt }) => ({ cidr, expiresAt })),
      addresses,
      requests: g.requests,
      now: NOW,
      blockMs: g.blockMs,
      limit: g.limit,
      operators: [...operators, ...g.odd],
    };
  });

const canon = (a: string) => canonicalAddress(a) ?? a;
const live = (managed: readonly ManagedBlock[], now: number) => managed.filter((m) => m.expiresAt > now);
const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('planIpSet', () => {
  it('never grows the list past the limit, and never adds when it was already past it', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const plan = planIpSet(input);
        const before = new Set(input.addresses);
        const added = plan.addresses.filter((a) => !before.has(a));
        expect(plan.addresses.length <= input.limit || added.length === 0).toBe(true);
        expect(plan.addresses.length).toBeLessThanOrEqual(Math.max(input.limit, input.addresses.length));
      }),
      { numRuns: 1_000 },
    );
  });

  it('keeps every address it does not manage, verbatim', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const plan = planIpSet(input);
        for (const a of input.operators) expect(plan.addresses).toContain(a);
      }),
      { numRuns: 1_000 },
    );
  });

  it('sends no managed block whose expiry passed, and every live one it manages', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const plan = planIpSet(input);
        const sent = new Set(plan.addresses.map(canon));
        for (const m of plan.managed) expect(sent.has(m.cidr)).toBe(m.expiresAt > input.now);
        // What it sends is an operator's address or a live managed block, nothing else.
        const liveCidrs = new Set(live(plan.managed, input.now).map((m) => m.cidr));
        for (const a of plan.addresses) expect(input.operators.includes(a) || liveCidrs.has(a)).toBe(true);
      }),
      { numRuns: 1_000 },
    );
  });

  it('extends a repeated block and never shortens one', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const plan = planIpSet(input);
        const after = new Map(plan.managed.map((m) => [m.cidr, m.expiresAt]));
        for (const m of input.managed) {
          const e = after.get(m.cidr);
          if (e !== undefined) expect(e).toBeGreaterThanOrEqual(m.expiresAt);
        }
        for (const r of input.requests) {
          const e = after.get(r.cidr);
          if (e !== undefined && e > input.now) expect(e).toBeGreaterThanOrEqual(input.now + input.blockMs);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('equals a plain set computation when the limit does not bite', () => {
    fc.assert(
      fc.property(inputs, (raw) => {
        const input = { ...raw, limit: 1_000 };
        const plan = planIpSet(input);
        const operatorsCanon = new Set(input.operators.map(canon));
        const expiry = new Map<string, number>();
        for (const m of input.managed) if (m.expiresAt > input.now) expiry.set(m.cidr, m.expiresAt);
        for (const r of input.requests) {
          if (operatorsCanon.has(r.cidr)) continue;
          expiry.set(r.cidr, Math.max(expiry.get(r.cidr) ?? 0, input.now + input.blockMs));
        }
        expect(sorted(plan.addresses)).toEqual(sorted([...input.operators, ...expiry.keys()]));
        expect(new Map(live(plan.managed, input.now).map((m) => [m.cidr, m.expiresAt]))).toEqual(expiry);
      }),
      { numRuns: 1_000 },
    );
  });

  it('logs exactly what changed: a block per CIDR added, an unblock per CIDR removed', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const plan = planIpSet(input);
        const before = new Set(input.addresses.map(canon));
        const after = new Set(plan.addresses.map(canon));
        const of = (action: string) =>
          sorted(plan.changes.filter((c) => c.action === action).map((c) => c.cidr));
        expect(of('block')).toEqual(sorted([...after].filter((a) => !before.has(a))));
        expect(of('unblock')).toEqual(sorted([...before].filter((a) => !after.has(a))));
        expect(plan.addressesChanged).toBe(of('block').length + of('unblock').length > 0);
        // One change per CIDR at most.
        expect(new Set(plan.changes.map((c) => c.cidr)).size).toBe(plan.changes.length);
        // A refusal for lack of room only when the list is full.
        if (plan.changes.some((c) => c.reason?.startsWith('the IP set is full'))) {
          expect(plan.addresses.length).toBeGreaterThanOrEqual(input.limit);
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('is idempotent: the same requests planned again on its own result change nothing', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const once = planIpSet(input);
        const twice = planIpSet({ ...input, managed: once.managed, addresses: once.addresses });
        expect(sorted(twice.addresses)).toEqual(sorted(once.addresses));
        expect(live(twice.managed, input.now)).toEqual(live(once.managed, input.now));
        expect(twice.addressesChanged).toBe(false);
        expect(twice.changes.filter((c) => c.action !== 'refused')).toEqual([]);
      }),
      { numRuns: 1_000 },
    );
  });

  it('does not depend on the order of the requests', () => {
    fc.assert(
      fc.property(
        inputs.chain((input) =>
          fc.tuple(
            fc.constant(input),
            fc.shuffledSubarray([...input.requests], { minLength: input.requests.length }),
          ),
        ),
        ([input, shuffled]) => {
          expect(planIpSet({ ...input, requests: shuffled })).toEqual(planIpSet(input));
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('keeps the state item under its byte bound, refusing additions past it', () => {
    fc.assert(
      fc.property(inputs, fc.integer({ min: 0, max: 200 }), (input, maxStateBytes) => {
        const start = stateBytes(input.managed);
        const plan = planIpSet({ ...input, limit: 1_000, maxStateBytes: start + maxStateBytes });
        expect(stateBytes(plan.managed)).toBeLessThanOrEqual(start + maxStateBytes);
      }),
    );
  });

  it('refuses, when full, the newcomers and keeps what is there; a single finding on an empty set blocks', () => {
    const request = (cidr: string): BlockRequest => ({ cidr, findingId: null });
    const full = planIpSet({
      managed: [{ cidr: '198.51.100.0/24', expiresAt: NOW + HOUR }],
      addresses: ['192.0.2.0/24', '198.51.100.0/24'],
      requests: [request('203.0.113.0/24'), request('198.51.100.0/24')],
      now: NOW,
      blockMs: 2 * HOUR,
      limit: 2,
    });
    expect(full.addresses).toEqual(['192.0.2.0/24', '198.51.100.0/24']);
    expect(full.changes).toEqual([
      { action: 'extend', cidr: '198.51.100.0/24', expiresAt: NOW + 2 * HOUR, findingId: null },
      {
        action: 'refused',
        cidr: '203.0.113.0/24',
        expiresAt: null,
        findingId: null,
        reason: 'the IP set is full: 2 addresses of the 2 allowed',
      },
    ]);
    const one = planIpSet({
      managed: [],
      addresses: [],
      requests: [request('2001:db8:1::/48')],
      now: NOW,
      blockMs: HOUR,
      limit: 1,
    });
    expect(one.addresses).toEqual(['2001:db8:1::/48']);
    expect(one.managed).toEqual([{ cidr: '2001:db8:1::/48', expiresAt: NOW + HOUR }]);
  });

  it("leaves an operator's address alone when a finding names it, and keeps an expired block as a tombstone until WAF shows it gone", () => {
    const plan = planIpSet({
      managed: [{ cidr: '198.51.100.0/24', expiresAt: NOW - 1 }],
      addresses: ['203.0.113.0/24', '198.51.100.0/24'],
      requests: [{ cidr: '203.0.113.0/24', findingId: 'a'.repeat(32) }],
      now: NOW,
      blockMs: HOUR,
      limit: 10,
    });
    expect(plan.addresses).toEqual(['203.0.113.0/24']);
    expect(plan.managed).toEqual([{ cidr: '198.51.100.0/24', expiresAt: NOW - 1 }]);
    expect(plan.changes.map((c) => c.action)).toEqual(['unblock', 'refused']);
    const next = planIpSet({
      ...plan,
      managed: plan.managed,
      requests: [],
      now: NOW,
      blockMs: HOUR,
      limit: 10,
    });
    expect(next.managed).toEqual([]);
    expect(next.managedChanged).toBe(true);
    expect(next.addressesChanged).toBe(false);
  });
});
