import { describe, expect, it } from 'vitest';
import { EDGE_LOCATIONS } from '../../fixtures/generator.js';
import { edgeLocation } from '../../src/enrich/edge.js';
import { EDGE_AIRPORTS } from '../../src/enrich/edge-locations.js';
import { airportOf } from '../../src/model/classes.js';

/**
 * A broad list of POP codes seen in real CloudFront traffic (x-edge-location / x-amz-cf-pop),
 * each with its country: the table must know every one.
 */
const REAL_POPS: readonly (readonly [string, string])[] = [
  ['IAD89-C1', 'US'],
  ['IAD61-P2', 'US'],
  ['IAD12-P1', 'US'],
  ['JFK50-P1', 'US'],
  ['EWR53-C2', 'US'],
  ['BOS50-C1', 'US'],
  ['PHL51-P1', 'US'],
  ['ATL59-C1', 'US'],
  ['MIA3-C3', 'US'],
  ['JAX50-C1', 'US'],
  ['ORD58-P4', 'US'],
  ['CMH68-P1', 'US'],
  ['DTW55-C1', 'US'],
  ['MSP50-C1', 'US'],
  ['MCI50-C1', 'US'],
  ['DFW55-P1', 'US'],
  ['IAH50-C2', 'US'],
  ['DEN52-P1', 'US'],
  ['PHX50-C2', 'US'],
  ['SLC50-C1', 'US'],
  ['LAX3-C4', 'US'],
  ['SFO53-P4', 'US'],
  ['SJC50-C1', 'US'],
  ['SEA900-P1', 'US'],
  ['HIO50-C1', 'US'],
  ['HNL50-C1', 'US'],
  ['BNA50-C1', 'US'],
  ['YUL62-C2', 'CA'],
  ['YTO50-C1', 'CA'],
  ['YVR52-P1', 'CA'],
  ['QRO51-P1', 'MX'],
  ['GRU3-P1', 'BR'],
  ['GIG51-C1', 'BR'],
  ['FOR50-C1', 'BR'],
  ['SCL51-P1', 'CL'],
  ['BOG50-C1', 'CO'],
  ['LIM50-P1', 'PE'],
  ['EZE50-C1', 'AR'],
  ['LHR61-P6', 'GB'],
  ['MAN50-C1', 'GB'],
  ['DUB56-P1', 'IE'],
  ['CDG55-P3', 'FR'],
  ['MRS52-P4', 'FR'],
  ['AMS58-P4', 'NL'],
  ['BRU50-C1', 'BE'],
  ['FRA60-P12', 'DE'],
  ['MUC50-P4', 'DE'],
  ['HAM50-C1', 'DE'],
  ['DUS51-C1', 'DE'],
  ['TXL52-C1', 'DE'],
  ['ZRH55-P2', 'CH'],
  ['VIE50-C1', 'AT'],
  ['MXP64-P3', 'IT'],
  ['FCO50-P1', 'IT'],
  ['PMO50-C1', 'IT'],
  ['MAD53-C3', 'ES'],
  ['BCN50-C1', 'ES'],
  ['LIS50-C1', 'PT'],
  ['ARN56-P1', 'SE'],
  ['CPH50-C2', 'DK'],
  ['OSL50-C1', 'NO'],
  ['HEL51-P1', 'FI'],
  ['WAW51-P2', 'PL'],
  ['PRG50-C1', 'CZ'],
  ['BUD50-C1', 'HU'],
  ['OTP50-C1', 'RO'],
  ['SOF50-C1', 'BG'],
  ['ATH50-C1', 'GR'],
  ['ZAG50-C1', 'HR'],
  ['IST50-C1', 'TR'],
  ['TLV50-C1', 'IL'],
  ['DXB52-P1', 'AE'],
  ['FJR50-C2', 'AE'],
  ['BAH53-C1', 'BH'],
  ['JED50-C1', 'SA'],
  ['MCT50-P1', 'OM'],
  ['BOM78-P4', 'IN'],
  ['DEL54-C2', 'IN'],
  ['BLR50-C3', 'IN'],
  ['MAA51-C1', 'IN'],
  ['HYD50-C2', 'IN'],
  ['CCU50-C1', 'IN'],
  ['SIN2-P7', 'SG'],
  ['KUL50-C1', 'MY'],
  ['CGK51-P1', 'ID'],
  ['BKK50-C1', 'TH'],
  ['MNL50-C1', 'PH'],
  ['HAN50-C1', 'VN'],
  ['SGN50-C1', 'VN'],
  ['HKG62-C1', 'HK'],
  ['TPE52-C1', 'TW'],
  ['ICN57-P2', 'KR'],
  ['NRT12-C3', 'JP'],
  ['KIX56-P1', 'JP'],
  ['SYD62-P2', 'AU'],
  ['MEL50-C2', 'AU'],
  ['PER50-C1', 'AU'],
  ['AKL50-C1', 'NZ'],
  ['JNB1-C1', 'ZA'],
  ['CPT50-C1', 'ZA'],
  ['NBO50-C1', 'KE'],
  ['LOS50-P1', 'NG'],
  ['PEK50-C1', 'CN'],
  ['PVG52-E1', 'CN'],
  ['SZX51-E1', 'CN'],
  ['ZHY50-E1', 'CN'],
];

describe('edge locations', () => {
  it.each(EDGE_LOCATIONS.map(([code, country]) => [code, country] as const))(
    'knows the generator POP %s (%s)',
    (code, country) => {
      const edge = edgeLocation(code);
      expect(edge.airport).toBe(code.slice(0, 3));
      expect(edge.country).toBe(country);
      expect(edge.city).not.toBeNull();
      expect(edge.continent).not.toBeNull();
    },
  );

  it('knows every POP of a broad list of real codes, with the right country', () => {
    const wrong = REAL_POPS.filter(([code, country]) => edgeLocation(code).country !== country);
    expect(wrong).toEqual([]);
  });

  it('maps IAD89-C1 to Ashburn, US, North America', () => {
    expect(edgeLocation('IAD89-C1')).toEqual({
      airport: 'IAD',
      city: 'Ashburn',
      country: 'US',
      continent: 'NA',
    });
  });

  it('passes an unknown airport through as its code', () => {
    expect(edgeLocation('QQQ5-C1')).toEqual({ airport: 'QQQ', city: null, country: null, continent: null });
  });

  it.each([
    ['IAD89-C1', 'IAD'],
    ['SEA900-P1', 'SEA'],
    ['FRA', 'FRA'],
    ['iad89-c1', 'IAD'],
    ['Fra2-c1', 'FRA'],
    ['weird', 'weird'],
    ['123', '123'],
    ['ABCD1', 'ABCD1'],
    ['A1', 'A1'],
  ])('airportOf(%j) is %j', (code, airport) => {
    expect(airportOf(code)).toBe(airport);
  });

  it('gives all-null for a missing location', () => {
    for (const v of [null, undefined, '']) expect(edgeLocation(v).airport).toBeNull();
  });

  it('has a well-formed table: three capital letters, ISO country, known continent', () => {
    for (const [code, [city, country, continent]] of Object.entries(EDGE_AIRPORTS)) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect(city.length).toBeGreaterThan(0);
      expect(country).toMatch(/^[A-Z]{2}$/);
      expect(['AF', 'AS', 'EU', 'NA', 'OC', 'SA']).toContain(continent);
    }
    expect(Object.keys(EDGE_AIRPORTS).length).toBeGreaterThanOrEqual(150);
  });
});
