/**
 * The deployed artifact itself: dist/respond-lambda/index.mjs (run `npm run build` first) imported
 * in a fresh Node process with the SAM template's environment. It blocks a finding's CIDR against
 * the loopback WAFv2 and dynalite (the SDK's service-specific endpoint variables point it there),
 * and refuses a bad environment at cold start, every problem named by variable.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../src/cli/local-aws.js';
import { windowTableDefinition } from '../../src/sinks/dynamodb.js';
import { runBundle } from '../helpers/bundle.js';
import { closeAll, dynamoClient, type LocalServer, startDynalite } from '../helpers/local-aws.js';
import { startWafv2, type Wafv2Server } from '../helpers/wafv2-server.js';

const BUNDLE = new URL('../../dist/respond-lambda/index.mjs', import.meta.url);
const TABLE = 'cf-windows';

let dynalite: LocalServer;
let waf: Wafv2Server;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  [dynalite, waf] = await Promise.all([startDynalite(), startWafv2()]);
  dynamodb = dynamoClient(dynalite.endpoint);
  await dynamodb.send(new CreateTableCommand(windowTableDefinition(TABLE)));
});

afterAll(async () => {
  dynamodb?.destroy();
  await closeAll(dynalite, waf);
});

/** Imports the bundle in a fresh process and calls its handler with `event`. */
function runResponder(env: Record<string, string>, event: unknown) {
  return runBundle(
    BUNDLE,
    {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_ENDPOINT_URL_WAFV2: waf.endpoint,
      ...env,
    },
    event,
  );
}

const finding = (cidr: string) => ({
  version: '0',
  'detail-type': 'CloudFront Traffic Finding',
  source: 'cloudfront-realtime-logs',
  detail: {
    version: 1,
    id: 'f'.repeat(32),
    kind: 'client-flood',
    severity: 'critical',
    window: { start: '2026-06-01T11:59:00.000Z', end: '2026-06-01T12:00:00.000Z' },
    subject: { type: 'client', value: cidr.split('/')[0], cidr },
    measure: { name: 'requestsPerMinute', value: 9_000, threshold: 6_000 },
    summary: 'Client flood.',
  },
});

describe('the responder bundle', () => {
  it("loads with the template's environment and blocks a finding's CIDR", async () => {
    const v4 = waf.create({ name: 'bundle-v4', version: 'IPV4', addresses: ['192.0.2.0/24'] });
    const v6 = waf.create({ name: 'bundle-v6', version: 'IPV6' });
    const run = await runResponder(
      {
        CFRT_TABLE_NAME: TABLE,
        CFRT_WAF_IPV4_SET_ARN: v4.arn,
        CFRT_WAF_IPV6_SET_ARN: v6.arn,
        CFRT_WAF_BLOCK_SECONDS: '3600',
        CFRT_WAF_MAX_ADDRESSES: '1000',
        CFRT_WAF_DRY_RUN: 'false',
      },
      finding('203.0.113.0/24'),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(v4.addresses).toEqual(['192.0.2.0/24', '203.0.113.0/24']);
    const lines = run.stdout.split('\n').filter((l) => l !== '');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      action: 'block',
      cidr: '203.0.113.0/24',
      findingId: 'f'.repeat(32),
      ipSet: 'bundle-v4',
      dryRun: false,
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({ message: 'waf responder summary', event: 'finding' });
    expect(run.result).toMatchObject({ event: 'finding', dryRun: false });
  }, 40_000);

  it('is a dry run unless told otherwise', async () => {
    const v4 = waf.create({ name: 'bundle-dry-v4', version: 'IPV4' });
    const run = await runResponder(
      { CFRT_TABLE_NAME: TABLE, CFRT_WAF_IPV4_SET_ARN: v4.arn },
      finding('203.0.113.0/24'),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(v4.addresses).toEqual([]);
    expect(JSON.parse(run.stdout.split('\n')[0]!)).toMatchObject({ action: 'block', dryRun: true });
  }, 40_000);

  it('refuses a bad environment at cold start, every problem named by variable', async () => {
    const run = await runResponder(
      {
        CFRT_TABLE_NAME: TABLE,
        CFRT_WAF_IPV4_SET_ARN: 'arn:aws:wafv2:eu-west-1:123456789012:global/ipset/x/0f',
        CFRT_WAF_BLOCK_SECONDS: '30',
        CFRT_WAF_DRYRUN: 'false',
      },
      finding('203.0.113.0/24'),
    );
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    // Minified, the class prints as `tt [ResponderConfigError]`.
    expect(run.stderr).toMatch(/ResponderConfigError\]?: Invalid WAF responder configuration:/);
    expect(run.stderr).toContain('- CFRT_WAF_DRYRUN: is not a setting; did you mean CFRT_WAF_DRY_RUN?');
    expect(run.stderr).toContain(
      '- CFRT_WAF_IPV4_SET_ARN: names a global (CLOUDFRONT) IP set outside us-east-1, where every CLOUDFRONT-scope IP set lives',
    );
    expect(run.stderr).toContain(
      '- CFRT_WAF_BLOCK_SECONDS: must be a whole number of seconds from 60 to 604800 (a week); got 30',
    );
  }, 40_000);
});
