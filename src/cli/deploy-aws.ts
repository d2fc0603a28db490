/**
 * What `cfrt attach`, `detach` and `status` read of a deployment: the stack's outputs and
 * parameters (CloudFormation), the processor's configuration and event source mapping (Lambda),
 * the real-time log config and the distributions that use it (CloudFront). The SDK clients are
 * optional peers, loaded here on demand with an error that says what to install; the calls take
 * clients typed by shape (`send` only), so tests drive real SDK clients at loopback servers.
 */
import type { CloudFormationClient, Stack } from '@aws-sdk/client-cloudformation';
import type {
  CloudFrontClient,
  DistributionList,
  DistributionSummary,
  RealtimeLogConfig,
} from '@aws-sdk/client-cloudfront';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LambdaClient, ListEventSourceMappingsCommandOutput } from '@aws-sdk/client-lambda';
import { HANDLER_ENV } from '../handler/config.js';
import { RealtimeLogError } from '../model/errors.js';
import { FieldListError } from '../parser/errors.js';
import { type FieldOrder, type Layout, resolveLayout, splitFieldList } from '../parser/layout.js';
import { createParser } from '../parser/parser.js';
import { UsageError } from './errors.js';

/** A call to AWS that failed for a reason the user can act on (not found, denied, a lost race). */
export class AwsCallError extends RealtimeLogError {
  override name = 'AwsCallError';
}

/** Anything with the SDK's `send`. */
export interface Sender<C extends { send: unknown }> {
  send: C['send'];
}

/** The clients these commands use; each is created only when a command needs it. */
export interface DeployClients {
  readonly cloudfront: () => Promise<Sender<CloudFrontClient>>;
  readonly cloudformation: () => Promise<Sender<CloudFormationClient>>;
  readonly lambda: () => Promise<Sender<LambdaClient>>;
  /** CloudWatch in the stack's region. */
  readonly cloudwatch: () => Promise<Sender<CloudWatchClient>>;
  /** CloudWatch in us-east-1, where CloudFront publishes its metrics. */
  readonly cloudwatchGlobal: () => Promise<Sender<CloudWatchClient>>;
  readonly dynamodb: () => Promise<Sender<DynamoDBClient>>;
  /** Closes every client created. */
  destroy(): void;
}

/** The SDK packages these commands load, by the client they make. */
export const DEPLOY_PACKAGES = {
  cloudfront: '@aws-sdk/client-cloudfront',
  cloudformation: '@aws-sdk/client-cloudformation',
  lambda: '@aws-sdk/client-lambda',
  cloudwatch: '@aws-sdk/client-cloudwatch',
  dynamodb: '@aws-sdk/client-dynamodb',
} as const;

/** CloudFront publishes its distribution metrics (`AWS/CloudFront`) in this region only. */
export const CLOUDFRONT_METRICS_REGION = 'us-east-1';

async function load<T>(command: string, name: string, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new UsageError(`cfrt ${command} needs ${name}: npm install ${name}`, { cause: err });
    }
    throw err;
  }
}

/**
 * Clients from the SDK's default chain (credentials, `AWS_REGION`), in `region` when given; an
 * endpoint per service comes from the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables.
 *
 * @example
 * const clients = sdkClients('status', { region: 'eu-west-1' });
 */
export function sdkClients(command: string, options: { region?: string | undefined }): DeployClients {
  const made: { destroy(): void }[] = [];
  const config = options.region === undefined ? {} : { region: options.region };
  function lazy<C extends { destroy(): void }>(make: () => Promise<C>): () => Promise<C> {
    let client: Promise<C> | undefined;
    return () => {
      client ??= make().then((c) => {
        made.push(c);
        return c;
      });
      return client;
    };
  }
  return {
    cloudfront: lazy(async () => {
      const sdk = await load(command, DEPLOY_PACKAGES.cloudfront, () => import('@aws-sdk/client-cloudfront'));
      return new sdk.CloudFrontClient(config);
    }),
    cloudformation: lazy(async () => {
      const sdk = await load(
        command,
        DEPLOY_PACKAGES.cloudformation,
        () => import('@aws-sdk/client-cloudformation'),
      );
      return new sdk.CloudFormationClient(config);
    }),
    lambda: lazy(async () => {
      const sdk = await load(command, DEPLOY_PACKAGES.lambda, () => import('@aws-sdk/client-lambda'));
      return new sdk.LambdaClient(config);
    }),
    cloudwatch: lazy(async () => {
      const sdk = await load(command, DEPLOY_PACKAGES.cloudwatch, () => import('@aws-sdk/client-cloudwatch'));
      return new sdk.CloudWatchClient(config);
    }),
    cloudwatchGlobal: lazy(async () => {
      const sdk = await load(command, DEPLOY_PACKAGES.cloudwatch, () => import('@aws-sdk/client-cloudwatch'));
      return new sdk.CloudWatchClient({ region: CLOUDFRONT_METRICS_REGION });
    }),
    dynamodb: lazy(async () => {
      const sdk = await load(command, DEPLOY_PACKAGES.dynamodb, () => import('@aws-sdk/client-dynamodb'));
      return new sdk.DynamoDBClient(config);
    }),
    destroy() {
      for (const c of made) c.destroy();
    },
  };
}

/** The SDK error's name (its `Code` on the wire), or undefined for anything else. */
export function awsErrorName(err: unknown): string | undefined {
  return err instanceof Error && '$metadata' in err ? err.name : undefined;
}

/** Rethrows an SDK error as `AwsCallError` naming the call; anything else as it is. */
export function explain(call: string, err: unknown, hint = ''): never {
  const name = awsErrorName(err);
  if (name === undefined) throw err;
  const denied = /AccessDenied|UnauthorizedOperation|NotAuthorized/i.test(name);
  throw new AwsCallError(
    `${call} failed: ${name}: ${(err as Error).message}${denied ? ' (the credentials may not call it)' : ''}${hint}`,
    { cause: err },
  );
}

/** What the stack says: its outputs and parameters, by key. */
export interface StackFacts {
  readonly name: string;
  readonly status: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly parameters: Readonly<Record<string, string>>;
}

/**
 * Reads a stack's status, outputs and parameters (DescribeStacks).
 *
 * @example
 * const stack = await describeStack(cloudformation, 'cfrt');
 * stack.outputs.RealtimeLogConfigArn;
 */
export async function describeStack(client: Sender<CloudFormationClient>, name: string): Promise<StackFacts> {
  const { DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  let stack: Stack | undefined;
  try {
    const out = await client.send(new DescribeStacksCommand({ StackName: name }));
    stack = out.Stacks?.[0];
  } catch (err) {
    if (awsErrorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message)) {
      throw new AwsCallError(
        `Stack "${name}" does not exist in this region (give --stack, or --region / AWS_REGION).`,
        { cause: err },
      );
    }
    explain(`DescribeStacks ${name}`, err);
  }
  if (stack === undefined) throw new AwsCallError(`Stack "${name}" does not exist in this region.`);
  const outputs: Record<string, string> = {};
  for (const o of stack.Outputs ?? []) if (o.OutputKey && o.OutputValue) outputs[o.OutputKey] = o.OutputValue;
  const parameters: Record<string, string> = {};
  for (const p of stack.Parameters ?? [])
    if (p.ParameterKey) parameters[p.ParameterKey] = p.ParameterValue ?? '';
  return { name, status: stack.StackStatus ?? 'UNKNOWN', outputs, parameters };
}

/** A stack output the template declares; missing means another template or an old deploy. */
export function requireOutput(stack: StackFacts, key: string): string {
  const value = stack.outputs[key];
  if (value === undefined) {
    throw new AwsCallError(
      `Stack "${stack.name}" has no output ${key}: is it this project's SAM app (infra/template.yaml), deployed completely (status ${stack.status})?`,
    );
  }
  return value;
}

/** The processor function's name and the variables its handler reads. */
export interface FunctionFacts {
  readonly name: string;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Reads a function's environment (GetFunctionConfiguration): the CFRT_* variables are the
 * deployed handler's configuration.
 *
 * @example
 * (await functionFacts(lambda, 'cfrt-ProcessorFunction-abc')).env.CFRT_FIELDS;
 */
export async function functionFacts(client: Sender<LambdaClient>, name: string): Promise<FunctionFacts> {
  const { GetFunctionConfigurationCommand } = await import('@aws-sdk/client-lambda');
  try {
    const out = await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    return { name: out.FunctionName ?? name, env: { ...(out.Environment?.Variables ?? {}) } };
  } catch (err) {
    return explain(`GetFunctionConfiguration ${name}`, err);
  }
}

/** An event source mapping of a function: the stream it reads and whether it is on. */
export interface MappingFacts {
  readonly functionArn: string;
  readonly eventSourceArn: string;
  readonly state: string;
}

/**
 * The event source mappings of a stream or of a function (ListEventSourceMappings, every page).
 *
 * @example
 * await eventSourceMappings(lambda, { eventSourceArn: 'arn:aws:kinesis:...:stream/raw' });
 */
export async function eventSourceMappings(
  client: Sender<LambdaClient>,
  by: { eventSourceArn?: string; functionName?: string },
): Promise<MappingFacts[]> {
  const { ListEventSourceMappingsCommand } = await import('@aws-sdk/client-lambda');
  const out: MappingFacts[] = [];
  let marker: string | undefined;
  do {
    let page: ListEventSourceMappingsCommandOutput;
    try {
      page = await client.send(
        new ListEventSourceMappingsCommand({
          ...(by.eventSourceArn === undefined ? {} : { EventSourceArn: by.eventSourceArn }),
          ...(by.functionName === undefined ? {} : { FunctionName: by.functionName }),
          ...(marker === undefined ? {} : { Marker: marker }),
        }),
      );
    } catch (err) {
      return explain('ListEventSourceMappings', err);
    }
    for (const m of page.EventSourceMappings ?? []) {
      out.push({
        functionArn: m.FunctionArn ?? '',
        eventSourceArn: m.EventSourceArn ?? '',
        state: m.State ?? 'Unknown',
      });
    }
    marker = page.NextMarker;
  } while (marker !== undefined && marker !== '');
  return out;
}

/**
 * Reads a real-time log config by ARN or name (GetRealtimeLogConfig).
 *
 * @example
 * const config = await realtimeLogConfig(cloudfront, 'arn:aws:cloudfront::123456789012:realtime-log-config/cfrt-realtime-logs');
 */
export async function realtimeLogConfig(
  client: Sender<CloudFrontClient>,
  arnOrName: string,
): Promise<RealtimeLogConfig> {
  const { GetRealtimeLogConfigCommand } = await import('@aws-sdk/client-cloudfront');
  const byArn = arnOrName.startsWith('arn:');
  try {
    const out = await client.send(
      new GetRealtimeLogConfigCommand(byArn ? { ARN: arnOrName } : { Name: arnOrName }),
    );
    if (out.RealtimeLogConfig === undefined) throw new AwsCallError(`No real-time log config ${arnOrName}.`);
    return out.RealtimeLogConfig;
  } catch (err) {
    if (awsErrorName(err) === 'NoSuchRealtimeLogConfig') {
      throw new AwsCallError(`CloudFront has no real-time log config ${arnOrName}.`, { cause: err });
    }
    return explain(`GetRealtimeLogConfig ${arnOrName}`, err);
  }
}

/**
 * Every distribution with a cache behavior that logs to the config
 * (ListDistributionsByRealtimeLogConfig, every page).
 *
 * @example
 * const distributions = await distributionsUsing(cloudfront, config.ARN!);
 */
export async function distributionsUsing(
  client: Sender<CloudFrontClient>,
  arn: string,
): Promise<DistributionSummary[]> {
  const { ListDistributionsByRealtimeLogConfigCommand } = await import('@aws-sdk/client-cloudfront');
  const out: DistributionSummary[] = [];
  let marker: string | undefined;
  for (;;) {
    let list: DistributionList | undefined;
    try {
      ({ DistributionList: list } = await client.send(
        new ListDistributionsByRealtimeLogConfigCommand({
          RealtimeLogConfigArn: arn,
          ...(marker === undefined ? {} : { Marker: marker }),
        }),
      ));
    } catch (err) {
      return explain('ListDistributionsByRealtimeLogConfig', err);
    }
    out.push(...(list?.Items ?? []));
    if (list?.IsTruncated !== true || !list.NextMarker) return out;
    marker = list.NextMarker;
  }
}

/** The Kinesis stream a real-time log config writes to (its first Kinesis end point). */
export function streamArnOf(config: RealtimeLogConfig): string | undefined {
  return config.EndPoints?.find((e) => e.StreamType === 'Kinesis')?.KinesisStreamConfig?.StreamARN;
}

/** Whether the function reads a config's lines, and how. */
export type FieldVerdict =
  | { readonly ok: true; readonly layout: 'current' | 'previous'; readonly fields: readonly string[] }
  | { readonly ok: false; readonly problem: string };

/**
 * Decides whether the deployed handler (its CFRT_FIELDS, CFRT_PREVIOUS_FIELDS and CFRT_FIELD_ORDER)
 * parses the lines a real-time log config with `configFields` sends: the parser the handler builds
 * (`createParser` over its field lists) must have the config's layout (`resolveLayout`). A layout
 * with the same number of columns but other fields is refused too: its lines would parse, every
 * column under a neighbour's name.
 *
 * @example
 * fieldVerdict(['timestamp', 'sc-status'], { CFRT_FIELDS: 'timestamp,sc-status' }); // { ok: true, layout: 'current', ... }
 */
export function fieldVerdict(
  configFields: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): FieldVerdict {
  const fieldsText = env[HANDLER_ENV.fields.name];
  if (fieldsText === undefined || splitFieldList(fieldsText).length === 0) {
    return {
      ok: false,
      problem: `the function has no ${HANDLER_ENV.fields.name}: it is not this project's processor (or not configured)`,
    };
  }
  const order: FieldOrder = env[HANDLER_ENV.fieldOrder.name] === 'delivery' ? 'delivery' : 'canonical';
  const lists = [splitFieldList(fieldsText)];
  const previous = splitFieldList(env[HANDLER_ENV.previousFields.name] ?? '');
  if (previous.length > 0) lists.push(previous);
  let layouts: readonly Layout[];
  try {
    layouts = createParser({ layouts: lists }, { order }).layouts;
  } catch (err) {
    if (!(err instanceof FieldListError)) throw err;
    return { ok: false, problem: `the function's own field lists do not resolve: ${err.problems.join(' ')}` };
  }
  let wanted: Layout;
  try {
    wanted = resolveLayout(configFields, order);
  } catch (err) {
    if (!(err instanceof FieldListError)) throw err;
    return { ok: false, problem: `the config's field list cannot be parsed: ${err.problems.join(' ')}` };
  }
  const key = wanted.fields.join(',');
  const index = layouts.findIndex((l) => l.fields.join(',') === key);
  if (index >= 0) {
    const current = splitFieldList(fieldsText);
    const isCurrent = resolveLayout(current, order).fields.join(',') === key;
    return { ok: true, layout: isCurrent ? 'current' : 'previous', fields: wanted.fields };
  }
  const readable = layouts.map((l) => `${l.fields.length} fields (${l.fields.join(',')})`).join(' or ');
  const sameCount = layouts.find((l) => l.fields.length === wanted.fields.length);
  if (sameCount !== undefined) {
    const onlyConfig = wanted.fields.filter((f) => !sameCount.fields.includes(f));
    const onlyFunction = sameCount.fields.filter((f) => !wanted.fields.includes(f));
    return {
      ok: false,
      problem:
        `the config sends ${wanted.fields.length} fields and the function reads ${wanted.fields.length} other ones ` +
        `(only in the config: ${onlyConfig.join(', ') || 'none, another order'}; only in the function: ${onlyFunction.join(', ') || 'none'}): ` +
        'its lines would parse with every column read under another name. Deploy the stack with the same Fields first.',
    };
  }
  return {
    ok: false,
    problem:
      `the config sends ${wanted.fields.length} fields (${wanted.fields.join(',')}) and the function reads lines of ${readable}: ` +
      'every line would be malformed. Deploy the stack with the config\'s Fields (see docs/deploy.md, "Changing the field list").',
  };
}
