/**
 * The built-in sinks' plain options, declared once: range, default and message. The sinks check
 * their options with these; the handler composes them with environment names (`CFRT_TABLE_NAME`,
 * `CFRT_METRICS_NAMESPACE`, ...) instead of restating them. A small module of its own so that
 * reading a configuration never loads a sink.
 */
import * as z from 'zod/mini';
import { numberFrom, type OptionShape } from '../model/options.js';
import {
  CLOUDWATCH_MAX_NAMESPACE_LENGTH,
  DYNAMODB_TABLE_NAME_PATTERN,
  EVENTBRIDGE_BUS_ARN_PATTERN,
  EVENTBRIDGE_BUS_NAME_PATTERN,
  EVENTBRIDGE_MAX_DETAIL_TYPE_LENGTH,
  EVENTBRIDGE_MAX_RESOURCE_LENGTH,
  EVENTBRIDGE_MAX_SOURCE_LENGTH,
  KINESIS_MAX_PARTITION_KEY_LENGTH,
  KINESIS_STREAM_NAME_PATTERN,
} from './aws-limits.js';
import { DEFAULT_NAMESPACE } from './cloudwatch-constants.js';
import { DEFAULT_TTL_DAYS, MAX_TTL_DAYS } from './ttl.js';

const NAMESPACE = `must be 1-${CLOUDWATCH_MAX_NAMESPACE_LENGTH} printable ASCII characters, not starting with "AWS/" (reserved for AWS services)`;

/** The metric sinks' (CloudWatch, EMF) namespace and storage resolution. */
export const METRIC_SINK_OPTIONS = {
  namespace: z._default(
    z.string({ error: NAMESPACE }).check(
      z.regex(new RegExp(`^[\\x20-\\x7e]{1,${CLOUDWATCH_MAX_NAMESPACE_LENGTH}}$`), NAMESPACE),
      z.refine((s) => !s.startsWith('AWS/'), NAMESPACE),
    ),
    DEFAULT_NAMESPACE,
  ),
  storageResolution: z._default(
    z.union([z.literal(1), z.literal(60)], { error: 'must be 1 (high resolution, per second) or 60' }),
    60,
  ),
} as const satisfies OptionShape;

/** The DynamoDB state sink's table and item lifetime. */
export const DYNAMODB_SINK_OPTIONS = {
  tableName: z
    .string({ error: 'must be a DynamoDB table name' })
    .check(z.regex(DYNAMODB_TABLE_NAME_PATTERN, 'must be a DynamoDB table name: 3-255 of A-Z a-z 0-9 _ . -')),
  ttlDays: z._default(
    numberFrom(0, MAX_TTL_DAYS, `must be a number of days from 0 (keep forever) to ${MAX_TTL_DAYS}`),
    DEFAULT_TTL_DAYS,
  ),
} as const satisfies OptionShape;

/** The Kinesis sink's stream and partition key (a field name when given as text). */
export const KINESIS_SINK_OPTIONS = {
  streamName: z
    .string({ error: 'must be a Kinesis stream name' })
    .check(z.regex(KINESIS_STREAM_NAME_PATTERN, 'must be a Kinesis stream name: 1-128 of A-Z a-z 0-9 _ . -')),
  partitionKey: z._default(
    z
      .string({ error: 'must name a field' })
      .check(
        z.minLength(1, 'must name a field'),
        z.maxLength(
          KINESIS_MAX_PARTITION_KEY_LENGTH,
          `must be at most ${KINESIS_MAX_PARTITION_KEY_LENGTH} characters`,
        ),
      ),
    'x-edge-request-id',
  ),
} as const satisfies OptionShape;

const EVENT_BUS = 'must be an event bus name (1-256 of A-Z a-z 0-9 / . - _) or an event bus ARN';
const EVENT_SOURCE = `must be 1-${EVENTBRIDGE_MAX_SOURCE_LENGTH} characters starting with one of A-Z a-z 0-9 / . - _, not with "aws." (reserved for AWS services)`;
const DETAIL_TYPE = `must be 1-${EVENTBRIDGE_MAX_DETAIL_TYPE_LENGTH} characters`;
const RESOURCE = `must be an ARN (arn:partition:service:...) of at most ${EVENTBRIDGE_MAX_RESOURCE_LENGTH} characters`;

/** The EventBridge findings sink's bus, source, detail type and resources. */
export const EVENTBRIDGE_SINK_OPTIONS = {
  eventBusName: z._default(
    z
      .string({ error: EVENT_BUS })
      .check(
        z.regex(
          new RegExp(`${EVENTBRIDGE_BUS_NAME_PATTERN.source}|${EVENTBRIDGE_BUS_ARN_PATTERN.source}`),
          EVENT_BUS,
        ),
      ),
    'default',
  ),
  source: z._default(
    z
      .string({ error: EVENT_SOURCE })
      // One pattern, so one message (with the value given) however many ways a source misses.
      .check(
        z.regex(
          new RegExp(`^(?!aws\\.)[/.\\-_A-Za-z0-9][\\s\\S]{0,${EVENTBRIDGE_MAX_SOURCE_LENGTH - 1}}$`),
          EVENT_SOURCE,
        ),
      ),
    'cloudfront-realtime-logs',
  ),
  detailType: z._default(
    z
      .string({ error: DETAIL_TYPE })
      .check(z.minLength(1, DETAIL_TYPE), z.maxLength(EVENTBRIDGE_MAX_DETAIL_TYPE_LENGTH, DETAIL_TYPE)),
    'CloudFront Traffic Finding',
  ),
  resources: z._default(
    z.array(
      z
        .string({ error: RESOURCE })
        .check(
          z.regex(/^arn:[^:]+:[^:]+:/, RESOURCE),
          z.maxLength(EVENTBRIDGE_MAX_RESOURCE_LENGTH, RESOURCE),
        ),
      { error: 'must be a list of ARNs' },
    ),
    [],
  ),
} as const satisfies OptionShape;
