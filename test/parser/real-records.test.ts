import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createParser, splitFieldList } from '../../src/index.js';

const dir = new URL('../../fixtures/real/', import.meta.url);
const fields = splitFieldList(readFileSync(new URL('fields.txt', dir), 'utf8'));
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');

describe('the three real records (40-field layout)', () => {
  const parser = createParser(fields);

  it('parses the 304 RefreshHit field by field', () => {
    const result = parser.parseLine(read('datadog-304-refreshhit.tsv'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.record).toEqual({
      timestamp: 1600299221087,
      'c-ip': '174.204.64.230',
      'time-to-first-byte': 0,
      'sc-status': 304,
      'sc-bytes': 322,
      'cs-method': 'GET',
      'cs-protocol': 'https',
      'cs-host': 'preview.dashcon.io',
      'cs-uri-stem': '/michaelw/real-time-logs-all_fields/2020/speakers/',
      'cs-bytes': 637,
      'x-edge-location': 'SEA19-C2',
      'x-edge-request-id': 'eRwgLa8bR0pQBnbTFt_jIVY77WAfmcRuE980cPpEpGBcxrM6rq97vw==',
      'x-host-header': 'd3gpvymg9z2unc.cloudfront.net',
      'time-taken': 0.14,
      'cs-protocol-version': 'HTTP/2.0',
      'c-ip-version': 'IPv4',
      'cs-user-agent':
        'Mozilla/5.0 (iPhone; CPU iPhone OS 13_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.2 Mobile/15E148 Safari/604.1',
      'cs-referer':
        'https://preview.dashcon.io/michaelw/real-time-logs-all_fields/2020/speakers/alex-landau/',
      'cs-cookie': null,
      'cs-uri-query': null,
      'x-edge-response-result-type': 'RefreshHit',
      'x-forwarded-for': null,
      'ssl-protocol': 'TLSv1.3',
      'ssl-cipher': 'TLS_AES_128_GCM_SHA256',
      'x-edge-result-type': 'RefreshHit',
      'fle-encrypted-fields': null,
      'fle-status': null,
      'sc-content-type': null,
      'sc-content-len': null,
      'sc-range-start': null,
      'sc-range-end': null,
      'c-port': 10485,
      'x-edge-detailed-result-type': 'RefreshHit',
      'c-country': 'US',
      'cs-accept-encoding': 'gzip, deflate, br',
      'cs-accept': 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      'cache-behavior-path-pattern': '/michaelw/real-time-logs-all_fields/*',
      'cs-headers': [
        ['host', 'preview.dashcon.io'],
        ['accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
        ['accept-encoding', 'gzip, deflate, br'],
        ['if-none-match', '"c223572e08c0fc3cde6d5416ff989957"'],
        ['if-modified-since', 'Fri, 11 Sep 2020 23:02:55 GMT'],
        [
          'user-agent',
          'Mozilla/5.0 (iPhone; CPU iPhone OS 13_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.2 Mobile/15E148 Safari/604.1',
        ],
        ['accept-language', 'en-us'],
        [
          'referer',
          'https://preview.dashcon.io/michaelw/real-time-logs-all_fields/2020/speakers/alex-landau/',
        ],
      ],
      'cs-header-names': [
        'host',
        'accept',
        'accept-encoding',
        'if-none-match',
        'if-modified-since',
        'user-agent',
        'accept-language',
        'referer',
        'cookie',
      ],
      'cs-headers-count': 9,
    });
    // Keys come in delivery order (the NDJSON contract).
    expect(Object.keys(result.record)).toEqual(fields);
  });
});
