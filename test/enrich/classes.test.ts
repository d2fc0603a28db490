import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEnricher } from '../../src/enrich/index.js';
import { cacheClass, isErrorStatus, pathOf, statusClass } from '../../src/model/classes.js';

describe('status classes', () => {
  it.each([
    [0, '000', true],
    [100, '1xx', false],
    [101, '1xx', false],
    [200, '2xx', false],
    [206, '2xx', false],
    [299, '2xx', false],
    [301, '3xx', false],
    [304, '3xx', false],
    [399, '3xx', false],
    [400, '4xx', true],
    [403, '4xx', true],
    [404, '4xx', true],
    [429, '4xx', true],
    [499, '4xx', true],
    [500, '5xx', true],
    [502, '5xx', true],
    [503, '5xx', true],
    [504, '5xx', true],
    [599, '5xx', true],
  ] as const)('%i is %s (error: %s)', (status, cls, error) => {
    expect(statusClass(status)).toBe(cls);
    expect(isErrorStatus(status)).toBe(error);
  });

  it('has no class for a missing or out-of-range status', () => {
    for (const s of [null, undefined, 1, 99, 600, 999]) expect(statusClass(s)).toBeNull();
    expect(isErrorStatus(null)).toBe(false);
  });

  it('agrees with the first digit for every status 100-599', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (s) => {
        expect(statusClass(s)).toBe(`${String(s)[0]}xx`);
        expect(isErrorStatus(s)).toBe(s >= 400);
      }),
    );
  });
});

describe('cache classes', () => {
  it.each([
    ['Hit', 'hit'],
    ['RefreshHit', 'hit'],
    ['OriginShieldHit', 'hit'],
    ['Miss', 'miss'],
    ['Error', 'error'],
    ['LimitExceeded', 'error'],
    ['CapacityExceeded', 'error'],
    ['Redirect', 'redirect'],
    ['SomethingNew', 'other'],
  ] as const)('%s is %s', (result, cls) => {
    expect(cacheClass(result)).toBe(cls);
  });

  it('has no class for a missing result', () => {
    expect(cacheClass(null)).toBeNull();
  });

  it('strips the query from a path', () => {
    expect(pathOf('/a/b.js?v=3')).toBe('/a/b.js');
    expect(pathOf('/a')).toBe('/a');
    expect(pathOf(null)).toBeNull();
  });
});

describe('derived cache fields', () => {
  const e = createEnricher();
  const cases = [
    // result, response result, detailed -> cacheClass, originShield, errorKind
    ['Hit', 'Hit', 'Hit', 'hit', false, null],
    ['Hit', 'Hit', 'OriginShieldHit', 'hit', true, null],
    ['RefreshHit', 'RefreshHit', 'RefreshHit', 'hit', false, null],
    ['Miss', 'Miss', 'Miss', 'miss', false, null],
    ['Redirect', 'Redirect', 'Redirect', 'redirect', false, null],
    ['Error', 'Error', 'OriginConnectError', 'error', false, 'OriginConnectError'],
    ['Error', 'Error', 'OriginDnsError', 'error', false, 'OriginDnsError'],
    ['Error', 'Error', 'ClientCommError', 'error', false, 'ClientCommError'],
    ['Error', 'Error', 'AbortedOrigin', 'error', false, 'AbortedOrigin'],
    ['Error', 'Error', 'Error', 'error', false, 'Error'],
    ['LimitExceeded', 'LimitExceeded', null, 'error', false, 'LimitExceeded'],
    ['CapacityExceeded', 'CapacityExceeded', 'CapacityExceeded', 'error', false, 'CapacityExceeded'],
    // x-edge-result-type missing: fall back to x-edge-response-result-type
    [null, 'Miss', 'Miss', 'miss', false, null],
    [null, 'Error', 'SlowReaderOriginError', 'error', false, 'SlowReaderOriginError'],
    [null, null, null, null, false, null],
  ] as const;
  it.each(cases)('%s / %s / %s', (result, response, detailed, cls, shield, kind) => {
    const d = e.derive({
      'x-edge-result-type': result,
      'x-edge-response-result-type': response,
      'x-edge-detailed-result-type': detailed,
    });
    expect({ cacheClass: d.cacheClass, originShield: d.originShield, errorKind: d.errorKind }).toEqual({
      cacheClass: cls,
      originShield: shield,
      errorKind: kind,
    });
  });

  it('derives from x-edge-response-result-type alone', () => {
    expect(e.derive({ 'x-edge-response-result-type': 'RefreshHit' }).cacheClass).toBe('hit');
  });
});
