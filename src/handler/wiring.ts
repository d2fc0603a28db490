/**
 * The wiring stage: the handler's code-only configuration, checked once at construction (every
 * problem at once, `HandlerConfigError`), and what ingest and delivery are built from. The sinks'
 * modules and the client-address key (from Secrets Manager) load in the background.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type AggregatorOptions,
  MAX_STORABLE_TOP_K,
  resolveAggregatorOptions,
  type WindowCell,
} from '../aggregate/index.js';
import { createEnricher, type Enricher, type EnricherOptions } from '../enrich/index.js';
import { ConfigError, type ConfigIssue, nestIssues } from '../model/errors.js';
import { createParser, type Parser } from '../parser/parser.js';
import { dimensionLimitProblems, type MetricSink, metricsForFields } from '../sinks/metrics.js';
import type { RetryPolicy } from '../sinks/retry.js';
import type { Sink } from '../sinks/types.js';
import {
  enricherOptionsOf,
  HandlerConfigError,
  type HandlerSettings,
  type ResolvedSettings,
} from './config.js';
import type { DeliverySinks } from './delivery.js';
import type { IngestStages } from './ingest.js';
import { createLogQuarantine, type QuarantinedLine, type QuarantineSink } from './quarantine.js';
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
  readonly quarantineSink?: QuarantineSink;
  /** Enricher options beyond the settings (redaction lists, cache sizes, a loaded geoip module). */
  readonly enricher?: EnricherOptions;
  /** Aggregator options beyond the settings (cardinality limits, sketch sizes). */
  readonly aggregator?: Omit<
    AggregatorOptions,
    | 'windowSeconds'
    | 'dimensions'
    | 'allowedLatenessSeconds'
    | 'samplingRate'
    | 'distinctQueries'
    | 'dimensionTopLists'
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

const CLIENT_CLASSES = {
  cloudwatch: 'CloudWatchClient',
  dynamodb: 'DynamoDBClient',
  kinesis: 'KinesisClient',
} as const;

function missingClient(kind: keyof typeof CLIENT_CLASSES, why: string): ConfigIssue {
  return {
    path: ['clients', kind],
    message: `is required ${why}: pass an SDK v3 client, e.g. new ${CLIENT_CLASSES[kind]}({ maxAttempts: 2 })`,
  };
}

/**
 * What is missing among the clients the named sinks (and the key's secret) need.
 *
 * @example
 * clientIssues(['dynamodb'], 'log', {}); // [{ path: ['clients', 'dynamodb'], message: 'is required with the dynamodb sink: ...' }]
 */
export function clientIssues(
  sinks: readonly string[],
  quarantine: string,
  config: Pick<HandlerConfig, 'clients' | 'quarantineSink'>,
  hmacKeySecret?: string,
): ConfigIssue[] {
  const problems: ConfigIssue[] = [];
  const clients = config.clients ?? {};
  if (hmacKeySecret !== undefined && clients.secretsManager === undefined) {
    problems.push({
      path: ['clients', 'secretsManager'],
      message:
        'is required with hmacKeySecret (CFRT_HMAC_KEY_SECRET): pass an SDK v3 client, e.g. new SecretsManagerClient({})',
    });
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

/** Builds the sinks named in the settings, beside those given in code. */
async function buildSinks(s: ResolvedSettings, config: HandlerConfig): Promise<DeliverySinks> {
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
  let quarantine: QuarantineSink | null = config.quarantineSink ?? null;
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

/** A handler's stages, wired: the sinks by kind and what ingest is built from. */
export interface Wired {
  readonly sinks: DeliverySinks;
  readonly ingest: IngestStages;
}

/**
 * Checks the code wiring against the settings and builds the stages. Throws `HandlerConfigError`
 * (synchronously, every problem at once); the promise resolves when the sinks are built and the
 * key read, or rejects with why they cannot be.
 *
 * @example
 * const wired = wire(settingsFromEnv(process.env), { clients });
 * const { sinks, ingest } = await wired;
 */
export function wire(
  s: ResolvedSettings,
  config: Omit<HandlerConfig, keyof HandlerSettings>,
): Promise<Wired> {
  const problems: ConfigIssue[] = [];
  problems.push(...clientIssues(s.sinks, s.quarantine, config, s.hmacKeySecret));
  // Every datum carries its sink's fixed dimensions and its cell's: CloudWatch rejects more than 30
  // on every retry, so the largest combination is checked here. (The built-in sinks add none.)
  for (const sink of config.metricSinks ?? []) {
    const fixed = (sink as Partial<MetricSink>).dimensions;
    if (fixed === undefined) continue;
    for (const p of dimensionLimitProblems(Object.keys(fixed), s.dimensions)) {
      problems.push({
        path: ['metricSinks', sink.name],
        name: `metricSinks "${sink.name}"`,
        message: `with dimensions (CFRT_DIMENSIONS): ${p}`,
      });
    }
  }
  const topK = config.aggregator?.topK;
  if (s.sinks.includes('dynamodb') && topK !== undefined && topK > MAX_STORABLE_TOP_K) {
    problems.push({
      path: ['aggregator', 'topK'],
      message: `must be at most ${MAX_STORABLE_TOP_K} with the dynamodb sink (got ${topK}): a larger cell may not fit a 400 KB item`,
    });
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
    problems.push({ path: ['fields'], name: 'fields (CFRT_FIELDS)', message: (error as Error).message });
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
      distinctQueries: s.distinctQueries,
      dimensionTopLists: s.dimensionTopLists,
      ...(key !== undefined ? { clientKey: key } : {}),
    } satisfies AggregatorOptions,
  });
  const options = withKey(s.hmacKey ?? keyPlaceholder);
  // The code-only options (`enricher`, `aggregator`) are checked against their rooms' declarations
  // here; what came from the settings was checked by resolveSettings.
  let enricher: Enricher;
  try {
    enricher = createEnricher(options.enricher) as unknown as Enricher;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...nestIssues(error.issues, ['enricher']));
    enricher = undefined as never;
  }
  const aggregatorOptions: AggregatorOptions = options.aggregator;
  try {
    resolveAggregatorOptions(aggregatorOptions);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...nestIssues(error.issues, ['aggregator']));
  }
  if (problems.length > 0) throw new HandlerConfigError(problems);

  const timestampColumn = parser.layouts[0]!.fields.indexOf('timestamp');
  const stagesOf = (e: Enricher, aggregator: AggregatorOptions): IngestStages => ({
    parser,
    enricher: e,
    aggregator,
    timestampColumn,
  });
  const secretsManager = config.clients?.secretsManager;
  return Promise.all([
    buildSinks(s, config as HandlerConfig),
    s.hmacKeySecret === undefined || secretsManager === undefined
      ? stagesOf(enricher, aggregatorOptions)
      : fetchSecretKey(secretsManager, s.hmacKeySecret).then((key) => {
          const keyed = withKey(key);
          return stagesOf(createEnricher(keyed.enricher) as unknown as Enricher, keyed.aggregator);
        }),
  ]).then(([sinks, ingest]) => ({ sinks, ingest }));
}
