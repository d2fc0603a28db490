/**
 * Every AWS service limit the sinks and `cfrt replay` obey, in one place. The sinks check them
 * before sending: what a service would refuse on every attempt fails for good instead of being
 * retried. No imports, so any module (EMF included) can read them without loading an SDK.
 */

// Kinesis Data Streams

/** PutRecords: at most 500 records per call (Kinesis API reference, PutRecords). */
export const KINESIS_MAX_RECORDS_PER_PUT = 500;
/** PutRecords: at most 5 MiB per call, data and partition keys (Kinesis API reference, PutRecords). */
export const KINESIS_MAX_PUT_BYTES = 5 * 1024 * 1024;
/** One record: data and partition key at most 1 MiB (Kinesis Data Streams quotas). */
export const KINESIS_MAX_RECORD_BYTES = 1024 * 1024;
/** Partition keys are 1-256 Unicode characters (Kinesis API reference, PutRecordsRequestEntry). */
export const KINESIS_MAX_PARTITION_KEY_LENGTH = 256;
/** Stream names are 1-128 characters of A-Z a-z 0-9 _ . - (Kinesis CreateStream). */
export const KINESIS_STREAM_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

// CloudWatch PutMetricData

/** At most 1,000 MetricDatum per call (CloudWatch API reference, PutMetricData). */
export const CLOUDWATCH_MAX_DATUMS_PER_CALL = 1_000;
/** At most 1 MB per request; the sink keeps under it by the uncompressed JSON size (PutMetricData). */
export const CLOUDWATCH_MAX_CALL_BYTES = 1_000_000;
/** A MetricDatum's `Values` and `Counts` hold at most 150 entries (CloudWatch API reference, MetricDatum). */
export const CLOUDWATCH_MAX_VALUES_PER_DATUM = 150;
/** At most 30 dimensions per metric (CloudWatch quotas). */
export const CLOUDWATCH_MAX_DIMENSIONS = 30;
/** Dimension values are 1 to 1,024 characters (CloudWatch API reference, Dimension). */
export const CLOUDWATCH_MAX_DIMENSION_VALUE_LENGTH = 1_024;
/** Dimension names are 1 to 255 characters (CloudWatch API reference, Dimension). */
export const CLOUDWATCH_MAX_DIMENSION_NAME_LENGTH = 255;
/** Namespaces are 1 to 255 characters (CloudWatch API reference, PutMetricData). */
export const CLOUDWATCH_MAX_NAMESPACE_LENGTH = 255;
/** Data points older than two weeks are rejected (CloudWatch API reference, PutMetricData). */
export const CLOUDWATCH_MAX_AGE_MS = 14 * 86_400_000;

// CloudWatch embedded metric format

/** At most 100 metrics per MetricDirective (EMF specification). */
export const EMF_MAX_METRICS_PER_DIRECTIVE = 100;
/** At most 100 values in one metric's array (EMF specification). */
export const EMF_MAX_VALUES_PER_METRIC = 100;
/** At most 30 keys per dimension set (EMF specification). */
export const EMF_MAX_DIMENSION_KEYS = 30;

// DynamoDB

/** Table names are 3-255 characters of A-Z a-z 0-9 _ . - (DynamoDB naming rules). */
export const DYNAMODB_TABLE_NAME_PATTERN = /^[A-Za-z0-9_.-]{3,255}$/;
/** BatchWriteItem: at most 25 put or delete requests per call (DynamoDB API reference). */
export const DYNAMODB_MAX_BATCH_WRITE_ITEMS = 25;
/** BatchWriteItem: at most 16 MB per call (DynamoDB API reference). */
export const DYNAMODB_MAX_BATCH_WRITE_BYTES = 16 * 1024 * 1024;
/** An item is at most 400 KB, attribute names and values (DynamoDB quotas). */
export const DYNAMODB_MAX_ITEM_BYTES = 400 * 1024;
/** A partition key value is at most 2,048 bytes of UTF-8 (DynamoDB quotas). */
export const DYNAMODB_MAX_PARTITION_KEY_BYTES = 2_048;
/** A sort key value is at most 1,024 bytes of UTF-8 (DynamoDB quotas). */
export const DYNAMODB_MAX_SORT_KEY_BYTES = 1_024;

// AWS WAF (WAFv2)

/**
 * An IP set holds at most 10,000 addresses or ranges (AWS WAF Developer Guide, "IP set match rule
 * statement"; WAF answers WAFLimitsExceededException past it).
 */
export const WAF_MAX_ADDRESSES_PER_IP_SET = 10_000;
/** IP set names are 1-128 characters of A-Z a-z 0-9 _ - (WAFv2 API reference, IPSet.Name). */
export const WAF_NAME_PATTERN = /^[\w-]{1,128}$/;
/** IP set ids are 1-36 characters of a-z 0-9 - (WAFv2 API reference, IPSet.Id). */
export const WAF_ID_PATTERN = /^[0-9a-f-]{1,36}$/;
/**
 * A CLOUDFRONT-scope (global) WAF resource is managed through us-east-1 only (WAFv2 API reference,
 * Scope: "for all calls, use the Region endpoint us-east-1").
 */
export const WAF_CLOUDFRONT_REGION = 'us-east-1';

// Amazon EventBridge PutEvents

/** At most 10 entries per PutEvents call (EventBridge API reference, PutEvents: `Entries`, 1-10 items). */
export const EVENTBRIDGE_MAX_ENTRIES_PER_PUT = 10;
/**
 * The entries of one PutEvents call, as EventBridge sizes them, total less than 256 KB (EventBridge
 * User Guide, "Calculating Amazon EventBridge PutEvents event entry size"; API reference, PutEvents).
 * "Less than": 256 KiB minus one byte is the largest total sent. Since January 2026 AWS documents
 * 1 MB in some places; 256 KB is what every partition and older account accepts.
 */
export const EVENTBRIDGE_MAX_PUT_BYTES = 256 * 1024 - 1;
/** An entry's `Time` counts 14 bytes, whatever its value (same page as `EVENTBRIDGE_MAX_PUT_BYTES`). */
export const EVENTBRIDGE_TIME_ENTRY_BYTES = 14;
/** `DetailType` is 1 to 128 characters (EventBridge API reference, PutEventsRequestEntry). */
export const EVENTBRIDGE_MAX_DETAIL_TYPE_LENGTH = 128;
/**
 * `Source` is 1 to 256 characters, starting with one of `/ . - _ A-Z a-z 0-9`, never with `aws.`
 * (reserved for AWS services) (EventBridge API reference, PutEventsRequestEntry, and the pattern
 * EventBridge Scheduler's EventBridgeParameters documents for the same field).
 */
export const EVENTBRIDGE_MAX_SOURCE_LENGTH = 256;
/** An event bus name: 1 to 256 of `/ . - _ A-Z a-z 0-9` (EventBridge API reference, CreateEventBus `Name`). */
export const EVENTBRIDGE_BUS_NAME_PATTERN = /^[/.\-_A-Za-z0-9]{1,256}$/;
/** An event bus ARN, which `EventBusName` also takes (EventBridge API reference, PutEventsRequestEntry). */
export const EVENTBRIDGE_BUS_ARN_PATTERN =
  /^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[/.\-_A-Za-z0-9]{1,256}$/;
/** A resource ARN of an entry is at most 2,048 characters (EventBridge API reference, PutPartnerEventsRequestEntry `Resources`). */
export const EVENTBRIDGE_MAX_RESOURCE_LENGTH = 2_048;
/** EventBridge processes `Detail` JSON nested at most 1,000 levels deep (EventBridge API reference, PutEvents). */
export const EVENTBRIDGE_MAX_DETAIL_DEPTH = 1_000;
