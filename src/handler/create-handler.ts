/**
 * The Lambda handler for Kinesis events of CloudFront real-time logs. Per record: base64 ->
 * line(s) -> parse -> derive -> aggregate (-> protect -> record sinks). After the batch: state
 * sinks (cells), then record and quarantine sinks, then metric sinks. Failures map to
 * `batchItemFailures` so Lambda retries from the first record whose output did not land.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type AddOutcome,
  type Aggregator,
  type AggregatorOptions,
  createAggregator,
  createLineAggregator,
  implausibleTime,
  MAX_STORABLE_TOP_K,
  plausibleTimeRange,
  type WindowCell,
} from '../aggregate/index.js';
import { createEnricher, type Enricher, type EnricherOptions } from '../enrich/index.js';
import { timestampAt } from '../parser/decode.js';
import { MAX_LINE_BYTES, tooLongReason } from '../parser/line-limit.js';
import { createParser, type ParseFailure, type Parser } from '../parser/parser.js';
import type { StateWriteOptions } from '../sinks/dynamodb.js';
import { dimensionLimitProblems, type MetricSink, metricsForFields } from '../sinks/metrics.js';
import type { RetryPolicy } from '../sinks/retry.js';
import type { Sink, SinkResult, WriteOptions } from '../sinks/types.js';
import {
  enricherOptionsOf,
  HandlerConfigError,
  type HandlerSettings,
  type ResolvedSettings,
  resolveSettings,
} from './config.js';
import {
  type CheckedRecord,
  checkKinesisEvent,
  type KinesisBatchResponse,
  type KinesisStreamEvent,
  type KinesisStreamRecord,
  type LambdaContext,
  recordText,
  retrySequenceNumber,
  shardIdOf,
} from './kinesis-event.js';
import { createLogQuarantine, type QuarantinedLine } from './quarantine.js';
import { fetchSecretKey } from './secret-key.js';

/**
 * What the handler needs of an AWS SDK v3 client: its `send`. Typed by shape, not by the SDK's
 * classes, so the handler's declarations never import an optional peer: a consumer who uses only
 * the EMF sink compiles without any `@aws-sdk/*` package installed (Powertools types its injected
 * clients by shape too, `SdkClient` in `@aws-lambda-powertools/commons`). Any `CloudWatchClient`,
 * `DynamoDBClient` or `KinesisClient` fits; the sink checks what it sends.
 */
export interface SdkClient {
  // Method syntax on purpose: parameters compare bivariantly, so a client whose `send` takes one
  // service's commands (and has callback overloads) fits this one shape.
  send(command: object, options?: object): Promise<unknown>;
}

/**
 * SDK v3 clients for the built-in AWS sinks (injected: tests point them at local servers).
 *
 * @example
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * const clients: HandlerClients = { dynamodb: new DynamoDBClient({ maxAttempts: 2 }) };
 */
export interface HandlerClients {
  readonly cloudwatch?: SdkClient;
  readonly dynamodb?: SdkClient;
  readonly kinesis?: SdkClient;
  /** Reads the client-address key at cold start when `hmacKeySecret` (CFRT_HMAC_KEY_SECRET) names one. */
  readonly secretsManager?: SdkClient;
}

/** `createHandler`'s configuration: the settings (also readable from the environment) plus code-only wiring. */
export interface HandlerConfig extends HandlerSettings {
  /** Clients for the sinks named in `sinks`. */
  readonly clients?: HandlerClients;
  /**
   * More metric sinks, beside those named in `sinks`: they get the window cells of the records that
   * landed everywhere (`cellMetrics` turns one into CloudWatch metrics). The fixed `dimensions` of a
   * `MetricSink` (the CloudWatch and EMF sinks) plus the largest dimension set are checked against
   * CloudWatch's 30 dimensions here, at construction.
   */
  readonly metricSinks?: readonly (Sink<WindowCell> | MetricSink)[];
  /** More sinks for window cells (mergeable state), written with the batch identity. */
  readonly stateSinks?: readonly Sink<WindowCell>[];
  /** More sinks for enriched, privacy-protected records. */
  readonly recordSinks?: readonly Sink<Record<string, unknown>>[];
  /** Replaces the quarantine named by `quarantine`. */
  readonly quarantineSink?: Sink<QuarantinedLine>;
  /** Enricher options beyond the settings (redaction lists, cache sizes, a loaded geoip module). */
  readonly enricher?: EnricherOptions;
  /** Aggregator options beyond the settings (cardinality limits, sketch sizes). */
  readonly aggregator?: Omit<
    AggregatorOptions,
    'windowSeconds' | 'dimensions' | 'allowedLatenessSeconds' | 'samplingRate'
  >;
  /** Retry policy of the built-in sinks. */
  readonly retry?: RetryPolicy;
  /**
   * Time kept back from `context.getRemainingTimeInMillis()` for answering Lambda; retries stop
   * before it. Default: 10% of the remaining time, at most 2 s.
   */
  readonly safetyMarginMs?: number;
  /** Where the invocation log line goes; default stdout (one JSON line). */
  readonly log?: (line: string) => void;
  /** Where EMF lines go; default stdout. */
  readonly emfOutput?: (line: string) => void;
  /** Epoch ms now (tests); `Date.now` by default. */
  readonly now?: () => number;
}

/** A Lambda handler for Kinesis events, with its resolved settings. */
export interface RealtimeLogHandler {
  (event: KinesisStreamEvent, context?: LambdaContext): Promise<KinesisBatchResponse>;
  readonly settings: ResolvedSettings;
  /** Resolves when the sinks are built (their SDK modules loaded); rejects with why they cannot be. */
  readonly ready: Promise<void>;
}

/** What one sink did in one invocation (the log line's `sinks` entries). */
export interface SinkReport {
  readonly sink: string;
  readonly kind: 'state' | 'records' | 'quarantine' | 'metrics';
  readonly items: number;
  readonly written: number;
  readonly failed: number;
  readonly dropped: number;
  readonly skipped?: string;
  readonly error?: string;
}

/** The structured log line of one invocation: counts only, never the event or client data. */
export interface InvocationLog {
  readonly level: 'INFO' | 'WARN' | 'ERROR';
  readonly message: string;
  readonly requestId: string | null;
  readonly shardId: string | null;
  readonly records: number;
  readonly lines: number;
  readonly parsed: number;
  readonly malformed: number;
  readonly malformedByField: Record<string, number>;
  readonly late: number;
  readonly untimed: number;
  /** Cells (window x dimension values) the batch made. */
  readonly windows: number;
  /**
   * Records counted in their window's stream-wide cell but not in some dimension cell: the batch
   * held `DEFAULT_MAX_CELLS` dimension cells (its breakdown is incomplete; its totals are not).
   */
  readonly cellOverflow: number;
  readonly sinks: SinkReport[];
  /** Index of the first record reported to Lambda for retry, or null. */
  readonly retryFrom: number | null;
  readonly durationMs: number;
  /** Now minus the oldest `approximateArrivalTimestamp` of the batch (like IteratorAge), ms. */
  readonly iteratorAgeMs: number | null;
}

/** Largest default safety margin kept from the remaining time. */
export const MAX_SAFETY_MARGIN_MS = 2_000;
/** Remaining time assumed when no Lambda context is given (local runs). */
export const DEFAULT_BUDGET_MS = 60_000;

interface Wiring {
  readonly state: readonly Sink<WindowCell>[];
  readonly records: readonly Sink<Record<string, unknown>>[];
  readonly quarantine: Sink<QuarantinedLine> | null;
  readonly metrics: readonly Sink<WindowCell>[];
}

const CLIENT_CLASSES = {
  cloudwatch: 'CloudWatchClient',
  dynamodb: 'DynamoDBClient',
  kinesis: 'KinesisClient',
} as const;

function missingClient(kind: keyof typeof CLIENT_CLASSES, why: string): string {
  return `clients.${kind} is required ${why}: pass an SDK v3 client, e.g. new ${CLIENT_CLASSES[kind]}({ maxAttempts: 2 })`;
}

function clientProblems(
  sinks: readonly string[],
  quarantine: string,
  config: Pick<HandlerConfig, 'clients' | 'quarantineSink'>,
  hmacKeySecret?: string,
): string[] {
  const problems: string[] = [];
  const clients = config.clients ?? {};
  if (hmacKeySecret !== undefined && clients.secretsManager === undefined) {
    problems.push(
      'clients.secretsManager is required with hmacKeySecret (CFRT_HMAC_KEY_SECRET): pass an SDK v3 client, e.g. new SecretsManagerClient({})',
    );
  }
  if (sinks.includes('cloudwatch') && clients.cloudwatch === undefined) {
    problems.push(missingClient('cloudwatch', 'with the cloudwatch sink'));
  }
  if (sinks.includes('dynamodb') && clients.dynamodb === undefined) {
    problems.push(missingClient('dynamodb', 'with the dynamodb sink'));
  }
  if (sinks.includes('kinesis') && clients.kinesis === undefined) {
    problems.push(missingClient('kinesis', 'with the kinesis sink'));
  } else if (
    quarantine === 'kinesis' &&
    config.quarantineSink === undefined &&
    clients.kinesis === undefined
  ) {
    problems.push(missingClient('kinesis', 'with quarantine "kinesis"'));
  }
  return problems;
}

async function buildSinks(s: ResolvedSettings, config: HandlerConfig): Promise<Wiring> {
  const clients = config.clients ?? {};
  const state: Sink<WindowCell>[] = [...(config.stateSinks ?? [])];
  const records: Sink<Record<string, unknown>>[] = [...(config.recordSinks ?? [])];
  const metrics: Sink<WindowCell>[] = [...(config.metricSinks ?? [])];
  // Each AWS sink is imported only when configured, so an unused SDK is never loaded.
  const publishable = metricsForFields(s.fields);
  for (const kind of s.sinks) {
    if (kind === 'emf') {
      const { createEmfSink } = await import('../sinks/emf.js');
      metrics.push(
        createEmfSink({
          metrics: publishable,
          namespace: s.metricsNamespace,
          storageResolution: s.storageResolution,
          samplingRate: s.samplingRate,
          ...(config.emfOutput !== undefined ? { output: config.emfOutput } : {}),
        }),
      );
    } else if (kind === 'cloudwatch') {
      const { createCloudWatchSink } = await import('../sinks/cloudwatch.js');
      metrics.push(
        createCloudWatchSink({
          metrics: publishable,
          client: clients.cloudwatch as Pick<CloudWatchClient, 'send'>,
          namespace: s.metricsNamespace,
          storageResolution: s.storageResolution,
          samplingRate: s.samplingRate,
          ...(config.retry !== undefined ? { retry: config.retry } : {}),
        }),
      );
    } else if (kind === 'dynamodb') {
      const { createDynamoDbSink } = await import('../sinks/dynamodb.js');
      state.push(
        createDynamoDbSink({
          client: clients.dynamodb as Pick<DynamoDBClient, 'send'>,
          tableName: s.tableName!,
          ttlDays: s.ttlDays,
          ...(config.retry !== undefined ? { retry: config.retry } : {}),
        }),
      );
    } else {
      const { createKinesisSink } = await import('../sinks/kinesis.js');
      records.push(
        createKinesisSink<Record<string, unknown>>({
          client: clients.kinesis as Pick<KinesisClient, 'send'>,
          streamName: s.processedStreamName!,
          partitionKey: s.partitionKey,
          ...(config.retry !== undefined ? { retry: config.retry } : {}),
        }),
      );
    }
  }
  let quarantine: Sink<QuarantinedLine> | null = config.quarantineSink ?? null;
  if (quarantine === null && s.quarantine === 'log') quarantine = createLogQuarantine(config.log);
  if (quarantine === null && s.quarantine === 'kinesis') {
    const { createKinesisSink } = await import('../sinks/kinesis.js');
    quarantine = createKinesisSink<QuarantinedLine>({
      client: clients.kinesis as Pick<KinesisClient, 'send'>,
      streamName: s.quarantineStreamName!,
      name: 'quarantine-kinesis',
      partitionKey: (q) => q.sequenceNumber,
      ...(config.retry !== undefined ? { retry: config.retry } : {}),
    });
  }
  return { state, records, quarantine, metrics };
}

/** Counters of one pass over the records. */
interface Ingest {
  lines: number;
  parsed: number;
  malformed: number;
  late: number;
  untimed: number;
  malformedByField: Record<string, number>;
}

/** Start of the epoch-aligned window holding `ts`, as the aggregator computes it. */
function windowStartOf(ts: number, windowMs: number): number {
  return ts - (((ts % windowMs) + windowMs) % windowMs);
}

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
  let settings: ResolvedSettings;
  try {
    settings = resolveSettings(config, 'code');
  } catch (error) {
    if (!(error instanceof HandlerConfigError)) throw error;
    // List the missing clients too: every problem at once.
    const sinks = Array.isArray(config.sinks) ? config.sinks : ['emf'];
    const more = clientProblems(sinks, config.quarantine ?? 'log', config);
    throw more.length === 0 ? error : new HandlerConfigError([...error.problems, ...more]);
  }
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
  wiring: Omit<HandlerConfig, keyof HandlerSettings> = {},
): RealtimeLogHandler {
  const s = settings;
  const config = wiring as HandlerConfig;
  const problems: string[] = [];
  problems.push(...clientProblems(s.sinks, s.quarantine, config, s.hmacKeySecret));
  // Every datum carries its sink's fixed dimensions and its cell's: CloudWatch rejects more than 30
  // on every retry, so the largest combination is checked here. (The built-in sinks add none.)
  for (const sink of config.metricSinks ?? []) {
    const fixed = (sink as Partial<MetricSink>).dimensions;
    if (fixed === undefined) continue;
    for (const p of dimensionLimitProblems(Object.keys(fixed), s.dimensions)) {
      problems.push(`metricSinks "${sink.name}" with dimensions (CFRT_DIMENSIONS): ${p}`);
    }
  }
  const topK = config.aggregator?.topK;
  if (s.sinks.includes('dynamodb') && topK !== undefined && topK > MAX_STORABLE_TOP_K) {
    problems.push(
      `aggregator.topK must be at most ${MAX_STORABLE_TOP_K} with the dynamodb sink (got ${topK}): a larger cell may not fit a 400 KB item`,
    );
  }
  let parser: Parser<Record<string, unknown>>;
  try {
    // The previous list, while its lines still arrive: matched by column count (resolveSettings
    // saw to different lengths), the current list tried first.
    const layouts = s.previousFields.length > 0 ? [s.fields, s.previousFields] : [s.fields];
    parser = createParser({ layouts: layouts as string[][] }, { order: s.fieldOrder }) as Parser<
      Record<string, unknown>
    >;
  } catch (error) {
    problems.push(`fields (CFRT_FIELDS): ${(error as Error).message}`);
    parser = undefined as never;
  }
  // The key of client-address hashing: in the settings, or read from Secrets Manager in `ready`
  // (until then a placeholder of the right length lets the options be validated now). Without one,
  // each cold start hashes distinct clients under a random key (nothing stored: resolveSettings
  // requires a key with the dynamodb sink).
  const keyPlaceholder = s.hmacKeySecret !== undefined ? 'k'.repeat(32) : undefined;
  const withKey = (key: string | undefined) => ({
    enricher: enricherOptionsOf(key === undefined ? s : { ...s, hmacKey: key }, config.enricher),
    aggregator: {
      ...config.aggregator,
      windowSeconds: s.windowSeconds,
      dimensions: s.dimensions,
      allowedLatenessSeconds: s.allowedLatenessSeconds,
      samplingRate: s.samplingRate,
      ...(key !== undefined ? { clientKey: key } : {}),
    } satisfies AggregatorOptions,
  });
  let options = withKey(s.hmacKey ?? keyPlaceholder);
  let enricher: Enricher;
  try {
    enricher = createEnricher(options.enricher) as unknown as Enricher;
  } catch (error) {
    problems.push(`enrichment: ${(error as Error).message}`);
    enricher = undefined as never;
  }
  let aggregatorOptions: AggregatorOptions = options.aggregator;
  try {
    createAggregator(aggregatorOptions);
  } catch (error) {
    problems.push(`aggregation: ${(error as Error).message}`);
  }
  if (problems.length > 0) throw new HandlerConfigError(problems);

  const now = config.now ?? Date.now;
  const log = config.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const timestampColumn = parser.layouts[0]!.fields.indexOf('timestamp');
  const windowMs = s.windowSeconds * 1_000;
  const secretsManager = config.clients?.secretsManager;
  const ready = Promise.all([
    buildSinks(s, config),
    s.hmacKeySecret === undefined || secretsManager === undefined
      ? undefined
      : fetchSecretKey(secretsManager, s.hmacKeySecret).then((key) => {
          options = withKey(key);
          enricher = createEnricher(options.enricher) as unknown as Enricher;
          aggregatorOptions = options.aggregator;
        }),
  ]).then(([wiring]) => wiring);
  // Keep an unhandled rejection from crashing the process before the first invocation awaits it.
  ready.catch(() => {});

  /**
   * A parsed line the aggregator put in no window, to quarantine: its timestamp is outside the
   * invocation's plausible range, or its window would be one more than the aggregator holds open.
   */
  function unwindowedLine(
    outcome: 'implausible' | 'overflow',
    line: string,
    timestamp: unknown,
    agg: Aggregator,
  ): ParseFailure {
    const reason =
      outcome === 'overflow'
        ? `timestamp: its window would be one more than the ${agg.options.maxWindows} a batch may open (the batch spans too much event time)`
        : (implausibleTime(Number(timestamp), agg.options.timeRange) ?? 'timestamp is implausible');
    return { ok: false, line, field: 'timestamp', value: null, reason };
  }

  function ingest(
    agg: Aggregator,
    records: readonly CheckedRecord[],
    to: number,
    collect: {
      out: Record<string, unknown>[];
      outIndex: number[];
      quarantined: QuarantinedLine[];
      qIndex: number[];
      shardId: string;
      records: boolean;
      quarantine: boolean;
    } | null,
    firstSequenceByWindow: Map<number, string> | null = null,
  ): Ingest {
    // The first record of each window in this batch keys that window's stored state (see below).
    // Records of a batch mostly share a window: the window of the previous one needs no lookup.
    let lastStart = Number.NaN;
    let lastEnd = Number.NaN;
    const seen = (ts: unknown, sequenceNumber: string) => {
      if (firstSequenceByWindow === null || typeof ts !== 'number') return;
      if (ts >= lastStart && ts < lastEnd) return;
      const start = windowStartOf(ts, windowMs);
      lastStart = start;
      lastEnd = start + windowMs;
      if (!firstSequenceByWindow.has(start)) firstSequenceByWindow.set(start, sequenceNumber);
    };
    const counts: Ingest = { lines: 0, parsed: 0, malformed: 0, late: 0, untimed: 0, malformedByField: {} };
    // Without record sinks no enriched record leaves: the line aggregator does only what the
    // aggregates need (the same cells, see createLineAggregator).
    const lineAggregator =
      collect?.records === true ? null : createLineAggregator({ parser, enricher, aggregator: agg });
    const malformedLine = (
      result: ParseFailure,
      k: KinesisStreamRecord['kinesis'],
      i: number,
      j: number,
      field = result.field ?? '(columns)',
    ) => {
      counts.malformed++;
      counts.malformedByField[field] = (counts.malformedByField[field] ?? 0) + 1;
      const at = timestampAt(result.line, timestampColumn);
      const ts = at !== null && at > 0 ? at : null;
      agg.addMalformed(ts);
      seen(ts, k.sequenceNumber);
      if (collect?.quarantine === true) {
        collect.quarantined.push({
          reason: result.reason,
          field: result.field,
          line: result.line,
          shardId: collect.shardId,
          sequenceNumber: k.sequenceNumber,
          lineInRecord: j,
          arrivedAt:
            k.approximateArrivalTimestamp === undefined
              ? null
              : Math.round(k.approximateArrivalTimestamp * 1_000),
        });
        collect.qIndex.push(i);
      }
    };
    for (let i = 0; i < to; i++) {
      const k = records[i]!.kinesis;
      const problem = records[i]!.problem;
      if (problem !== undefined) {
        // A record that cannot be read (see checkKinesisEvent) is quarantined like a line, alone.
        counts.lines++;
        const failure: ParseFailure = { ok: false, line: '', field: null, value: null, reason: problem };
        malformedLine(failure, k, i, 0, '(record)');
        continue;
      }
      const text = recordText(k);
      // One line per record is CloudFront's normal case; split only when there are more.
      const nl = text.indexOf('\n');
      const lines = nl === -1 || nl === text.length - 1 ? [text] : text.split('\n');
      // Base64 holds 3 bytes per 4 characters: a record no longer than MAX_LINE_BYTES (every record
      // Kinesis takes) holds no line longer, and its lines are never measured.
      const measure = k.data.length > (MAX_LINE_BYTES / 3) * 4;
      for (let j = 0; j < lines.length; j++) {
        const line = lines[j]!;
        if (lines.length > 1 && (line === '' || line === '\r')) continue;
        counts.lines++;
        if (measure) {
          const bytes = Buffer.byteLength(line) - (line.endsWith('\n') ? 1 : 0);
          if (bytes > MAX_LINE_BYTES) {
            // Counted and quarantined with its length; its content is neither parsed nor kept.
            const reason = tooLongReason(bytes);
            malformedLine({ ok: false, line: '', field: null, value: null, reason }, k, i, j, '(too long)');
            continue;
          }
        }
        let outcome: AddOutcome;
        let timestamp: unknown;
        if (lineAggregator !== null) {
          const added = lineAggregator.add(line);
          if (!added.ok) {
            malformedLine(added, k, i, j);
            continue;
          }
          outcome = added.outcome;
          timestamp = added.timestamp;
          if (outcome === 'implausible' || outcome === 'overflow') {
            malformedLine(unwindowedLine(outcome, line, timestamp, agg), k, i, j);
            continue;
          }
        } else {
          const result = parser.parseLine(line);
          if (!result.ok) {
            malformedLine(result, k, i, j);
            continue;
          }
          const derived = enricher.derive(result.record) as Record<string, unknown>;
          outcome = agg.add(derived);
          timestamp = derived.timestamp;
          if (outcome === 'implausible' || outcome === 'overflow') {
            malformedLine(unwindowedLine(outcome, line, timestamp, agg), k, i, j);
            continue;
          }
          if (collect?.records === true) {
            collect.out.push(enricher.protect(derived));
            collect.outIndex.push(i);
          }
        }
        counts.parsed++;
        seen(timestamp, k.sequenceNumber);
        if (outcome === 'late') counts.late++;
        else if (outcome === 'untimed') counts.untimed++;
      }
    }
    return counts;
  }

  async function write<T>(
    sink: Sink<T>,
    kind: SinkReport['kind'],
    items: readonly T[],
    options: WriteOptions,
  ): Promise<{ report: SinkReport; result: SinkResult }> {
    let result: SinkResult;
    try {
      result = await sink.write(items, options);
    } catch (error) {
      // A sink that throws is a bug; its items did not land, and the batch must be retried.
      const reason = `threw: ${error instanceof Error ? error.message : String(error)}`;
      result = {
        sink: sink.name,
        written: 0,
        failed: items.map((_, index) => ({ index, reason, retryable: false })),
      };
    }
    const dropped = result.failed.filter((f) => f.permanent === true).length;
    const first = result.failed.find((f) => f.permanent !== true) ?? result.failed[0];
    return {
      result,
      report: {
        sink: sink.name,
        kind,
        items: items.length,
        written: result.written,
        failed: result.failed.length - dropped,
        dropped,
        ...(first !== undefined ? { error: first.reason } : {}),
      },
    };
  }

  async function handler(event: KinesisStreamEvent, context?: LambdaContext): Promise<KinesisBatchResponse> {
    const started = now();
    const wiring = await ready;
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
    let oldestArrival = Number.POSITIVE_INFINITY;
    let newestArrival = Number.NEGATIVE_INFINITY;
    for (const r of records) {
      const t = r.kinesis.approximateArrivalTimestamp;
      if (t !== undefined && t < oldestArrival) oldestArrival = t;
      if (t !== undefined && t > newestArrival) newestArrival = t;
    }
    // A line stamped after this function's clock (plus skew) is quarantined, never a window. The
    // newest arrival stands in for a clock behind Kinesis's (no line is written after it arrives).
    const reference = Math.max(started, Number.isFinite(newestArrival) ? newestArrival * 1_000 : started);
    const invocationOptions = { ...aggregatorOptions, timeRange: plausibleTimeRange(reference) };
    const reports: SinkReport[] = [];
    let failFrom = n;
    let counts: Ingest = { lines: 0, parsed: 0, malformed: 0, late: 0, untimed: 0, malformedByField: {} };
    let windows = 0;
    let cellOverflow = 0;
    try {
      if (n > 0) {
        const agg = createAggregator(invocationOptions);
        const collect = {
          out: [] as Record<string, unknown>[],
          outIndex: [] as number[],
          quarantined: [] as QuarantinedLine[],
          qIndex: [] as number[],
          shardId: shardId!,
          records: wiring.records.length > 0,
          quarantine: wiring.quarantine !== null,
        };
        const firstSequenceByWindow = new Map<number, string>();
        counts = ingest(agg, records, n, collect, firstSequenceByWindow);
        const cells = agg.cells();
        windows = cells.length;
        cellOverflow = agg.stats().cellOverflow;
        const batch = { shardId: shardId!, firstSequenceNumber: records[0]!.kinesis.sequenceNumber };
        const options: StateWriteOptions = {
          deadline,
          signal: abort.signal,
          batch,
          stateSource: (cell) => ({
            shardId: batch.shardId,
            firstSequenceNumber: firstSequenceByWindow.get(cell.start) ?? batch.firstSequenceNumber,
          }),
        };
        const mark = (report: SinkReport, result: SinkResult, recordOf: (i: number) => number) => {
          reports.push(report);
          for (const f of result.failed)
            if (f.permanent !== true) failFrom = Math.min(failFrom, recordOf(f.index));
        };
        // 1. State, one item per window keyed by (shard, first sequence number of that window's
        //    records in this batch). A retry from the batch's first record, or a bisected or re-cut
        //    batch, meets each window's first record again and overwrites the same item; keying by
        //    the batch's first record instead would leave a stale item behind after a bisect.
        const stateResults = await Promise.all(
          wiring.state.map((sink) => write(sink, 'state', cells, options)),
        );
        for (const { report, result } of stateResults) mark(report, result, () => 0);
        // 2. Records and quarantine, unless the batch is retried anyway (no duplicates downstream).
        const recordSinks = [
          ...wiring.records.map((sink) => ({
            sink,
            kind: 'records' as const,
            items: collect.out,
            index: collect.outIndex,
          })),
          ...(wiring.quarantine !== null && collect.quarantined.length > 0
            ? [
                {
                  sink: wiring.quarantine,
                  kind: 'quarantine' as const,
                  items: collect.quarantined,
                  index: collect.qIndex,
                },
              ]
            : []),
        ];
        if (failFrom === n) {
          const results = await Promise.all(
            recordSinks.map(async (r) => ({
              r,
              ...(await write<object>(r.sink as Sink<object>, r.kind, r.items, options)),
            })),
          );
          for (const { r, report, result } of results) mark(report, result, (i) => r.index[i] ?? 0);
        } else {
          for (const r of recordSinks) reports.push(skipped(r.sink.name, r.kind, r.items.length));
        }
        // State items are keyed by each window's first record: a retry must start at the batch's first
        // record so that every one of them is met again and overwritten.
        if (failFrom < n && wiring.state.length > 0) failFrom = 0;
        // 3. Metrics of the records that landed everywhere: all of them, or the prefix before the failure.
        if (failFrom > 0 && wiring.metrics.length > 0) {
          let landed = cells;
          if (failFrom < n) {
            const prefix = createAggregator(invocationOptions);
            ingest(prefix, records, failFrom, null);
            landed = prefix.cells();
          }
          const results = await Promise.all(
            wiring.metrics.map((sink) => write(sink, 'metrics', landed, options)),
          );
          for (const { report, result } of results) mark(report, result, () => 0);
        } else {
          for (const sink of wiring.metrics) reports.push(skipped(sink.name, 'metrics', windows));
        }
      }
    } finally {
      clearTimeout(timer);
    }
    const end = now();
    const entry: InvocationLog = {
      level:
        failFrom < n ? 'ERROR' : counts.malformed > 0 || reports.some((r) => r.dropped > 0) ? 'WARN' : 'INFO',
      message: 'cfrt processed a Kinesis batch',
      requestId: context?.awsRequestId ?? null,
      shardId,
      records: n,
      lines: counts.lines,
      parsed: counts.parsed,
      malformed: counts.malformed,
      malformedByField: counts.malformedByField,
      late: counts.late,
      untimed: counts.untimed,
      windows,
      cellOverflow,
      sinks: reports,
      retryFrom: failFrom < n ? failFrom : null,
      durationMs: end - started,
      iteratorAgeMs: Number.isFinite(oldestArrival)
        ? Math.max(0, end - Math.round(oldestArrival * 1_000))
        : null,
    };
    log(JSON.stringify(entry));
    return {
      batchItemFailures: failFrom < n ? [{ itemIdentifier: retrySequenceNumber(records, failFrom) }] : [],
    };
  }

  return Object.assign(handler, { settings: s, ready: ready.then(() => undefined) });
}

function skipped(sink: string, kind: SinkReport['kind'], items: number): SinkReport {
  return {
    sink,
    kind,
    items,
    written: 0,
    failed: 0,
    dropped: 0,
    skipped: 'not written: the batch is retried from an earlier record',
  };
}
