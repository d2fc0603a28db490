/**
 * The responder's configuration: defaults, ranges, the IP set ARNs read into name, id, scope and
 * region, every problem reported at once and named as the user wrote it; and the state item's
 * text form read back exactly (hand edits gone wrong skipped, not thrown).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/model/errors.js';
import { optionFacts } from '../../src/model/options.js';
import { parseIpSetArn } from '../../src/respond/ip-set.js';
import {
  RESPONDER_ENV,
  RESPONDER_OPTIONS,
  ResponderConfigError,
  resolveResponderSettings,
  responderSettingsFromEnv,
} from '../../src/respond/options.js';
import { decodeBlocks, encodeBlocks } from '../../src/respond/state.js';

const V4 =
  'arn:aws:wafv2:us-east-1:123456789012:global/ipset/cfrt-block-v4/a1b2c3d4-5678-90ab-cdef-0123456789ab';
const V6 =
  'arn:aws:wafv2:us-east-1:123456789012:global/ipset/cfrt-block-v6/b1b2c3d4-5678-90ab-cdef-0123456789ab';

function issuesOf(
  f: () => unknown,
): { name?: string; path: readonly (string | number)[]; message: string }[] {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(ResponderConfigError);
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ResponderConfigError).issues];
  }
  throw new Error('expected a ResponderConfigError');
}

describe('responder options', () => {
  it('applies the documented defaults', () => {
    const s = responderSettingsFromEnv({ CFRT_TABLE_NAME: 'cf-windows', CFRT_WAF_IPV4_SET_ARN: V4 });
    expect(s).toEqual({
      tableName: 'cf-windows',
      ipv4Set: {
        arn: V4,
        name: 'cfrt-block-v4',
        id: 'a1b2c3d4-5678-90ab-cdef-0123456789ab',
        scope: 'CLOUDFRONT',
        region: 'us-east-1',
      },
      ipv6Set: undefined,
      blockSeconds: 3_600,
      maxAddresses: 1_000,
      dryRun: true,
      findingKinds: ['client-flood'],
      minPrefixV4: 16,
      minPrefixV6: 32,
      region: 'us-east-1',
    });
    expect(optionFacts(RESPONDER_OPTIONS.blockSeconds).default).toBe(3_600);
    expect(optionFacts(RESPONDER_OPTIONS.maxAddresses).default).toBe(1_000);
    expect(optionFacts(RESPONDER_OPTIONS.dryRun).default).toBe(true);
  });

  it('reads every variable, an empty ARN meaning none', () => {
    const s = responderSettingsFromEnv({
      CFRT_TABLE_NAME: 'cf-windows',
      CFRT_WAF_IPV4_SET_ARN: '',
      CFRT_WAF_IPV6_SET_ARN: V6,
      CFRT_WAF_BLOCK_SECONDS: '600',
      CFRT_WAF_MAX_ADDRESSES: '10000',
      CFRT_WAF_DRY_RUN: 'false',
      CFRT_WAF_FINDING_KINDS: 'client-flood, client-errors',
      CFRT_WAF_MIN_PREFIX_V4: '24',
      CFRT_WAF_MIN_PREFIX_V6: '48',
    });
    expect(s).toMatchObject({
      ipv4Set: undefined,
      ipv6Set: { name: 'cfrt-block-v6', scope: 'CLOUDFRONT' },
      blockSeconds: 600,
      maxAddresses: 10_000,
      dryRun: false,
      findingKinds: ['client-flood', 'client-errors'],
      minPrefixV4: 24,
      minPrefixV6: 48,
    });
  });

  it('reports every problem at once, named by variable', () => {
    const issues = issuesOf(() =>
      responderSettingsFromEnv({
        CFRT_WAF_BLOCK_SECONDS: '59',
        CFRT_WAF_MAX_ADDRESSES: '10001',
        CFRT_WAF_DRY_RUN: 'maybe',
        CFRT_WAF_FINDING_KINDS: 'client-flood,flood',
        CFRT_WAF_MIN_PREFIX_V4: '4',
        CFRT_WAF_MIN_PREFIX_V6: 'many',
        CFRT_WAF_BLOCK_SECOND: '60',
      }),
    );
    expect(issues.map((i) => `${i.name}: ${i.message}`)).toEqual([
      'CFRT_WAF_BLOCK_SECOND: is not a setting; did you mean CFRT_WAF_BLOCK_SECONDS?',
      "CFRT_TABLE_NAME: is required: the window table that holds the responder's state",
      'CFRT_WAF_BLOCK_SECONDS: must be a whole number of seconds from 60 to 604800 (a week); got 59',
      "CFRT_WAF_MAX_ADDRESSES: must be a whole number from 1 to 10000 (WAF's limit per IP set); got 10001",
      'CFRT_WAF_DRY_RUN: must be true or false; got "maybe"',
      expect.stringMatching(
        /^CFRT_WAF_FINDING_KINDS: names unknown finding kind "flood"; use "client-flood", /,
      ),
      'CFRT_WAF_MIN_PREFIX_V4: must be a prefix length from 8 to 32 (the broadest IPv4 block a finding may ask for); got 4',
      'CFRT_WAF_MIN_PREFIX_V6: must be a prefix length from 16 to 128 (the broadest IPv6 block a finding may ask for); got "many"',
      'CFRT_WAF_IPV4_SET_ARN: is required when no IPv6 IP set is given: the responder needs a WAF IP set to keep (one per address version)',
    ]);
  });

  it('refuses IP set ARNs that cannot work', () => {
    const bad = (ipv4SetArn: string, ipv6SetArn?: string) =>
      issuesOf(() => resolveResponderSettings({ tableName: 'cf-windows', ipv4SetArn, ipv6SetArn })).map(
        (i) => `${i.path.join('.')}: ${i.message}`,
      );
    expect(bad('cfrt-block-v4')).toEqual([
      'ipv4SetArn: must be a WAFv2 IP set ARN: arn:aws:wafv2:<region>:<account>:global/ipset/<name>/<id> (or regional/ipset/...)',
    ]);
    expect(bad(V4.replace('us-east-1', 'eu-west-1'))).toEqual([
      'ipv4SetArn: names a global (CLOUDFRONT) IP set outside us-east-1, where every CLOUDFRONT-scope IP set lives',
    ]);
    expect(bad(V4, V4)).toEqual([
      'ipv6SetArn: names the IPv4 IP set too: an IP set holds one address version, so give two sets',
    ]);
    const regional =
      'arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/v6/c1b2c3d4-5678-90ab-cdef-0123456789ab';
    expect(bad(V4, regional)).toEqual([
      'ipv6SetArn: is in eu-west-1 and the IPv4 set in us-east-1: both must be in one region',
    ]);
    expect(bad(V4.replace('cfrt-block-v4', 'bad name'))).toHaveLength(1);
    expect(issuesOf(() => resolveResponderSettings({ tableName: 'x' }))).toEqual([
      { path: ['tableName'], message: 'must be a DynamoDB table name: 3-255 of A-Z a-z 0-9 _ . -; got "x"' },
      expect.objectContaining({ path: ['ipv4SetArn'] }),
    ]);
  });

  it('reads scope and region from an ARN', () => {
    expect(
      parseIpSetArn('arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/edge-v4/0f0e').ok &&
        parseIpSetArn('arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/edge-v4/0f0e'),
    ).toMatchObject({
      ref: { scope: 'REGIONAL', region: 'eu-west-1', name: 'edge-v4', id: '0f0e' },
    });
    expect(parseIpSetArn(`${V4}/extra`).ok).toBe(false);
    expect(parseIpSetArn('arn:aws:wafv2:us-east-1:123456789012:global/webacl/acl/0f0e').ok).toBe(false);
  });

  it('declares an environment name for every option, all distinct', () => {
    expect(Object.keys(RESPONDER_ENV).sort()).toEqual(Object.keys(RESPONDER_OPTIONS).sort());
    const names = Object.values(RESPONDER_ENV).map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("the state item's text", () => {
  it('reads back exactly what it wrote', () => {
    const block = fc.record({
      cidr: fc.constantFrom('203.0.113.0/24', '198.51.100.7/32', '2001:db8:1::/48', '2001:db8::1/128'),
      expiresAt: fc.integer({ min: 0, max: 9_999_999_999_999 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(block, { selector: (b) => b.cidr }), (blocks) => {
        const { managed, badLines } = decodeBlocks(encodeBlocks(blocks));
        expect(badLines).toBe(0);
        expect(managed).toEqual([...blocks].sort((a, b) => (a.cidr < b.cidr ? -1 : 1)));
      }),
    );
  });

  it('skips and counts lines that are not a canonical block, never throws', () => {
    const text = [
      '203.0.113.0/24 1767229200000',
      '2001:DB8:1::/48 1767229200000',
      '203.0.113.7/24 1767229200000',
      '198.51.100.0/24 soon',
      '198.51.100.0/24  1767229200000',
      'garbage',
      '',
    ].join('\n');
    expect(decodeBlocks(text)).toEqual({
      managed: [{ cidr: '203.0.113.0/24', expiresAt: 1767229200000 }],
      badLines: 5,
    });
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        expect(() => decodeBlocks(s)).not.toThrow();
      }),
    );
  });
});
