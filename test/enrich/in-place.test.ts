/**
 * `enricher.inPlace` against the copying `derive` and `protect` as oracles: the same keys, in the
 * same order, with equal values, for any record of any field subset (non-ASCII, `%`, empty lists,
 * nulls) and for the privacy policies that change what `protect` does.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEnricher, type EnricherOptions } from '../../src/enrich/index.js';
import { fieldsAndRecord } from '../parser/arbitraries.js';

const KEY = 'in-place-test-key-0123456789abcdef';

const POLICIES: readonly EnricherOptions[] = [
  {},
  { clientIp: 'hash', hmacKey: KEY },
  { clientIp: 'keep', keepCookies: true, redactSecrets: false },
  { clientAddress: 'x-forwarded-for', geo: 'none', userAgent: false },
  { redactQueryParams: ['q', /^utm_/], redactHeaders: ['x-trace'] },
];

/** Keys in order and values, as the sinks would serialize them. */
const shape = (r: object) => ({ keys: Object.keys(r), json: JSON.stringify(r) });

describe('enricher.inPlace', () => {
  it.each(POLICIES.map((p, i) => [i, p] as const))(
    'derive then protect in place equal derive then protect by copy (policy %i)',
    (_, policy) => {
      const enricher = createEnricher(policy);
      fc.assert(
        fc.property(fieldsAndRecord, ({ record }) => {
          const derived = enricher.derive(record);
          const own = { ...record };
          enricher.inPlace.derive(own);
          expect(shape(own)).toEqual(shape(derived));
          const protectedCopy = enricher.protect(derived);
          enricher.inPlace.protect(own);
          expect(shape(own)).toEqual(shape(protectedCopy));
        }),
        { numRuns: 150 },
      );
    },
  );

  it('leaves records it was not given alone', () => {
    const enricher = createEnricher();
    const record = { 'c-ip': '192.0.2.10', 'sc-status': 503, 'cs-cookie': 'session=1' };
    const other = { ...record };
    enricher.inPlace.derive(record);
    enricher.inPlace.protect(record);
    expect(other).toEqual({ 'c-ip': '192.0.2.10', 'sc-status': 503, 'cs-cookie': 'session=1' });
    expect(record['c-ip']).toBe('192.0.2.0');
    expect(record['cs-cookie']).toBeNull();
    expect(record).toMatchObject({ statusClass: '5xx', isError: true, client: '192.0.2.0' });
  });
});
