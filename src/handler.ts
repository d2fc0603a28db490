/**
 * `cloudfront-realtime-logs/handler`: the Lambda handler for Kinesis events of CloudFront
 * real-time logs, configured in code or from `CFRT_*` environment variables.
 */
export {
  ENV_NAMES,
  type EnvReader,
  type EnvSetting,
  enricherOptionsOf,
  HANDLER_ENV,
  HandlerConfigError,
  type HandlerSettings,
  MIN_HMAC_KEY_LENGTH,
  type QuarantineKind,
  type ResolvedSettings,
  resolveSettings,
  SINK_KINDS,
  type SinkKind,
  settingsFromEnv,
} from './handler/config.js';
export {
  createHandler,
  createHandlerFromSettings,
  DEFAULT_BUDGET_MS,
  type HandlerClients,
  type HandlerConfig,
  type InvocationLog,
  MAX_SAFETY_MARGIN_MS,
  type RealtimeLogHandler,
  type SdkClient,
  type SinkReport,
} from './handler/create-handler.js';
export {
  type BatchItemFailure,
  type CheckedRecord,
  checkKinesisEvent,
  type KinesisBatchResponse,
  KinesisEventError,
  type KinesisStreamEvent,
  type KinesisStreamRecord,
  type LambdaContext,
  shardIdOf,
} from './handler/kinesis-event.js';
export {
  createLogQuarantine,
  MAX_QUARANTINE_LOG_LINE_BYTES,
  MAX_QUARANTINE_LOG_LINES,
  omittedLine,
  type QuarantinedLine,
  type QuarantineSink,
} from './handler/quarantine.js';
