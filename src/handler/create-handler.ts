/**
 * The Lambda handler for Kinesis events of CloudFront real-time logs: a thin adapter over named
 * stages, each tested alone. Wiring (./wiring.ts) checks the configuration and builds the sinks;
 * ingest (./ingest.ts) turns the records into cells, records and quarantined lines; delivery
 * (./delivery.ts) writes state, then records, then metrics and answers where Lambda must retry
 * from; the invocation log (./invocation-log.ts) is one JSON line of counts.
 */
import { plausibleTimeRange } from '../aggregate/index.js';
import { unknownOptionIssues } from '../model/options.js';
import type { StateWriteOptions } from '../sinks/dynamodb.js';
import {
  HANDLER_SETTINGS,
  HandlerConfigError,
  type HandlerSettings,
  type ResolvedSettings,
  resolveSettings,
} from './config.js';
import { deliver, type SinkReport } from './delivery.js';
import { emptyCounts, type IngestCounts, ingest } from './ingest.js';
import { arrivalRange, invocationLog } from './invocation-log.js';
import {
  checkKinesisEvent,
  type KinesisBatchResponse,
  type KinesisStreamEvent,
  type LambdaContext,
  retrySequenceNumber,
  shardIdOf,
} from './kinesis-event.js';
import { clientIssues, type HandlerConfig, wire } from './wiring.js';

export type { SinkReport } from './delivery.js';
export type { InvocationLog } from './invocation-log.js';
export type { HandlerClients, HandlerConfig, SdkClient } from './wiring.js';

/** A Lambda handler for Kinesis events, with its resolved settings. */
export interface RealtimeLogHandler {
  (event: KinesisStreamEvent, context?: LambdaContext): Promise<KinesisBatchResponse>;
  readonly settings: ResolvedSettings;
  /** Resolves when the sinks are built (their SDK modules loaded); rejects with why they cannot be. */
  readonly ready: Promise<void>;
}

/** Every key of `HandlerConfig`: the settings and the code-only wiring. */
const CONFIG_KEYS: readonly string[] = [
  ...Object.keys(HANDLER_SETTINGS),
  ...([
    'clients',
    'metricSinks',
    'stateSinks',
    'recordSinks',
    'quarantineSink',
    'enricher',
    'aggregator',
    'retry',
    'safetyMarginMs',
    'log',
    'emfOutput',
    'now',
  ] satisfies (keyof HandlerConfig)[]),
];

/** Largest default safety margin kept from the remaining time. */
export const MAX_SAFETY_MARGIN_MS = 2_000;
/** Remaining time assumed when no Lambda context is given (local runs). */
export const DEFAULT_BUDGET_MS = 60_000;

/**
 * Builds a Lambda handler for Kinesis events carrying CloudFront real-time log records.
 * Settings are validated here, once (`HandlerConfigError` names what to change); the sinks'
 * modules load in the background (`handler.ready`).
 *
 * @example
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * export const handler = createHandler({
 *   fields: 'timestamp,c-ip,sc-status,sc-bytes,cs-uri-stem,x-edge-location,x-edge-result-type,time-taken',
 *   dimensions: [[], ['country']],
 *   sinks: ['emf', 'dynamodb'],
 *   tableName: 'cf-windows',
 *   clients: { dynamodb: new DynamoDBClient({}) },
 * });
 */
export function createHandler(config: HandlerConfig): RealtimeLogHandler {
  // A misspelt option would silently leave its setting at the default: every key is known.
  const unknown = unknownOptionIssues(config, CONFIG_KEYS);
  let settings: ResolvedSettings;
  try {
    settings = resolveSettings(config, 'code');
  } catch (error) {
    if (!(error instanceof HandlerConfigError)) throw error;
    // List the missing clients too: every problem at once.
    const sinks = Array.isArray(config.sinks) ? config.sinks : ['emf'];
    const more = [...unknown, ...clientIssues(sinks, config.quarantine ?? 'log', config)];
    throw more.length === 0 ? error : new HandlerConfigError([...more, ...error.issues]);
  }
  if (unknown.length > 0) throw new HandlerConfigError(unknown);
  return createHandlerFromSettings(settings, config);
}

/**
 * As `createHandler`, for settings already resolved (from `settingsFromEnv`), plus code wiring.
 *
 * @example
 * const handler = createHandlerFromSettings(settingsFromEnv(process.env), { clients });
 */
export function createHandlerFromSettings(
  settings: ResolvedSettings,
  config: Omit<HandlerConfig, keyof HandlerSettings> = {},
): RealtimeLogHandler {
  const wired = wire(settings, config);
  // Keep an unhandled rejection from crashing the process before the first invocation awaits it.
  wired.catch(() => {});
  const now = config.now ?? Date.now;
  const log = config.log ?? ((line: string) => void process.stdout.write(`${line}\n`));

  async function handler(event: KinesisStreamEvent, context?: LambdaContext): Promise<KinesisBatchResponse> {
    const started = now();
    const { sinks, ingest: stages } = await wired;
    // Not a Kinesis event at all: KinesisEventError (see docs/handler.md); a bad record is quarantined.
    const records = checkKinesisEvent(event);
    const n = records.length;
    // Local runs (tests, `cfrt`) may pass no context, or a partial one.
    const remaining =
      typeof context?.getRemainingTimeInMillis === 'function'
        ? context.getRemainingTimeInMillis()
        : DEFAULT_BUDGET_MS;
    const margin = config.safetyMarginMs ?? Math.min(MAX_SAFETY_MARGIN_MS, remaining * 0.1);
    const deadline = started + remaining - margin;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - now()));
    const shardId = n > 0 ? shardIdOf(records[0]!) : null;
    const arrivals = arrivalRange(records);
    // A line stamped after this function's clock (plus skew) is quarantined, never a window. The
    // newest arrival stands in for a clock behind Kinesis's (no line is written after it arrives).
    const reference = Math.max(started, Number.isFinite(arrivals.newest) ? arrivals.newest * 1_000 : started);
    const invocation = {
      ...stages,
      aggregator: { ...stages.aggregator, timeRange: plausibleTimeRange(reference) },
    };
    let retryFrom = n;
    let reports: SinkReport[] = [];
    let counts: IngestCounts = emptyCounts();
    let windows = 0;
    let cellOverflow = 0;
    try {
      if (n > 0) {
        const batch = ingest(invocation, records, {
          records: sinks.records.length > 0,
          quarantine: sinks.quarantine !== null,
          quarantineKeep: sinks.quarantine?.keepsAtMost,
          shardId: shardId!,
          // Only without a state sink may delivery publish the metrics of a prefix (see delivery).
          prefixes: sinks.state.length === 0,
        });
        ({ counts, cellOverflow } = batch);
        windows = batch.cells.length;
        const identity = { shardId: shardId!, firstSequenceNumber: records[0]!.kinesis.sequenceNumber };
        const options: StateWriteOptions = {
          deadline,
          signal: abort.signal,
          batch: identity,
          stateSource: (cell) => ({
            shardId: identity.shardId,
            firstSequenceNumber: batch.firstSequenceByWindow.get(cell.start) ?? identity.firstSequenceNumber,
          }),
        };
        ({ retryFrom, reports } = await deliver(sinks, { ...batch, size: n }, options));
      }
    } finally {
      clearTimeout(timer);
    }
    const entry = invocationLog({
      requestId: context?.awsRequestId ?? null,
      shardId,
      records: n,
      counts,
      windows,
      cellOverflow,
      reports,
      retryFrom,
      started,
      ended: now(),
      oldestArrival: arrivals.oldest,
    });
    log(JSON.stringify(entry));
    return {
      batchItemFailures: retryFrom < n ? [{ itemIdentifier: retrySequenceNumber(records, retryFrom) }] : [],
    };
  }

  return Object.assign(handler, { settings, ready: wired.then(() => undefined) });
}
