/**
 * Cold start of the SAM app's function: importing dist/lambda/index.mjs (built by `npm run build`)
 * in a fresh process, as Lambda's runtime does at init. Targets (issue 12): bundle <= 150 KB,
 * import <= 25 ms median. The SAM default configuration writes EMF and DynamoDB, so it also loads
 * `@aws-sdk/client-dynamodb` (from the runtime in Lambda, from node_modules here); `lambda-emf`
 * is the bundle's own cost. `--enable-source-maps` was the SAM app's default until it was measured
 * here.
 */
import { fileURLToPath } from 'node:url';
import type { ColdStartCase } from '../types.js';
import { samNodeOptions } from './handler-records-lambda.js';

const bundle = fileURLToPath(new URL('../../dist/lambda/index.mjs', import.meta.url));

/** The SAM template's defaults (Fields = RECOMMENDED_FIELDS, Dimensions none, Geo country). */
const SAM_DEFAULTS = {
  CFRT_FIELDS:
    'timestamp,c-ip,time-to-first-byte,sc-status,sc-bytes,cs-method,cs-protocol,cs-host,cs-uri-stem,cs-bytes,x-edge-location,x-edge-request-id,x-host-header,time-taken,cs-protocol-version,c-ip-version,cs-user-agent,cs-referer,x-edge-response-result-type,x-forwarded-for,ssl-protocol,x-edge-detailed-result-type,sc-content-type,x-edge-result-type,c-country,cs-accept-encoding,cs-accept,cache-behavior-path-pattern,asn',
  CFRT_FIELD_ORDER: 'canonical',
  CFRT_GEO: 'country',
  CFRT_USER_AGENT: 'true',
  CFRT_CLIENT_IP: 'truncate',
  CFRT_QUARANTINE: 'log',
  AWS_REGION: 'us-east-1',
};

const BUNDLE_BUDGET_BYTES = 150 * 1024;
const TARGET_MS = 25;

export const coldStarts: ColdStartCase[] = [
  {
    name: 'lambda-emf',
    description: 'dist/lambda/index.mjs, SAM defaults with the EMF sink only: the bundle alone',
    module: bundle,
    env: { ...SAM_DEFAULTS, CFRT_SINKS: 'emf' },
    budgetBytes: BUNDLE_BUDGET_BYTES,
    targetMs: TARGET_MS,
  },
  {
    name: 'lambda-emf-source-maps',
    description: 'the same with --enable-source-maps (NODE_OPTIONS in the SAM app before)',
    module: bundle,
    env: { ...SAM_DEFAULTS, CFRT_SINKS: 'emf' },
    nodeArgs: ['--enable-source-maps'],
  },
  {
    name: 'lambda-sam-default',
    description: 'SAM defaults: EMF and DynamoDB sinks, so @aws-sdk/client-dynamodb loads too',
    module: bundle,
    // The SAM app reads the client key from Secrets Manager (CFRT_HMAC_KEY_SECRET); a bench has no
    // AWS, so the same key comes in plain text: the handler and the DynamoDB client load alike.
    env: {
      ...SAM_DEFAULTS,
      CFRT_SINKS: 'emf,dynamodb',
      CFRT_TABLE_NAME: 'cfrt-windows',
      CFRT_HMAC_KEY: 'bench-client-key-0123456789abcdef',
    },
  },
  {
    name: 'lambda-sam-processed-stream',
    description:
      'SAM defaults with the processed stream (a Kinesis record sink) and the NODE_OPTIONS the template sets for it',
    module: bundle,
    env: {
      ...SAM_DEFAULTS,
      CFRT_SINKS: 'emf,dynamodb,kinesis',
      CFRT_TABLE_NAME: 'cfrt-windows',
      CFRT_PROCESSED_STREAM_NAME: 'cfrt-processed',
      CFRT_PARTITION_KEY: 'x-edge-request-id',
      CFRT_HMAC_KEY: 'bench-client-key-0123456789abcdef',
    },
    nodeArgs: samNodeOptions(),
  },
];
