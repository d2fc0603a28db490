import { describe, expect, it } from 'vitest';
import { createCityLocator, resolveGeoIp } from '../../src/enrich/geo.js';
import { createEnricher, type GeoIpModule, GeoIpUnavailableError } from '../../src/enrich/index.js';
import { RealtimeLogError } from '../../src/parser/errors.js';

/** A stand-in with geoip-lite's shape, counting lookups. */
function fakeGeoIp(): GeoIpModule & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    lookup(ip) {
      calls.push(ip);
      if (ip.startsWith('10.')) return null;
      return { country: 'FR', region: 'IDF', city: 'Paris', timezone: 'Europe/Paris', ll: [48.8582, 2.3387] };
    },
  };
}

describe('geography', () => {
  it('country mode reads c-country only, with no database', () => {
    const e = createEnricher();
    expect(e.derive({ 'c-country': 'DE', 'c-ip': '203.0.113.7' }).geo).toEqual({ country: 'DE' });
    expect(e.derive({ 'c-country': null }).geo).toEqual({ country: null });
    expect('geo' in e.derive({ 'c-ip': '203.0.113.7' })).toBe(false);
    expect(e.stats().geo).toBeNull();
  });

  it('city mode fills region, city, coordinates and time zone from the raw client address', () => {
    const geoip = fakeGeoIp();
    const e = createEnricher({ geo: 'city', geoip });
    expect(e.derive({ 'c-ip': '203.0.113.7' }).geo).toEqual({
      country: 'FR',
      region: 'IDF',
      city: 'Paris',
      latitude: 48.8582,
      longitude: 2.3387,
      timezone: 'Europe/Paris',
    });
    // The lookup saw the raw address, not the truncated one.
    expect(geoip.calls).toEqual(['203.0.113.7']);
  });

  it("prefers CloudFront's c-country over the database's country", () => {
    const e = createEnricher({ geo: 'city', geoip: fakeGeoIp() });
    expect(e.derive({ 'c-ip': '203.0.113.7', 'c-country': 'BE' }).geo?.country).toBe('BE');
  });

  it('gives all-null geography for an address the database does not know, and for no address', () => {
    const e = createEnricher({ geo: 'city', geoip: fakeGeoIp() });
    const none = { country: null, region: null, city: null, latitude: null, longitude: null, timezone: null };
    expect(e.derive({ 'c-ip': '10.0.0.1' }).geo).toEqual(none);
    expect(e.derive({ 'c-ip': null }).geo).toEqual(none);
  });

  it('caches by address and stays within its capacity', () => {
    const geoip = fakeGeoIp();
    const e = createEnricher({ geo: 'city', geoip, geoCacheSize: 100 });
    for (let round = 0; round < 3; round++) e.derive({ 'c-ip': '198.51.100.1' });
    expect(geoip.calls).toHaveLength(1);
    for (let i = 0; i < 1_000; i++) e.derive({ 'c-ip': `198.51.${i >> 8}.${i & 255}` });
    expect(e.stats().geo?.size).toBeLessThanOrEqual(100);
  });

  it('loads the database lazily: not at construction, on the first lookup or warmUp', () => {
    let loads = 0;
    const locator = createCityLocator(() => {
      loads++;
      return fakeGeoIp();
    });
    expect(locator.loaded()).toBe(false);
    locator.locate('203.0.113.7');
    locator.locate('203.0.113.8');
    expect(loads).toBe(1);
    expect(locator.loaded()).toBe(true);
  });

  it('never throws when the database throws on odd text', () => {
    const e = createEnricher({
      geo: 'city',
      geoip: {
        lookup: () => {
          throw new TypeError('bad address');
        },
      },
    });
    expect(e.derive({ 'c-ip': 'not-an-address' }).geo?.city).toBeNull();
  });

  it('says what to do when geoip-lite is not installed, at construction', () => {
    const resolve = () => resolveGeoIp('geoip-lite-that-is-not-installed');
    expect(resolve).toThrow(GeoIpUnavailableError);
    expect(resolve).toThrow(RealtimeLogError);
    expect(resolve).toThrow(/npm install geoip-lite@1\.4.*geo: 'country'/);
  });

  it('looks up real addresses with the installed geoip-lite 1.4 (IPv4 and IPv6)', () => {
    const e = createEnricher({ geo: 'city' });
    e.warmUp();
    const v4 = e.derive({ 'c-ip': '8.8.8.8' }).geo;
    expect(v4?.country).toBe('US');
    expect(typeof v4?.latitude).toBe('number');
    expect(e.derive({ 'c-ip': '2a00:1450:4001:81a::200e' }).geo?.country).not.toBeNull();
    expect(e.derive({ 'c-ip': '192.168.1.1' }).geo?.country).toBeNull();
  });
});
