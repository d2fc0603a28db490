/**
 * `cfrt attach` and `cfrt detach`: a real-time log config on (or off) a distribution's cache
 * behaviors through the CloudFront API. Read the config and its ETag, change only the behaviors'
 * `RealtimeLogConfigArn`, write it back with `If-Match`; when someone else changed the
 * distribution in between (412 PreconditionFailed), read it again and redo the change. Attach
 * first checks that the deployed processor parses the config's field list.
 */
import { parseArgs } from 'node:util';
import type {
  CacheBehavior,
  DefaultCacheBehavior,
  DistributionConfig,
  GetDistributionConfigCommandOutput,
} from '@aws-sdk/client-cloudfront';
import * as z from 'zod/mini';
import { wholeNumber } from '../model/options.js';
import {
  AwsCallError,
  awsErrorName,
  type DeployClients,
  describeStack,
  eventSourceMappings,
  explain,
  fieldVerdict,
  functionFacts,
  realtimeLogConfig,
  requireOutput,
  type StackFacts,
  streamArnOf,
} from './deploy-aws.js';
import { UsageError } from './errors.js';
import { type FlagSpec, optionsFromFlags } from './flags.js';

/** Writes of the distribution tried at most, by default, when others keep changing it meanwhile. */
export const DEFAULT_UPDATE_ATTEMPTS = 5;
/** Upper bound of `--max-attempts`. */
export const MAX_UPDATE_ATTEMPTS = 20;
/** How the default behavior is named on the command line (its path pattern is `*`). */
export const DEFAULT_BEHAVIOR = 'default';

export const ATTACH_HELP = `cfrt attach --distribution <id> (--config <arn|name> | --stack <name>) [options]
cfrt detach --distribution <id> (--config <arn|name> | --stack <name>) [options]
    Attach the real-time log config to a distribution's cache behaviors (or detach it) with
    the CloudFront API: GetDistributionConfig, then UpdateDistribution with If-Match; when the
    distribution changed meanwhile (412 PreconditionFailed) it is read again and the change
    redone. Only RealtimeLogConfigArn of the chosen behaviors changes. Running it twice
    changes nothing the second time. Attach refuses a config whose field list the deployed
    processor cannot parse (its CFRT_FIELDS / CFRT_PREVIOUS_FIELDS).

    --distribution <id>        the distribution, e.g. E2EXAMPLE1ABCD
    --config <arn|name>        the real-time log config (the stack's RealtimeLogConfigArn)
    --stack <name>             the SAM app's stack: its config and processor function
    --behaviors <pattern> ...  only these behaviors, by path pattern ("${DEFAULT_BEHAVIOR}" or "*" is
                               the default behavior); default: every behavior
    --function <name>          the processor whose field lists attach checks (default: the
                               stack's, or the functions reading the config's stream)
    --replace                  attach over another real-time log config (else refused)
    --dry-run                  print the change as a diff and write nothing
    --max-attempts <n>         writes tried when the distribution keeps changing (default ${DEFAULT_UPDATE_ATTEMPTS})
    --region <region>          the stack's region (default: the SDK's, e.g. AWS_REGION)
    Exit status: 0 done (or nothing to change), 2 refused or a mistake.
    Needs @aws-sdk/client-cloudfront (and -cloudformation with --stack, -lambda for the
    check); cloudfront:GetDistributionConfig, UpdateDistribution, GetRealtimeLogConfig,
    lambda:GetFunctionConfiguration, ListEventSourceMappings.
`;

/** What `cfrt attach` / `cfrt detach` was asked to do. */
export interface AttachOptions {
  readonly mode: 'attach' | 'detach';
  readonly distribution: string;
  readonly config: string | undefined;
  readonly stack: string | undefined;
  readonly functionName: string | undefined;
  /** Path patterns (`default` for the default behavior); undefined: every behavior. */
  readonly behaviors: readonly string[] | undefined;
  readonly replace: boolean;
  readonly dryRun: boolean;
  readonly maxAttempts: number;
  readonly region: string | undefined;
}

const ATTACH_OPTIONS = z.object({
  distribution: z
    .string()
    .check(
      z.regex(
        /^[A-Z0-9]{1,64}$/,
        'must be a distribution ID: capital letters and digits, e.g. E2EXAMPLE1ABCD',
      ),
    ),
  maxAttempts: z._default(wholeNumber(1, MAX_UPDATE_ATTEMPTS), DEFAULT_UPDATE_ATTEMPTS),
});

const ATTACH_FLAGS: Readonly<Record<string, FlagSpec>> = {
  distribution: { flag: 'distribution', read: 'text' },
  maxAttempts: { flag: 'max-attempts', read: 'number' },
};

/**
 * Parses `cfrt attach` / `cfrt detach` arguments; every mistake at once, named by flag.
 *
 * @example
 * parseAttachArgs('attach', ['--distribution', 'E2EXAMPLE', '--stack', 'cfrt', '--behaviors', '/api/*', 'default']);
 */
export function parseAttachArgs(mode: 'attach' | 'detach', args: readonly string[]): AttachOptions {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      distribution: { type: 'string' },
      config: { type: 'string' },
      stack: { type: 'string' },
      function: { type: 'string' },
      behaviors: { type: 'string', multiple: true },
      replace: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'max-attempts': { type: 'string' },
      region: { type: 'string' },
    },
  });
  if (values.distribution === undefined) throw new UsageError(`cfrt ${mode} needs --distribution <id>.`);
  if (values.config === undefined && values.stack === undefined) {
    throw new UsageError(`cfrt ${mode} needs --config <arn|name> or --stack <name>.`);
  }
  // `--behaviors /a/* /b/*`: the words after it are patterns too.
  if (positionals.length > 0 && values.behaviors === undefined) {
    throw new UsageError(
      `Unexpected "${positionals[0]}": behaviors are chosen with --behaviors <pattern> ...`,
    );
  }
  const checked = optionsFromFlags(ATTACH_OPTIONS, values, ATTACH_FLAGS);
  const behaviors =
    values.behaviors === undefined ? undefined : [...new Set([...values.behaviors, ...positionals])];
  return {
    mode,
    distribution: checked.distribution,
    config: values.config,
    stack: values.stack,
    functionName: values.function,
    behaviors,
    replace: values.replace === true,
    dryRun: values['dry-run'] === true,
    maxAttempts: checked.maxAttempts,
    region: values.region,
  };
}

/** One behavior's real-time log config before and after. */
export interface BehaviorChange {
  /** `*` for the default behavior, else its path pattern. */
  readonly pattern: string;
  readonly before: string | undefined;
  readonly after: string | undefined;
}

/** What a change does to a distribution's configuration. */
export interface BehaviorPlan {
  /** The configuration to write (the input, untouched, when nothing changes). */
  readonly config: DistributionConfig;
  /** Behaviors whose config changes. */
  readonly changes: readonly BehaviorChange[];
  /** Chosen behaviors already as asked, or left alone (another config on detach). */
  readonly unchanged: readonly BehaviorChange[];
}

function label(pattern: string): string {
  return pattern === '*' ? `${DEFAULT_BEHAVIOR} (*)` : pattern;
}

/**
 * The change of `attach` or `detach` on a distribution's configuration: only `RealtimeLogConfigArn`
 * of the chosen behaviors. Throws `UsageError` for a pattern the distribution does not have, and
 * (attach) for a behavior that logs to another config unless `replace`.
 *
 * @example
 * const plan = planBehaviors(current, arn, { mode: 'attach', behaviors: ['/api/*'] });
 * plan.changes; // [{ pattern: '/api/*', before: undefined, after: arn }]
 */
export function planBehaviors(
  config: DistributionConfig,
  arn: string,
  options: { mode: 'attach' | 'detach'; behaviors?: readonly string[] | undefined; replace?: boolean },
): BehaviorPlan {
  const items = config.CacheBehaviors?.Items ?? [];
  const patterns = ['*', ...items.map((b) => b.PathPattern ?? '')];
  const wanted =
    options.behaviors === undefined
      ? new Set(patterns)
      : new Set(options.behaviors.map((p) => (p === DEFAULT_BEHAVIOR ? '*' : p)));
  const unknown = [...wanted].filter((p) => !patterns.includes(p));
  if (unknown.length > 0) {
    throw new UsageError(
      `--behaviors: the distribution has no behavior ${unknown.map((p) => JSON.stringify(p)).join(', ')}; ` +
        `its behaviors are ${patterns.map((p) => JSON.stringify(p === '*' ? DEFAULT_BEHAVIOR : p)).join(', ')}.`,
    );
  }
  const changes: BehaviorChange[] = [];
  const unchanged: BehaviorChange[] = [];
  const conflicts: string[] = [];
  function next<B extends CacheBehavior | DefaultCacheBehavior>(behavior: B, pattern: string): B {
    if (!wanted.has(pattern)) return behavior;
    const before = behavior.RealtimeLogConfigArn || undefined;
    let after = before;
    if (options.mode === 'attach') {
      if (before !== undefined && before !== arn && options.replace !== true) {
        conflicts.push(`${label(pattern)} logs to ${before}`);
      } else after = arn;
    } else if (before === arn) after = undefined;
    (after === before ? unchanged : changes).push({ pattern, before, after });
    if (after === before) return behavior;
    const { RealtimeLogConfigArn: _dropped, ...rest } = behavior;
    return (after === undefined ? rest : { ...rest, RealtimeLogConfigArn: after }) as B;
  }
  const defaultBehavior =
    config.DefaultCacheBehavior === undefined ? undefined : next(config.DefaultCacheBehavior, '*');
  const nextItems = items.map((b) => next(b, b.PathPattern ?? ''));
  if (conflicts.length > 0) {
    throw new UsageError(
      `Refusing to attach over another real-time log config (a behavior has one at most): ${conflicts.join('; ')}. ` +
        'Detach it first, or pass --replace.',
    );
  }
  if (changes.length === 0) return { config, changes, unchanged };
  return {
    config: {
      ...config,
      ...(defaultBehavior === undefined ? {} : { DefaultCacheBehavior: defaultBehavior }),
      ...(config.CacheBehaviors === undefined
        ? {}
        : { CacheBehaviors: { ...config.CacheBehaviors, Items: nextItems } }),
    },
    changes,
    unchanged,
  };
}

/**
 * A plan as a unified diff of the behaviors' `RealtimeLogConfigArn`.
 *
 * @example
 * formatPlanDiff('E2EXAMPLE', 'ETAG1', plan.changes);
 */
export function formatPlanDiff(
  distribution: string,
  etag: string,
  changes: readonly BehaviorChange[],
): string {
  const lines = [`--- ${distribution} (ETag ${etag})`, `+++ ${distribution} (after)`];
  for (const c of changes) {
    lines.push(
      `@@ ${c.pattern === '*' ? 'DefaultCacheBehavior' : `CacheBehavior ${c.pattern}`} @@`,
      `-RealtimeLogConfigArn: ${c.before ?? '(none)'}`,
      `+RealtimeLogConfigArn: ${c.after ?? '(none)'}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** Where the commands write: stdout for results, stderr for notes. */
export interface CommandIo {
  readonly out: { write(text: string): unknown };
  readonly err: { write(text: string): unknown };
  /** Waits before another attempt (tests: no wait). */
  readonly sleep?: (ms: number) => Promise<void>;
}

const PROCESS_IO: CommandIo = { out: process.stdout, err: process.stderr };

async function checkFields(
  clients: DeployClients,
  options: AttachOptions,
  stack: StackFacts | undefined,
  fields: readonly string[],
  streamArn: string | undefined,
  io: CommandIo,
): Promise<void> {
  const lambda = await clients.lambda();
  let names: string[];
  if (options.functionName !== undefined) names = [options.functionName];
  else if (stack !== undefined) names = [requireOutput(stack, 'FunctionName')];
  else {
    const mappings =
      streamArn === undefined ? [] : await eventSourceMappings(lambda, { eventSourceArn: streamArn });
    names = [...new Set(mappings.map((m) => m.functionArn))];
    if (names.length === 0) {
      throw new UsageError(
        `No Lambda function reads the config's stream ${streamArn ?? '(none)'}, so nothing would count its lines: ` +
          'deploy the stack first, or name the processor with --function (or --stack).',
      );
    }
  }
  const refused: string[] = [];
  for (const name of names) {
    const fn = await functionFacts(lambda, name);
    const verdict = fieldVerdict(fields, fn.env);
    if (!verdict.ok) refused.push(`function ${fn.name}: ${verdict.problem}`);
    else if (verdict.layout === 'previous') {
      io.err.write(
        `cfrt: note: function ${fn.name} reads this field list as its previous one (CFRT_PREVIOUS_FIELDS).\n`,
      );
    }
  }
  if (refused.length > 0) {
    throw new UsageError(
      refused.map((message) => ({
        path: [],
        message: `Refusing to attach a config whose field list the processor cannot parse: ${message}`,
      })),
    );
  }
}

/**
 * Runs `cfrt attach` or `cfrt detach`; resolves to the exit code.
 *
 * @example
 * process.exitCode = await runAttach(parseAttachArgs('attach', argv), sdkClients('attach', {}));
 */
export async function runAttach(
  options: AttachOptions,
  clients: DeployClients,
  io: CommandIo = PROCESS_IO,
): Promise<number> {
  const { GetDistributionConfigCommand, UpdateDistributionCommand } = await import(
    '@aws-sdk/client-cloudfront'
  );
  const sleep = io.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const stack =
    options.stack === undefined
      ? undefined
      : await describeStack(await clients.cloudformation(), options.stack);
  const configRef = options.config ?? requireOutput(stack!, 'RealtimeLogConfigArn');
  const cloudfront = await clients.cloudfront();
  let arn = configRef;
  if (options.mode === 'attach' || !configRef.startsWith('arn:')) {
    const config = await realtimeLogConfig(cloudfront, configRef);
    arn = config.ARN ?? configRef;
    if (options.mode === 'attach') {
      await checkFields(clients, options, stack, config.Fields ?? [], streamArnOf(config), io);
    }
  }
  for (let attempt = 1; ; attempt++) {
    let current: GetDistributionConfigCommandOutput;
    try {
      current = await cloudfront.send(new GetDistributionConfigCommand({ Id: options.distribution }));
    } catch (err) {
      if (awsErrorName(err) === 'NoSuchDistribution') {
        throw new AwsCallError(`CloudFront has no distribution ${options.distribution}.`, { cause: err });
      }
      return explain(`GetDistributionConfig ${options.distribution}`, err);
    }
    if (current.DistributionConfig === undefined || current.ETag === undefined) {
      throw new AwsCallError(
        `GetDistributionConfig ${options.distribution} returned no configuration or ETag.`,
      );
    }
    const plan = planBehaviors(current.DistributionConfig, arn, options);
    if (plan.changes.length === 0) {
      io.out.write(
        `Nothing to change: ${plan.unchanged.length === 0 ? 'no behavior chosen' : plan.unchanged.map((c) => label(c.pattern)).join(', ')} of ${options.distribution} ${options.mode === 'attach' ? 'already log to' : 'do not log to'} ${arn}.\n`,
      );
      return 0;
    }
    io.out.write(formatPlanDiff(options.distribution, current.ETag, plan.changes));
    if (options.dryRun) {
      io.out.write(`Dry run: nothing written (${plan.changes.length} behavior(s) would change).\n`);
      return 0;
    }
    try {
      const updated = await cloudfront.send(
        new UpdateDistributionCommand({
          Id: options.distribution,
          IfMatch: current.ETag,
          DistributionConfig: plan.config,
        }),
      );
      const verb = options.mode === 'attach' ? 'Attached' : 'Detached';
      io.out.write(
        `${verb}: ${plan.changes.length} behavior(s) of ${options.distribution} (ETag now ${updated.ETag ?? '?'}, ` +
          `status ${updated.Distribution?.Status ?? '?'}; CloudFront deploys it to the edge in a few minutes).\n`,
      );
      return 0;
    } catch (err) {
      if (awsErrorName(err) !== 'PreconditionFailed') {
        return explain(`UpdateDistribution ${options.distribution}`, err);
      }
      if (attempt >= options.maxAttempts) {
        throw new AwsCallError(
          `The distribution ${options.distribution} kept changing while this wrote it (${attempt} attempts, ` +
            'PreconditionFailed each time): try again later, or raise --max-attempts.',
          { cause: err },
        );
      }
      io.err.write(
        `cfrt: ${options.distribution} changed since it was read (PreconditionFailed); reading it again (attempt ${attempt + 1} of ${options.maxAttempts}).\n`,
      );
      await sleep(Math.min(200 * 2 ** (attempt - 1), 5_000));
    }
  }
}
