/**
 * Handler configuration, composed from the rooms' declarations: the aggregator's window,
 * lateness and sampling (`AGGREGATOR_OPTIONS`), the enricher's geography, user agents and client
 * addresses (`ENRICHER_OPTIONS`), the sinks' namespace, table and streams (`sinks/options.ts`),
 * plus the handler's own (field lists, sinks, quarantine, the key's secret). Each setting has one
 * environment name (`HANDLER_ENV`). Validated once, at cold start: every problem at once, as
 * structured issues named as the user wrote them (the option in code, the variable in the
 * environment).
 */
import * as z from 'zod/mini';
import { TOP_LISTS, type TopListName } from '../aggregate/cell.js';
import {
  AGGREGATOR_OPTIONS,
  DIMENSION_SETS,
  DIMENSION_TOP_LISTS,
  type DimensionName,
  parseDimensionSets,
} from '../aggregate/options.js';
import type { EnricherOptions } from '../enrich/index.js';
import { ENRICHER_OPTIONS } from '../enrich/options.js';
import { type EnvReader, type EnvSetting, envInput, readEnv } from '../model/env.js';
import { ConfigError, type ConfigIssue } from '../model/errors.js';
import { checkOptions, listOr, type OptionShape, oneOf } from '../model/options.js';
import { MIN_SECRET_BYTES, secretKeyIssues } from '../model/secret-key.js';
import { FieldListError } from '../parser/errors.js';
import { type Layout, layoutConflict, resolveLayout, splitFieldList } from '../parser/layout.js';
import { DYNAMODB_SINK_OPTIONS, KINESIS_SINK_OPTIONS, METRIC_SINK_OPTIONS } from '../sinks/options.js';
import type { RetryPolicy } from '../sinks/retry.js';

/** A bad handler configuration: every problem as structured `issues`, `message` all of them. */
export class HandlerConfigError extends ConfigError {
  override name = 'HandlerConfigError';

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super('Invalid cloudfront-realtime-logs handler configuration', issues, options);
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
  /**
   * Count distinct query strings per cell (keyed hash of `cs-uri-query`): what the findings
   * detector's cache-busting flood check reads. Default false.
   */
  readonly distinctQueries?: boolean;
  /**
   * The top-N lists dimension cells keep: `all` (default), `none`, or names (`paths,errorPaths`;
   * case-insensitive in text). See the aggregator's `dimensionTopLists`.
   */
  readonly dimensionTopLists?: string | 'all' | readonly TopListName[];
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
  readonly distinctQueries: boolean;
  readonly dimensionTopLists: 'all' | readonly TopListName[];
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

/** The sinks a configuration can name, in documentation order. */
const SINKS = ['emf', 'cloudwatch', 'dynamodb', 'kinesis'] as const satisfies readonly SinkKind[];

const FIELD_LIST = z.array(z.string(), {
  error: 'must be a field list: the real-time log config\'s fields, e.g. "timestamp,c-ip,sc-status,..."',
});

/**
 * Every setting, declared once: the rooms' declarations composed, and the handler's own. Text
 * forms (field lists, dimension sets, sinks from the environment) are read before these check
 * them. Exported for documentation and for the SAM template's test.
 */
export const HANDLER_SETTINGS = {
  fields: FIELD_LIST,
  previousFields: z._default(FIELD_LIST, []),
  fieldOrder: z._default(oneOf(['canonical', 'delivery']), 'canonical'),
  samplingRate: AGGREGATOR_OPTIONS.samplingRate,
  windowSeconds: AGGREGATOR_OPTIONS.windowSeconds,
  allowedLatenessSeconds: AGGREGATOR_OPTIONS.allowedLatenessSeconds,
  distinctQueries: AGGREGATOR_OPTIONS.distinctQueries,
  dimensionTopLists: DIMENSION_TOP_LISTS,
  dimensions: DIMENSION_SETS,
  geo: ENRICHER_OPTIONS.geo,
  userAgent: ENRICHER_OPTIONS.userAgent,
  clientIp: ENRICHER_OPTIONS.clientIp,
  hmacKey: z.optional(z.string({ error: 'must be text' })),
  hmacKeySecret: z.optional(
    z
      .string({ error: 'must name a Secrets Manager secret (its ARN or name)' })
      .check(
        z.minLength(1, 'must name a Secrets Manager secret (its ARN or name)'),
        z.maxLength(2048, 'must be a Secrets Manager secret ARN or name (at most 2048 characters)'),
      ),
  ),
  sinks: z._default(
    z.array(
      z.enum(SINKS, {
        error: (issue) => `names unknown sink ${JSON.stringify(issue.input)}; use ${listOr(SINKS)}`,
      }),
      { error: `must be a list of sinks: ${listOr(SINKS)}` },
    ),
    ['emf'],
  ),
  metricsNamespace: METRIC_SINK_OPTIONS.namespace,
  storageResolution: METRIC_SINK_OPTIONS.storageResolution,
  tableName: z.optional(DYNAMODB_SINK_OPTIONS.tableName),
  ttlDays: DYNAMODB_SINK_OPTIONS.ttlDays,
  processedStreamName: z.optional(KINESIS_SINK_OPTIONS.streamName),
  partitionKey: KINESIS_SINK_OPTIONS.partitionKey,
  quarantine: z._default(oneOf(['log', 'kinesis', 'none']), 'log'),
  quarantineStreamName: z.optional(KINESIS_SINK_OPTIONS.streamName),
} as const satisfies { readonly [K in keyof HandlerSettings]-?: OptionShape[string] };

const settingsSchema = z.object(HANDLER_SETTINGS);

export type { EnvReader, EnvSetting };

/** Every setting's environment variable (the SAM app's interface), declared once. */
export const HANDLER_ENV: { readonly [K in keyof HandlerSettings]-?: EnvSetting } = {
  fields: { name: 'CFRT_FIELDS', read: 'text' },
  previousFields: { name: 'CFRT_PREVIOUS_FIELDS', read: 'text' },
  fieldOrder: { name: 'CFRT_FIELD_ORDER', read: 'word' },
  samplingRate: { name: 'CFRT_SAMPLING_RATE', read: 'number' },
  windowSeconds: { name: 'CFRT_WINDOW_SECONDS', read: 'number' },
  allowedLatenessSeconds: { name: 'CFRT_ALLOWED_LATENESS_SECONDS', read: 'number' },
  distinctQueries: { name: 'CFRT_DISTINCT_QUERIES', read: 'boolean' },
  dimensionTopLists: { name: 'CFRT_DIMENSION_TOP_LISTS', read: 'text' },
  dimensions: { name: 'CFRT_DIMENSIONS', read: 'text' },
  geo: { name: 'CFRT_GEO', read: 'word' },
  userAgent: { name: 'CFRT_USER_AGENT', read: 'boolean' },
  clientIp: { name: 'CFRT_CLIENT_IP', read: 'word' },
  hmacKey: { name: 'CFRT_HMAC_KEY', read: 'text' },
  hmacKeySecret: { name: 'CFRT_HMAC_KEY_SECRET', read: 'text' },
  sinks: { name: 'CFRT_SINKS', read: 'list' },
  metricsNamespace: { name: 'CFRT_METRICS_NAMESPACE', read: 'text' },
  storageResolution: { name: 'CFRT_STORAGE_RESOLUTION', read: 'number' },
  tableName: { name: 'CFRT_TABLE_NAME', read: 'text' },
  ttlDays: { name: 'CFRT_TTL_DAYS', read: 'number' },
  processedStreamName: { name: 'CFRT_PROCESSED_STREAM_NAME', read: 'text' },
  partitionKey: { name: 'CFRT_PARTITION_KEY', read: 'text' },
  quarantine: { name: 'CFRT_QUARANTINE', read: 'word' },
  quarantineStreamName: { name: 'CFRT_QUARANTINE_STREAM_NAME', read: 'text' },
};

/** Option name -> environment variable. */
export const ENV_NAMES: Readonly<Record<keyof HandlerSettings, string>> = Object.fromEntries(
  Object.entries(HANDLER_ENV).map(([option, env]) => [option, env.name]),
) as Record<keyof HandlerSettings, string>;

/** Shortest client-address key, in bytes (UTF-8 for text): the library's one rule for secrets. */
export const MIN_HMAC_KEY_LENGTH = MIN_SECRET_BYTES;

type Naming = (path: readonly (string | number)[]) => string | undefined;

const codeNames: Naming = () => undefined;
// The variable is text: a position inside what it was read into would mean nothing to its writer.
const envNames: Naming = (path) => HANDLER_ENV[path[0] as keyof HandlerSettings]?.name;

function named(issues: readonly ConfigIssue[], nameOf: Naming): ConfigIssue[] {
  return issues.map((issue) => {
    const name = nameOf(issue.path);
    return name === undefined ? issue : { ...issue, name };
  });
}

/** Text forms read into the shapes the declarations check: field lists, dimension sets, sinks. */
function readTextForms(settings: HandlerSettings): Record<string, unknown> {
  const input: Record<string, unknown> = { ...settings };
  if (typeof settings.fields === 'string') input.fields = splitFieldList(settings.fields);
  if (typeof settings.previousFields === 'string')
    input.previousFields = splitFieldList(settings.previousFields);
  if (typeof settings.dimensions === 'string') {
    input.dimensions = parseDimensionSets(settings.dimensions.trim() === '' ? 'none' : settings.dimensions);
  }
  if (typeof settings.dimensionTopLists === 'string') {
    input.dimensionTopLists = parseTopLists(settings.dimensionTopLists);
  }
  return input;
}

/** `all`, `none` or names separated by commas or spaces, matched to `TOP_LISTS` case-insensitively. */
function parseTopLists(text: string): unknown {
  const t = text.trim();
  if (t === '' || t.toLowerCase() === 'all') return 'all';
  if (t.toLowerCase() === 'none') return [];
  return t
    .split(/[\s,]+/)
    .filter((w) => w !== '')
    .map((w) => TOP_LISTS.find((name) => name.toLowerCase() === w.toLowerCase()) ?? w);
}

type Settings = z.output<typeof settingsSchema>;

/** Each setting as given where it is valid alone, else its default (or absent). */
function eachValid(input: Record<string, unknown>): Settings {
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(HANDLER_SETTINGS)) {
    const given = schema.safeParse(input[key]);
    const value = given.success ? given.data : schema.safeParse(undefined).data;
    if (value !== undefined) out[key] = value;
  }
  return out as Settings;
}

/** What one setting needs of another. */
function crossIssues(c: Settings): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const need = (ok: boolean, path: keyof HandlerSettings, message: string) => {
    if (!ok) issues.push({ path: [path], message });
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
    c.clientIp !== 'hash' || c.hmacKeySecret !== undefined || c.hmacKey !== undefined,
    'hmacKey',
    `is required with clientIp "hash": a secret of at least ${MIN_SECRET_BYTES} bytes, stable across deployments (or hmacKeySecret, the Secrets Manager secret holding it)`,
  );
  issues.push(...secretKeyIssues(c.hmacKey, 'hmacKey'));
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
  return issues;
}

/** The field lists against the catalogue, and the previous list against the current one. */
function fieldListIssues(fields: unknown, previous: unknown, order: 'canonical' | 'delivery'): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const layoutOf = (list: unknown, path: keyof HandlerSettings): Layout | null => {
    if (!Array.isArray(list) || list.length === 0) return null;
    try {
      return resolveLayout(list.map(String), order);
    } catch (error) {
      if (!(error instanceof FieldListError)) throw error;
      for (const issue of error.issues) issues.push({ path: [path], message: issue.message });
      return null;
    }
  };
  if (Array.isArray(fields) && fields.length === 0) {
    issues.push({ path: ['fields'], message: "is empty: list the real-time log config's fields" });
  }
  const current = layoutOf(fields, 'fields');
  const before = layoutOf(previous, 'previousFields');
  // The same list again is harmless (the parser reads it once); one of the same length is not.
  if (current !== null && before !== null && current.fields.join() !== before.fields.join()) {
    const conflict = layoutConflict(current, before);
    if (conflict !== null) {
      issues.push({
        path: ['previousFields'],
        message: `cannot be read beside the current field list: ${conflict}`,
      });
    }
  }
  return issues;
}

function resolveWith(
  settings: HandlerSettings,
  nameOf: Naming,
  more: readonly ConfigIssue[] = [],
): ResolvedSettings {
  const input = readTextForms(settings);
  const checked = checkOptions(settingsSchema, input);
  const issues: ConfigIssue[] = [...more, ...checked.issues];
  if (input.fields === undefined) {
    // zod names a missing key like a wrong type; say what the setting is instead.
    const i = issues.findIndex((x) => x.path[0] === 'fields' && x.path.length === 1);
    const missing = {
      path: ['fields'],
      message: 'is required (the real-time log config\'s fields, e.g. "timestamp,c-ip,sc-status,...")',
    };
    if (i >= 0) issues[i] = missing;
  }
  const order = settings.fieldOrder === 'delivery' ? 'delivery' : 'canonical';
  issues.push(...fieldListIssues(input.fields, input.previousFields, order));
  // What settings need of each other is checked even when some are wrong alone (every problem at
  // once): each valid one as given, each wrong one at its default.
  issues.push(...crossIssues(checked.ok ? checked.value : eachValid(input)));
  if (!checked.ok || issues.length > 0) throw new HandlerConfigError(named(issues, nameOf));
  const c = checked.value;
  const dimensions = c.dimensions.map((set) => [...set]);
  return {
    ...c,
    dimensions,
    hmacKey: c.hmacKey,
    hmacKeySecret: c.hmacKeySecret,
    tableName: c.tableName,
    processedStreamName: c.processedStreamName,
    quarantineStreamName: c.quarantineStreamName,
  };
}

/**
 * Validates settings given in code and applies the defaults. Throws `HandlerConfigError` listing
 * every problem, each issue at its option's path.
 *
 * @example
 * resolveSettings({ fields: 'timestamp,c-ip,sc-status', sinks: ['emf'] }).windowSeconds; // 60
 */
export function resolveSettings(
  settings: HandlerSettings,
  source: 'code' | 'env' = 'code',
): ResolvedSettings {
  return resolveWith(settings, source === 'env' ? envNames : codeNames);
}

export { readEnv };

/**
 * Reads the settings from `CFRT_*` environment variables (the SAM app's interface), validated as
 * `resolveSettings` does, with problems named by variable. A `CFRT_*` variable that is no setting
 * is a problem too (a misspelling would silently leave its setting at the default).
 *
 * @example
 * const settings = settingsFromEnv({ CFRT_FIELDS: 'timestamp,c-ip,sc-status', CFRT_SINKS: 'emf,dynamodb', CFRT_TABLE_NAME: 'cf' });
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): ResolvedSettings {
  const { input, unknown } = envInput(env, HANDLER_ENV, { prefix: ENV_PREFIX });
  return resolveWith(input as unknown as HandlerSettings, envNames, unknown);
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
