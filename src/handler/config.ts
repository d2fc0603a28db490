/**
 * Handler configuration: one zod schema for code, one mapping from environment variables (what
 * the SAM app sets), validated once at cold start. Every problem is reported at once, named as the
 * user wrote it (the option in code, the variable in the environment), with what to change.
 */
import * as z from 'zod/mini';
import type { DimensionName } from '../aggregate/index.js';
import { DIMENSION_NAMES, parseDimensionSets } from '../aggregate/index.js';
import type { EnricherOptions } from '../enrich/index.js';
import { FieldListError, RealtimeLogError } from '../parser/errors.js';
import { type Layout, layoutConflict, resolveLayout, splitFieldList } from '../parser/layout.js';
import { closestName } from '../parser/suggest.js';
import type { RetryPolicy } from '../sinks/retry.js';

/** A bad handler configuration; `problems` lists each one, `message` all of them. */
export class HandlerConfigError extends RealtimeLogError {
  override name = 'HandlerConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(
      problems.length === 1
        ? `Invalid cloudfront-realtime-logs handler configuration: ${problems[0]}`
        : `Invalid cloudfront-realtime-logs handler configuration:\n- ${problems.join('\n- ')}`,
      options,
    );
    this.problems = problems;
  }
}

/** The built-in sinks the configuration can name. */
export type SinkKind = 'emf' | 'cloudwatch' | 'dynamodb' | 'kinesis';
export const SINK_KINDS: readonly SinkKind[] = ['emf', 'cloudwatch', 'dynamodb', 'kinesis'];
/** Where malformed lines go. */
export type QuarantineKind = 'log' | 'kinesis' | 'none';

/** The settings shared by code and environment (see the table in docs/handler.md). */
export interface HandlerSettings {
  /** The real-time log config's field list: an array, or text (comma/space separated). */
  readonly fields: string | readonly string[];
  /**
   * The field list before the last change of the real-time log config, still read for the lines
   * written with it (they arrive mixed with new ones for hours). It must differ from `fields` in
   * length: see docs/deploy.md, "Changing the field list". Empty: none.
   */
  readonly previousFields?: string | readonly string[];
  readonly fieldOrder?: 'canonical' | 'delivery';
  /** The real-time log config's sampling rate, 1-100. */
  readonly samplingRate?: number;
  readonly windowSeconds?: number;
  readonly allowedLatenessSeconds?: number;
  /** Dimension sets: arrays, or text (`;` between sets, `,` within; `none` = stream-wide). */
  readonly dimensions?: string | readonly (readonly DimensionName[])[];
  readonly geo?: 'none' | 'country' | 'city';
  readonly userAgent?: boolean;
  readonly clientIp?: 'truncate' | 'hash' | 'keep';
  /**
   * The secret that keys client-address hashing: distinct clients (always) and `client` with
   * `clientIp: 'hash'`. At least 16 characters, stable wherever state is stored. As plain text: for
   * code and local runs; a deployed function reads it from Secrets Manager (`hmacKeySecret`).
   */
  readonly hmacKey?: string;
  /**
   * The Secrets Manager secret (ARN or name) holding `hmacKey`, read once at cold start with
   * `clients.secretsManager` (the SAM app creates it with a generated value).
   */
  readonly hmacKeySecret?: string;
  readonly sinks?: readonly SinkKind[];
  readonly metricsNamespace?: string;
  readonly storageResolution?: 1 | 60;
  readonly tableName?: string;
  readonly ttlDays?: number;
  readonly processedStreamName?: string;
  readonly partitionKey?: string;
  readonly quarantine?: QuarantineKind;
  readonly quarantineStreamName?: string;
}

/** The settings with defaults applied and text forms parsed. */
export interface ResolvedSettings {
  readonly fields: readonly string[];
  /** The previous field list; empty when there is none. */
  readonly previousFields: readonly string[];
  readonly fieldOrder: 'canonical' | 'delivery';
  readonly samplingRate: number;
  readonly windowSeconds: number;
  readonly allowedLatenessSeconds: number;
  readonly dimensions: readonly (readonly DimensionName[])[];
  readonly geo: 'none' | 'country' | 'city';
  readonly userAgent: boolean;
  readonly clientIp: 'truncate' | 'hash' | 'keep';
  readonly hmacKey: string | undefined;
  readonly hmacKeySecret: string | undefined;
  readonly sinks: readonly SinkKind[];
  readonly metricsNamespace: string;
  readonly storageResolution: 1 | 60;
  readonly tableName: string | undefined;
  readonly ttlDays: number;
  readonly processedStreamName: string | undefined;
  readonly partitionKey: string;
  readonly quarantine: QuarantineKind;
  readonly quarantineStreamName: string | undefined;
}

/** Every environment variable of the handler starts with this. */
export const ENV_PREFIX = 'CFRT_';

/** Option name -> environment variable, for messages about environment configuration. */
export const ENV_NAMES: Readonly<Record<keyof HandlerSettings, string>> = {
  fields: 'CFRT_FIELDS',
  previousFields: 'CFRT_PREVIOUS_FIELDS',
  fieldOrder: 'CFRT_FIELD_ORDER',
  samplingRate: 'CFRT_SAMPLING_RATE',
  windowSeconds: 'CFRT_WINDOW_SECONDS',
  allowedLatenessSeconds: 'CFRT_ALLOWED_LATENESS_SECONDS',
  dimensions: 'CFRT_DIMENSIONS',
  geo: 'CFRT_GEO',
  userAgent: 'CFRT_USER_AGENT',
  clientIp: 'CFRT_CLIENT_IP',
  hmacKey: 'CFRT_HMAC_KEY',
  hmacKeySecret: 'CFRT_HMAC_KEY_SECRET',
  sinks: 'CFRT_SINKS',
  metricsNamespace: 'CFRT_METRICS_NAMESPACE',
  storageResolution: 'CFRT_STORAGE_RESOLUTION',
  tableName: 'CFRT_TABLE_NAME',
  ttlDays: 'CFRT_TTL_DAYS',
  processedStreamName: 'CFRT_PROCESSED_STREAM_NAME',
  partitionKey: 'CFRT_PARTITION_KEY',
  quarantine: 'CFRT_QUARANTINE',
  quarantineStreamName: 'CFRT_QUARANTINE_STREAM_NAME',
};

/** Minimum HMAC key length for `clientIp: 'hash'` (the enricher's own limit). */
export const MIN_HMAC_KEY_LENGTH = 16;
/** DynamoDB table names: 3-255 of `[A-Za-z0-9_.-]`. */
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
/** Kinesis stream names: 1-128 of `[A-Za-z0-9_.-]`. */
const STREAM_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

const dimensionName = z.enum(DIMENSION_NAMES as unknown as [DimensionName, ...DimensionName[]], {
  error: (issue) =>
    `unknown dimension ${JSON.stringify(issue.input)}; use one of ${DIMENSION_NAMES.join(', ')}`,
});

const SAMPLING = "must be from 1 to 100 (the real-time log config's sampling rate)";
const WHOLE_SECONDS = 'must be a whole number of seconds';
const STREAM = 'must be a Kinesis stream name (1-128 of A-Z a-z 0-9 _ . -)';

// zod/mini, the tree-shakable build: the same checks as zod's chained API, a fraction of its bytes
// in the Lambda bundle and of its import time at cold start.
const settingsSchema = z
  .object({
    fields: z.union([z.string(), z.array(z.string())], {
      error:
        'the field list is required: the real-time log config\'s fields, e.g. "timestamp,c-ip,sc-status,..."',
    }),
    previousFields: z._default(
      z.union([z.string(), z.array(z.string())], {
        error: 'must be a field list (comma/space separated) or empty',
      }),
      [],
    ),
    fieldOrder: z._default(
      z.enum(['canonical', 'delivery'], { error: 'must be "canonical" or "delivery"' }),
      'canonical',
    ),
    samplingRate: z._default(
      z
        .number({ error: "must be a number from 1 to 100 (the real-time log config's sampling rate)" })
        .check(z.minimum(1, SAMPLING), z.maximum(100, SAMPLING)),
      100,
    ),
    windowSeconds: z._default(
      z
        .int({ error: WHOLE_SECONDS })
        .check(
          z.minimum(1, 'must be at least 1 second'),
          z.maximum(86_400, 'must be at most 86400 (one day)'),
        ),
      60,
    ),
    allowedLatenessSeconds: z._default(
      z.int({ error: WHOLE_SECONDS }).check(z.minimum(0, 'must be 0 or more')),
      300,
    ),
    dimensions: z._default(z.union([z.string(), z.array(z.array(dimensionName))]), [[]]),
    geo: z._default(
      z.enum(['none', 'country', 'city'], { error: 'must be "none", "country" or "city"' }),
      'country',
    ),
    userAgent: z._default(z.boolean({ error: 'must be true or false' }), true),
    clientIp: z._default(
      z.enum(['truncate', 'hash', 'keep'], { error: 'must be "truncate", "hash" or "keep"' }),
      'truncate',
    ),
    hmacKey: z.optional(z.string()),
    hmacKeySecret: z.optional(
      z
        .string()
        .check(
          z.minLength(1, 'must name a Secrets Manager secret (its ARN or name)'),
          z.maxLength(2048, 'must be a Secrets Manager secret ARN or name (at most 2048 characters)'),
        ),
    ),
    sinks: z._default(
      z.array(
        z.enum(SINK_KINDS as unknown as [SinkKind, ...SinkKind[]], {
          error: (issue) =>
            `unknown sink ${JSON.stringify(issue.input)}; use emf, cloudwatch, dynamodb or kinesis`,
        }),
      ),
      ['emf'],
    ),
    metricsNamespace: z._default(
      z.string().check(
        z.minLength(1, 'must not be empty'),
        z.maxLength(255, 'must be at most 255 characters'),
        z.refine((s) => !s.startsWith('AWS/'), 'must not start with "AWS/" (reserved for AWS services)'),
      ),
      'CloudFront/RealtimeLogs',
    ),
    storageResolution: z._default(
      z.union([z.literal(1), z.literal(60)], { error: 'must be 1 (high resolution) or 60' }),
      60,
    ),
    tableName: z.optional(
      z.string().check(z.regex(TABLE_NAME, 'must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)')),
    ),
    ttlDays: z._default(
      z.number({ error: 'must be a number of days' }).check(z.minimum(0, 'must be 0 (no TTL) or more')),
      14,
    ),
    processedStreamName: z.optional(z.string().check(z.regex(STREAM_NAME, STREAM))),
    partitionKey: z._default(z.string().check(z.minLength(1, 'must name a field')), 'x-edge-request-id'),
    quarantine: z._default(
      z.enum(['log', 'kinesis', 'none'], { error: 'must be "log", "kinesis" or "none"' }),
      'log',
    ),
    quarantineStreamName: z.optional(z.string().check(z.regex(STREAM_NAME, STREAM))),
  })
  .check(
    z.superRefine((c, ctx) => {
      const need = (ok: boolean, path: keyof HandlerSettings, message: string) => {
        if (!ok) ctx.addIssue({ code: 'custom', path: [path], message, input: c });
      };
      need(
        !c.sinks.includes('dynamodb') || c.tableName !== undefined,
        'tableName',
        'is required with the dynamodb sink: the table that stores window state',
      );
      need(
        !c.sinks.includes('kinesis') || c.processedStreamName !== undefined,
        'processedStreamName',
        'is required with the kinesis sink: the stream that receives enriched records',
      );
      need(
        c.quarantine !== 'kinesis' || c.quarantineStreamName !== undefined,
        'quarantineStreamName',
        'is required with quarantine "kinesis": the stream that receives malformed lines',
      );
      need(
        c.clientIp !== 'hash' ||
          c.hmacKeySecret !== undefined ||
          (c.hmacKey !== undefined && c.hmacKey.length >= MIN_HMAC_KEY_LENGTH),
        'hmacKey',
        `is required with clientIp "hash": a secret of at least ${MIN_HMAC_KEY_LENGTH} characters, stable across deployments (or hmacKeySecret, the Secrets Manager secret holding it)`,
      );
      need(
        c.hmacKey === undefined || c.clientIp === 'hash' || c.hmacKey.length >= MIN_HMAC_KEY_LENGTH,
        'hmacKey',
        `must be at least ${MIN_HMAC_KEY_LENGTH} characters (32 random ones are best)`,
      );
      need(
        c.hmacKey === undefined || c.hmacKeySecret === undefined,
        'hmacKeySecret',
        'and hmacKey are two sources of one key: give one',
      );
      need(
        !c.sinks.includes('dynamodb') || c.hmacKey !== undefined || c.hmacKeySecret !== undefined,
        'hmacKeySecret',
        'is required with the dynamodb sink: stored distinct-client sketches are keyed hashes, and only one stable key lets invocations merge them (or hmacKey)',
      );
      need(new Set(c.sinks).size === c.sinks.length, 'sinks', 'names a sink twice');
    }),
  );

function describe(path: readonly PropertyKey[], source: 'code' | 'env'): string {
  const head = path[0];
  if (typeof head !== 'string') return 'configuration';
  if (source === 'env') return ENV_NAMES[head as keyof HandlerSettings] ?? head;
  return path.map(String).join('.');
}

/**
 * Validates settings given in code and applies the defaults. Throws `HandlerConfigError` listing
 * every problem.
 *
 * @example
 * resolveSettings({ fields: 'timestamp,c-ip,sc-status', sinks: ['emf'] }).windowSeconds; // 60
 */
export function resolveSettings(
  settings: HandlerSettings,
  source: 'code' | 'env' = 'code',
): ResolvedSettings {
  const parsed = settingsSchema.safeParse(settings);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `${describe(i.path, source)} ${i.message}`);
  // The field lists are checked against the catalogue here too, so their problems are listed with the others.
  const order = settings.fieldOrder === 'delivery' ? 'delivery' : 'canonical';
  const listOf = (raw: unknown): string[] =>
    typeof raw === 'string' ? splitFieldList(raw) : Array.isArray(raw) ? raw.map(String) : [];
  const layoutOf = (list: readonly string[], path: keyof HandlerSettings): Layout | null => {
    try {
      return resolveLayout(list, order);
    } catch (error) {
      if (!(error instanceof FieldListError)) throw error;
      for (const p of error.problems) problems.push(`${describe([path], source)}: ${p}`);
      return null;
    }
  };
  const fields = listOf(settings.fields);
  const previousFields = listOf(settings.previousFields);
  let current: Layout | null = null;
  if (settings.fields !== undefined && fields.length === 0) {
    problems.push(`${describe(['fields'], source)} is empty: list the real-time log config's fields`);
  } else if (fields.length > 0) current = layoutOf(fields, 'fields');
  const previous = previousFields.length > 0 ? layoutOf(previousFields, 'previousFields') : null;
  // The same list again is harmless (the parser reads it once); one of the same length is not.
  if (current !== null && previous !== null && current.fields.join() !== previous.fields.join()) {
    const conflict = layoutConflict(current, previous);
    if (conflict !== null) {
      problems.push(
        `${describe(['previousFields'], source)} cannot be read beside ${describe(['fields'], source)}: ${conflict}`,
      );
    }
  }
  // Dimension sets written as text are checked whether or not the rest parsed: every problem at once.
  let dimensions: DimensionName[][] | null = null;
  if (typeof settings.dimensions === 'string') {
    dimensions = parseDimensionSets(settings.dimensions.trim() === '' ? 'none' : settings.dimensions);
    for (const set of dimensions) {
      for (const name of set) {
        if (!DIMENSION_NAMES.includes(name)) {
          problems.push(
            `${describe(['dimensions'], source)} names unknown dimension "${name}"; use one of ${DIMENSION_NAMES.join(', ')} (sets separated by ";", names by ",", "none" for stream-wide)`,
          );
        }
      }
    }
  }
  if (!parsed.success || problems.length > 0) throw new HandlerConfigError(problems);
  const c = parsed.data;
  if (dimensions === null)
    dimensions = (c.dimensions as readonly (readonly DimensionName[])[]).map((s) => [...s]);
  return {
    ...c,
    fields,
    previousFields,
    dimensions,
    hmacKey: c.hmacKey,
    hmacKeySecret: c.hmacKeySecret,
    tableName: c.tableName,
    processedStreamName: c.processedStreamName,
    quarantineStreamName: c.quarantineStreamName,
  };
}

function envNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = Number(value.trim());
  // Leave text that is not a number as NaN, for zod to name the variable.
  return Number.isNaN(n) ? Number.NaN : n;
}

function envBoolean(value: string | undefined, name: string, problems: string[]): boolean | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  problems.push(`${name} must be "true" or "false"; got ${JSON.stringify(value)}`);
  return undefined;
}

function envText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  return t === '' ? undefined : t;
}

/**
 * Reads the settings from `CFRT_*` environment variables (the SAM app's interface), validated as
 * `resolveSettings` does, with problems named by variable.
 *
 * @example
 * const settings = settingsFromEnv({ CFRT_FIELDS: 'timestamp,c-ip,sc-status', CFRT_SINKS: 'emf,dynamodb', CFRT_TABLE_NAME: 'cf' });
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): ResolvedSettings {
  const problems: string[] = [];
  // A misspelt variable would silently leave its setting at the default: every CFRT_* is known.
  const known = Object.values(ENV_NAMES);
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX) || known.includes(name)) continue;
    const near = closestName(name, known);
    problems.push(
      `${name} is not a setting${near === null ? `; the settings are ${known.join(', ')}` : `; did you mean ${near}?`}`,
    );
  }
  const fields = envText(env.CFRT_FIELDS);
  const sinksText = envText(env.CFRT_SINKS);
  const settings = {
    fields: fields ?? (undefined as unknown as string),
    previousFields: envText(env.CFRT_PREVIOUS_FIELDS),
    fieldOrder: envText(env.CFRT_FIELD_ORDER),
    samplingRate: envNumber(env.CFRT_SAMPLING_RATE),
    windowSeconds: envNumber(env.CFRT_WINDOW_SECONDS),
    allowedLatenessSeconds: envNumber(env.CFRT_ALLOWED_LATENESS_SECONDS),
    dimensions: envText(env.CFRT_DIMENSIONS),
    geo: envText(env.CFRT_GEO),
    userAgent: envBoolean(env.CFRT_USER_AGENT, 'CFRT_USER_AGENT', problems),
    clientIp: envText(env.CFRT_CLIENT_IP),
    hmacKey: envText(env.CFRT_HMAC_KEY),
    hmacKeySecret: envText(env.CFRT_HMAC_KEY_SECRET),
    sinks:
      sinksText === undefined || sinksText.toLowerCase() === 'none'
        ? sinksText === undefined
          ? undefined
          : []
        : sinksText
            .split(/[\s,]+/)
            .filter((s) => s !== '')
            .map((s) => s.toLowerCase()),
    metricsNamespace: envText(env.CFRT_METRICS_NAMESPACE),
    storageResolution: envNumber(env.CFRT_STORAGE_RESOLUTION),
    tableName: envText(env.CFRT_TABLE_NAME),
    ttlDays: envNumber(env.CFRT_TTL_DAYS),
    processedStreamName: envText(env.CFRT_PROCESSED_STREAM_NAME),
    partitionKey: envText(env.CFRT_PARTITION_KEY),
    quarantine: envText(env.CFRT_QUARANTINE)?.toLowerCase(),
    quarantineStreamName: envText(env.CFRT_QUARANTINE_STREAM_NAME),
  };
  const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
  let resolved: ResolvedSettings | null = null;
  try {
    resolved = resolveSettings(defined as unknown as HandlerSettings, 'env');
  } catch (error) {
    if (!(error instanceof HandlerConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (resolved === null || problems.length > 0) throw new HandlerConfigError(problems);
  return resolved;
}

/** The enricher options the settings ask for. */
export function enricherOptionsOf(s: ResolvedSettings, extra: EnricherOptions = {}): EnricherOptions {
  return {
    ...extra,
    geo: s.geo,
    userAgent: s.userAgent,
    clientIp: s.clientIp,
    ...(s.hmacKey !== undefined ? { hmacKey: s.hmacKey } : {}),
  };
}

export type { RetryPolicy };
