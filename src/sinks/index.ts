/**
 * Sinks: the contract, the in-memory and fan-out sinks, retry helpers, the metric model, and the
 * schema and archive layout of the records the Kinesis sink writes.
 * The AWS sinks live behind their own subpaths (`/sinks/cloudwatch`, `/sinks/emf`,
 * `/sinks/dynamodb`, `/sinks/kinesis`) so importing this one never loads an AWS SDK.
 */
export {
  ARCHIVE_ERROR_PREFIX,
  ARCHIVE_FILE_EXTENSION,
  ARCHIVE_PARTITION_QUERY,
  ARCHIVE_PREFIX,
  type ArchiveLayoutOptions,
  type ArchiveObject,
  archivePartition,
  layOutArchive,
  PARTITIONING_FAILED,
} from './archive-layout.js';
export { SinkConfigError } from './errors.js';
export { createFanOutSink, type FanOutSink } from './fan-out.js';
export { createMemorySink, type MemorySink, type MemorySinkOptions } from './memory.js';
export {
  cellMetrics,
  dimensionLimitProblems,
  type LatencyDistribution,
  MAX_DISTRIBUTION_VALUES,
  METRIC_NAMES,
  type MetricName,
  type MetricOptions,
  type MetricPoint,
  type MetricSet,
  type MetricSink,
  type MetricUnit,
  mergedBucketError,
  metricsForFields,
  sketchDistribution,
} from './metrics.js';
export {
  DERIVED_KEY_TYPES,
  type GlueColumn,
  glueColumns,
  glueName,
  glueType,
  jsonSerdeParameters,
  KEYWORD_IGNORE_ABOVE,
  KIND_TYPES,
  type OpenSearchMapping,
  openSearchIndexTemplate,
  type RecordKey,
  recordKeys,
  SEARCH_INDEX_PATTERN,
  typeProblems,
  type ValueType,
} from './record-schema.js';
export {
  backoffDelay,
  DEFAULT_BASE_DELAY_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_DELAY_MS,
  errorText,
  isRetryableError,
  type RetryBudget,
  type RetryOutcome,
  type RetryPolicy,
  type RoundFailure,
  retryPending,
  sleep,
} from './retry.js';
export { DEFAULT_TTL_DAYS, MAX_TTL_DAYS } from './ttl.js';
export type { Sink, SinkFailure, SinkResult, WriteOptions } from './types.js';
