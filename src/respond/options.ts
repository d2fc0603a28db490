/**
 * The WAF responder's options, declared once with the options vocabulary (range, default, message),
 * and their environment names (`CFRT_WAF_*`, with the window table's `CFRT_TABLE_NAME`): the SAM
 * app's interface. Checked once, at construction or cold start, every problem at once as
 * `ConfigIssue`s named as the user wrote them.
 */
import * as z from 'zod/mini';
import { FINDING_KINDS, type FindingKind } from '../detect/types.js';
import { type EnvSetting, envInput } from '../model/env.js';
import { ConfigError, type ConfigIssue } from '../model/errors.js';
import { checkOptions, flag, listOr, type OptionShape, wholeNumber } from '../model/options.js';
import { closestName } from '../model/suggest.js';
import { WAF_MAX_ADDRESSES_PER_IP_SET } from '../sinks/aws-limits.js';
import { DYNAMODB_SINK_OPTIONS } from '../sinks/options.js';
import { type IpSetRef, parseIpSetArn } from './ip-set.js';

/** A bad responder configuration: every problem as structured `issues`. */
export class ResponderConfigError extends ConfigError {
  override name = 'ResponderConfigError';

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super('Invalid WAF responder configuration', issues, options);
  }
}

/** Shortest and longest block, in seconds: a minute, a week. */
export const MIN_BLOCK_SECONDS = 60;
export const MAX_BLOCK_SECONDS = 604_800;

const KINDS = FINDING_KINDS as unknown as readonly [FindingKind, ...FindingKind[]];

const ipSetArn = (version: 4 | 6) =>
  z.optional(
    z.string({ error: `must be the ARN of a WAFv2 IPv${version} IP set` }).check(
      z.refine((arn) => parseIpSetArn(arn).ok, {
        error: (issue) => {
          const r = parseIpSetArn(String(issue.input));
          return r.ok ? '' : r.reason;
        },
      }),
    ),
  );

/** Every option, declared once. */
export const RESPONDER_OPTIONS = {
  tableName: DYNAMODB_SINK_OPTIONS.tableName,
  ipv4SetArn: ipSetArn(4),
  ipv6SetArn: ipSetArn(6),
  blockSeconds: z._default(
    wholeNumber(
      MIN_BLOCK_SECONDS,
      MAX_BLOCK_SECONDS,
      `must be a whole number of seconds from ${MIN_BLOCK_SECONDS} to ${MAX_BLOCK_SECONDS} (a week)`,
    ),
    3_600,
  ),
  maxAddresses: z._default(
    wholeNumber(
      1,
      WAF_MAX_ADDRESSES_PER_IP_SET,
      `must be a whole number from 1 to ${WAF_MAX_ADDRESSES_PER_IP_SET} (WAF's limit per IP set)`,
    ),
    1_000,
  ),
  dryRun: z._default(flag(), true),
  findingKinds: z._default(
    z
      .array(
        z.enum(KINDS, {
          error: (issue) => `names unknown finding kind ${JSON.stringify(issue.input)}; use ${listOr(KINDS)}`,
        }),
        { error: 'must be a list of finding kinds' },
      )
      .check(z.minLength(1, 'must name at least one finding kind')),
    ['client-flood'],
  ),
  minPrefixV4: z._default(
    wholeNumber(
      8,
      32,
      'must be a prefix length from 8 to 32 (the broadest IPv4 block a finding may ask for)',
    ),
    16,
  ),
  minPrefixV6: z._default(
    wholeNumber(
      16,
      128,
      'must be a prefix length from 16 to 128 (the broadest IPv6 block a finding may ask for)',
    ),
    32,
  ),
} as const satisfies OptionShape;

const schema = z.object(RESPONDER_OPTIONS);

/** The options as given in code (see `RESPONDER_OPTIONS` for ranges and defaults). */
export interface ResponderSettings {
  readonly tableName: string;
  readonly ipv4SetArn?: string | undefined;
  readonly ipv6SetArn?: string | undefined;
  readonly blockSeconds?: number;
  readonly maxAddresses?: number;
  readonly dryRun?: boolean;
  readonly findingKinds?: readonly FindingKind[];
  readonly minPrefixV4?: number;
  readonly minPrefixV6?: number;
}

/** The options checked, defaults applied, ARNs read. */
export interface ResolvedResponderSettings {
  readonly tableName: string;
  /** The IPv4 IP set; absent when only IPv6 is blocked. */
  readonly ipv4Set: IpSetRef | undefined;
  readonly ipv6Set: IpSetRef | undefined;
  readonly blockSeconds: number;
  readonly maxAddresses: number;
  readonly dryRun: boolean;
  readonly findingKinds: readonly FindingKind[];
  readonly minPrefixV4: number;
  readonly minPrefixV6: number;
  /** The region of the IP sets (the WAFv2 client's region; us-east-1 for CLOUDFRONT scope). */
  readonly region: string;
}

/** Every option's environment variable, declared once. */
export const RESPONDER_ENV: {
  readonly [K in keyof ResponderSettings]-?: EnvSetting;
} = {
  tableName: { name: 'CFRT_TABLE_NAME', read: 'text' },
  ipv4SetArn: { name: 'CFRT_WAF_IPV4_SET_ARN', read: 'text' },
  ipv6SetArn: { name: 'CFRT_WAF_IPV6_SET_ARN', read: 'text' },
  blockSeconds: { name: 'CFRT_WAF_BLOCK_SECONDS', read: 'number' },
  maxAddresses: { name: 'CFRT_WAF_MAX_ADDRESSES', read: 'number' },
  dryRun: { name: 'CFRT_WAF_DRY_RUN', read: 'boolean' },
  findingKinds: { name: 'CFRT_WAF_FINDING_KINDS', read: 'list' },
  minPrefixV4: { name: 'CFRT_WAF_MIN_PREFIX_V4', read: 'number' },
  minPrefixV6: { name: 'CFRT_WAF_MIN_PREFIX_V6', read: 'number' },
};

/** The prefix of the responder's own variables; one that is no option is a problem (a misspelling). */
export const RESPONDER_ENV_PREFIX = 'CFRT_WAF_';

type Naming = (path: readonly (string | number)[]) => string | undefined;

function crossIssues(input: Record<string, unknown>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const v4 = typeof input.ipv4SetArn === 'string' ? parseIpSetArn(input.ipv4SetArn) : undefined;
  const v6 = typeof input.ipv6SetArn === 'string' ? parseIpSetArn(input.ipv6SetArn) : undefined;
  if (input.ipv4SetArn === undefined && input.ipv6SetArn === undefined) {
    issues.push({
      path: ['ipv4SetArn'],
      message:
        'is required when no IPv6 IP set is given: the responder needs a WAF IP set to keep (one per address version)',
    });
  }
  if (v4?.ok && v6?.ok) {
    if (v4.ref.arn === v6.ref.arn) {
      issues.push({
        path: ['ipv6SetArn'],
        message: 'names the IPv4 IP set too: an IP set holds one address version, so give two sets',
      });
    } else if (v4.ref.region !== v6.ref.region) {
      issues.push({
        path: ['ipv6SetArn'],
        message: `is in ${v6.ref.region} and the IPv4 set in ${v4.ref.region}: both must be in one region`,
      });
    } else if (v4.ref.name === v6.ref.name) {
      // The state item is keyed by the IP set's name.
      issues.push({
        path: ['ipv6SetArn'],
        message: "has the IPv4 set's name: give the two sets different names",
      });
    }
  }
  return issues;
}

function resolveWith(
  input: Record<string, unknown>,
  nameOf: Naming,
  more: readonly ConfigIssue[],
): ResolvedResponderSettings {
  const checked = checkOptions(schema, input);
  const issues = [...more, ...checked.issues, ...crossIssues(input)];
  if (input.tableName === undefined) {
    const i = issues.findIndex((x) => x.path[0] === 'tableName');
    if (i >= 0)
      issues[i] = {
        path: ['tableName'],
        message: "is required: the window table that holds the responder's state",
      };
  }
  if (!checked.ok || issues.length > 0) {
    throw new ResponderConfigError(
      issues.map((issue) => {
        const name = nameOf(issue.path);
        return name === undefined ? issue : { ...issue, name };
      }),
    );
  }
  const c = checked.value;
  const ref = (arn: string | undefined) => {
    if (arn === undefined) return undefined;
    const r = parseIpSetArn(arn);
    return r.ok ? r.ref : undefined;
  };
  const ipv4Set = ref(c.ipv4SetArn);
  const ipv6Set = ref(c.ipv6SetArn);
  return {
    tableName: c.tableName,
    ipv4Set,
    ipv6Set,
    blockSeconds: c.blockSeconds,
    maxAddresses: c.maxAddresses,
    dryRun: c.dryRun,
    findingKinds: [...new Set(c.findingKinds)],
    minPrefixV4: c.minPrefixV4,
    minPrefixV6: c.minPrefixV6,
    region: (ipv4Set ?? ipv6Set)!.region,
  };
}

/**
 * Checks options given in code and applies the defaults; throws `ResponderConfigError` listing
 * every problem.
 *
 * @example
 * resolveResponderSettings({
 *   tableName: 'cf-windows',
 *   ipv4SetArn: 'arn:aws:wafv2:us-east-1:123456789012:global/ipset/cfrt-block-v4/a1b2c3d4-5678-90ab-cdef-0123456789ab',
 * }).dryRun; // true
 */
export function resolveResponderSettings(settings: ResponderSettings): ResolvedResponderSettings {
  const input: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(settings)) if (v !== undefined) input[k] = v;
  const known = Object.keys(RESPONDER_OPTIONS);
  const unknown: ConfigIssue[] = Object.keys(input)
    .filter((k) => !known.includes(k))
    .map((k) => {
      const near = closestName(k, known);
      return {
        path: [k],
        message: near === null ? 'is not an option' : `is not an option; did you mean ${near}?`,
      };
    });
  for (const k of Object.keys(input)) if (!known.includes(k)) delete input[k];
  return resolveWith(input, () => undefined, unknown);
}

/**
 * Reads the options from the environment (the SAM app's interface): `CFRT_TABLE_NAME` and the
 * `CFRT_WAF_*` variables, empty meaning unset. Problems are named by variable; a `CFRT_WAF_*`
 * variable that is no option is a problem too.
 *
 * @example
 * const settings = responderSettingsFromEnv(process.env); // throws ResponderConfigError at cold start
 */
export function responderSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): ResolvedResponderSettings {
  const { input, unknown } = envInput(env, RESPONDER_ENV, { prefix: RESPONDER_ENV_PREFIX });
  const nameOf: Naming = (path) => RESPONDER_ENV[path[0] as keyof ResponderSettings]?.name;
  return resolveWith(input, nameOf, unknown);
}
