/**
 * The WAF responder's Lambda (deployed by the SAM app only when asked, dry-run by default): the
 * settings read from `CFRT_TABLE_NAME` and `CFRT_WAF_*` once, at cold start, where a bad one is
 * refused with every problem in the log rather than on every event; clients made once per
 * container, the WAFv2 one in the IP sets' region (us-east-1 for CLOUDFRONT scope). The AWS SDK v3
 * is the runtime's (not bundled). See docs/response.md.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { WAFV2Client } from '@aws-sdk/client-wafv2';
import { responderSettingsFromEnv } from './respond/options.js';
import { createResponder, type ResponderSummary } from './respond/responder.js';

const settings = responderSettingsFromEnv(process.env);

const responder = createResponder({
  // The responder backs off and retries itself (stale LockTokens need a re-read, not a resend).
  wafv2: new WAFV2Client({ region: settings.region, maxAttempts: 1 }),
  dynamodb: new DynamoDBClient({}),
  tableName: settings.tableName,
  ipv4SetArn: settings.ipv4Set?.arn,
  ipv6SetArn: settings.ipv6Set?.arn,
  blockSeconds: settings.blockSeconds,
  maxAddresses: settings.maxAddresses,
  dryRun: settings.dryRun,
  findingKinds: settings.findingKinds,
  minPrefixV4: settings.minPrefixV4,
  minPrefixV6: settings.minPrefixV6,
});

/** What of the Lambda context the responder reads. */
interface LambdaContext {
  getRemainingTimeInMillis?: () => number;
}

/** Keeps this much of the invocation's time for the summary line and the return. */
const DEADLINE_MARGIN_MS = 2_000;

/**
 * One EventBridge event: a finding, or the schedule's sweep. Throws (so Lambda retries the event)
 * when an IP set could not be brought in step; a bad event is logged and ignored.
 */
export const handler = async (event: unknown, context?: LambdaContext): Promise<ResponderSummary> => {
  const remaining = context?.getRemainingTimeInMillis?.();
  return responder.handle(
    event,
    remaining === undefined ? {} : { deadline: Date.now() + remaining - DEADLINE_MARGIN_MS },
  );
};
