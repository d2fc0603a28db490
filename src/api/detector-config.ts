/**
 * The detector Lambda's settings from `CFRT_*` environment variables: the rooms' declarations
 * composed (the window of the aggregator, the client policy of the enricher, the thresholds of the
 * detector), read and checked once at cold start, every problem named by its variable.
 */
import * as z from 'zod/mini';
import { AGGREGATOR_OPTIONS, parseDimensionSets } from '../aggregate/options.js';
import { DETECT_OPTIONS, type DetectOptions } from '../detect/options.js';
import { ENRICHER_OPTIONS } from '../enrich/options.js';
import { type EnvSetting, envInput } from '../model/env.js';
import { ConfigError, type ConfigIssue } from '../model/errors.js';
import { checkOptions, type OptionShape, wholeNumber } from '../model/options.js';
import { DYNAMODB_SINK_OPTIONS } from '../sinks/options.js';

/** Detector settings that cannot work, named by environment variable. */
export class DetectorConfigError extends ConfigError {
  override name = 'DetectorConfigError';

  constructor(issues: readonly ConfigIssue[]) {
    super('Invalid detector configuration', issues);
  }
}

const BUS = 'must be an event bus name or ARN (1-1600 characters)';
const SOURCE = 'must be 1-256 characters, not starting with "aws." (reserved for AWS services)';

/** Every setting, declared once (the rooms' declarations where a room owns it). */
export const DETECTOR_SETTINGS = {
  tableName: DYNAMODB_SINK_OPTIONS.tableName,
  windowSeconds: AGGREGATOR_OPTIONS.windowSeconds,
  dimensions: z._default(z.string({ error: 'must be dimension sets' }), ''),
  clientIp: ENRICHER_OPTIONS.clientIp,
  eventBusName: z._default(
    z.string({ error: BUS }).check(z.minLength(1, BUS), z.maxLength(1600, BUS)),
    'default',
  ),
  eventSource: z._default(
    z.string({ error: SOURCE }).check(
      z.minLength(1, SOURCE),
      z.maxLength(256, SOURCE),
      z.refine((s) => !s.startsWith('aws.'), SOURCE),
    ),
    'cloudfront-realtime-logs',
  ),
  delaySeconds: z._default(wholeNumber(0, 3_600), 60),
  baselineWindows: z._default(wholeNumber(1, 1_440), 30),
  clientRequestsPerMinute: DETECT_OPTIONS.clientRequestsPerMinute,
  asnRequestsPerMinute: DETECT_OPTIONS.asnRequestsPerMinute,
  pathRequestsPerMinute: DETECT_OPTIONS.pathRequestsPerMinute,
  errorRate: DETECT_OPTIONS.errorRate,
  minRequests: DETECT_OPTIONS.minRequests,
  jumpFactor: DETECT_OPTIONS.jumpFactor,
} as const satisfies OptionShape;

/** The settings after defaults. */
export interface DetectorSettings {
  readonly tableName: string;
  readonly windowSeconds: number;
  /** True when the processor stores a `behavior` dimension set. */
  readonly behaviors: boolean;
  readonly eventBusName: string;
  readonly eventSource: string;
  readonly delaySeconds: number;
  readonly baselineWindows: number;
  readonly detect: DetectOptions;
}

/** Every setting's environment variable (the SAM app's interface). */
export const DETECTOR_ENV: { readonly [K in keyof typeof DETECTOR_SETTINGS]: EnvSetting } = {
  tableName: { name: 'CFRT_TABLE_NAME', read: 'text' },
  windowSeconds: { name: 'CFRT_WINDOW_SECONDS', read: 'number' },
  dimensions: { name: 'CFRT_DIMENSIONS', read: 'text' },
  clientIp: { name: 'CFRT_CLIENT_IP', read: 'word' },
  eventBusName: { name: 'CFRT_EVENT_BUS_NAME', read: 'text' },
  eventSource: { name: 'CFRT_EVENT_SOURCE', read: 'text' },
  delaySeconds: { name: 'CFRT_DETECT_DELAY_SECONDS', read: 'number' },
  baselineWindows: { name: 'CFRT_DETECT_BASELINE_WINDOWS', read: 'number' },
  clientRequestsPerMinute: { name: 'CFRT_DETECT_CLIENT_RPM', read: 'number' },
  asnRequestsPerMinute: { name: 'CFRT_DETECT_ASN_RPM', read: 'number' },
  pathRequestsPerMinute: { name: 'CFRT_DETECT_PATH_RPM', read: 'number' },
  errorRate: { name: 'CFRT_DETECT_ERROR_RATE', read: 'number' },
  minRequests: { name: 'CFRT_DETECT_MIN_REQUESTS', read: 'number' },
  jumpFactor: { name: 'CFRT_DETECT_JUMP_FACTOR', read: 'number' },
};

/**
 * Variables the processor's configuration also sets and the detector may share without reading
 * (so one environment block can serve both): not reported as unknown.
 */
const SHARED = new Set(['CFRT_ALLOWED_LATENESS_SECONDS']);

const schema = z.object(DETECTOR_SETTINGS);

/**
 * The settings from the environment; every problem at once, named by variable.
 *
 * @example
 * const s = detectorSettingsFromEnv({ CFRT_TABLE_NAME: 'windows', CFRT_WINDOW_SECONDS: '60' });
 */
export function detectorSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): DetectorSettings {
  const { input, unknown, nameOf } = envInput(env, DETECTOR_ENV, { prefix: 'CFRT_', shared: SHARED });
  const issues: ConfigIssue[] = [...unknown];
  const checked = checkOptions(schema, input);
  for (const issue of checked.issues) {
    const name = nameOf(issue.path);
    issues.push(name === undefined ? issue : { ...issue, name });
  }
  let behaviors = false;
  if (checked.ok && checked.value.dimensions !== '') {
    try {
      behaviors = parseDimensionSets(checked.value.dimensions).some(
        (set) => set.length === 1 && set[0] === 'behavior',
      );
    } catch (error) {
      issues.push({ path: ['dimensions'], name: 'CFRT_DIMENSIONS', message: (error as Error).message });
    }
  }
  if (!checked.ok || issues.length > 0) throw new DetectorConfigError(issues);
  const v = checked.value;
  return {
    tableName: v.tableName,
    windowSeconds: v.windowSeconds,
    behaviors,
    eventBusName: v.eventBusName,
    eventSource: v.eventSource,
    delaySeconds: v.delaySeconds,
    baselineWindows: v.baselineWindows,
    detect: {
      clientIp: v.clientIp,
      clientRequestsPerMinute: v.clientRequestsPerMinute,
      asnRequestsPerMinute: v.asnRequestsPerMinute,
      pathRequestsPerMinute: v.pathRequestsPerMinute,
      errorRate: v.errorRate,
      minRequests: v.minRequests,
      jumpFactor: v.jumpFactor,
    },
  };
}
