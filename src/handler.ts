/**
 * `cloudfront-realtime-logs/handler`: the Lambda handler for Kinesis events of CloudFront
 * real-time logs, configured in code or from `CFRT_*` environment variables.
 */
export {
  ENV_NAMES,
  enricherOptionsOf,
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
  type SdkClient,
  type HandlerConfig,
  type InvocationLog,
  MAX_SAFETY_MARGIN_MS,
  type RealtimeLogHandler,
  type SinkReport,
} from './handler/create-handler.js';
export {
  type BatchItemFailure,
  type KinesisBatchResponse,
  type KinesisStreamEvent,
  type KinesisStreamRecord,
  type LambdaContext,
  shardIdOf,
} from './handler/kinesis-event.js';
export { createLogQuarantine, type QuarantinedLine } from './handler/quarantine.js';
